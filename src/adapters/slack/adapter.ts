import { App, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Bot } from '../../bot/bot.ts';
import { ConfigError, type BotEnvironment } from '../../bot/config.ts';
import { networkCodeOf, unreachableText } from '../connection-errors.ts';
import type { ConnectionWatchOptions } from '../connection-watch.ts';
import { deliverJobEvents } from '../deliveries.ts';
import { renderContestsOnSlack } from './contests.ts';
import { redrawHomesOnJobEvents, registerAppHome } from './listeners/app-home.ts';
import { registerButtons } from './listeners/buttons.ts';
import { registerDirectMessage } from './listeners/direct-message.ts';
import { registerImpastoCommand } from './listeners/impasto-command.ts';
import { registerMemberLeft } from './listeners/member-left.ts';
import { registerMention } from './listeners/mention.ts';
import { registerModalSubmit } from './listeners/modal-submit.ts';
import { registerShortcut } from './listeners/shortcut.ts';
import { registerUseAsStyle } from './listeners/use-as-style.ts';
import { registerStylizeCommand } from './listeners/stylize-command.ts';
import { boltLogger, guardedReceiver } from './receiver.ts';
import { deliverToSlack, isTemporarySlackError, logSlackFailure } from './render.ts';
import { keepSocketConnected } from './socket-connection.ts';
import type { SlackState } from './state.ts';
import { messageOf } from '../../error-message.ts';

export interface SlackAdapterOptions {
  readonly bot: Bot;
  readonly env: BotEnvironment;
  readonly logger: Logger;
  /** How long to wait before each new try of a job's last message, or a contest's post, after a temporary failure (tests shorten them). */
  readonly answerRetryDelaysMs?: readonly number[];
  /** Socket Mode: when a lost connection is said in the log, and said again (tests shorten them). */
  readonly connectionLogMs?: Pick<ConnectionWatchOptions, 'graceMs' | 'reminderMs'>;
  /** Socket Mode: the waits before each new try at a lost connection (tests shorten them). */
  readonly reconnectDelaysMs?: readonly number[];
}

export interface SlackAdapter {
  readonly app: App;
  /** HTTP mode: the port Bolt listens on. */
  readonly port?: number | undefined;
  stop(): Promise<void>;
}

/**
 * Slack ⇄ bot. Slack slash commands cannot carry files, so jobs start from an image already in the
 * conversation: the "Stylize with…" message shortcut (a modal), `/stylize <style>` (the user's latest
 * image in the channel), or a mention in an image's thread (one listener file each, in `listeners/`).
 * Progress is one message in that thread, updated; the PNG and GIF are uploaded into it (`render.ts`).
 */
export async function startSlackAdapter(options: SlackAdapterOptions): Promise<SlackAdapter> {
  const { bot, env, logger } = options;
  const clientOptions = { ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}), retryConfig: { retries: 2, factor: 1.5, minTimeout: 200 } };
  const socketMode = env.SLACK_MODE === 'socket';
  // One bot token is one workspace: its team id names the community of everything said here. Asked
  // once, before Bolt: told who the bot is, Bolt asks nothing itself (it would otherwise call
  // auth.test as it is built, and a refusal there would be a stray rejection, not this message).
  const identity = await new webApi.WebClient(env.SLACK_BOT_TOKEN, { ...clientOptions, logger: boltLogger(logger), logLevel: LogLevel.ERROR })
    .auth.test()
    .catch((error: unknown) => {
      throw new ConfigError(describeStartFailure(error, 'SLACK_BOT_TOKEN', env), { cause: error });
    });
  // Socket Mode's receiver is made here rather than by Bolt: its client's connection is kept up by
  // `keepSocketConnected` (the client's own reconnection can give up for good), and its errors are
  // about that connection, which the adapter says in the log itself: warnings.
  const socketReceiver = socketMode
    ? new SocketModeReceiver({ appToken: env.SLACK_APP_TOKEN ?? '' /* required in Socket Mode by the config */, autoReconnectEnabled: false, installerOptions: { clientOptions }, logger: boltLogger(logger, 'warn'), logLevel: LogLevel.ERROR })
    : undefined;
  const app = new App({
    token: env.SLACK_BOT_TOKEN,
    ...(identity.bot_id && identity.user_id ? { botId: identity.bot_id, botUserId: identity.user_id, tokenVerificationEnabled: false } : {}),
    ...(socketReceiver ? { socketMode: true, receiver: socketReceiver } : { receiver: guardedReceiver(env.SLACK_SIGNING_SECRET ?? '', logger) }),
    clientOptions,
    logLevel: LogLevel.ERROR,
    logger: boltLogger(logger),
  });
  const state: SlackState = { bot, env, logger, client: app.client, statusMessages: new Map(), uploadedResults: new Map(), homeViewers: new Map(), moderatorCache: new Map(), community: `slack:${identity.team_id ?? 'unknown'}`, scopes: identity.response_metadata?.scopes };
  for (const register of [registerStylizeCommand, registerImpastoCommand, registerShortcut, registerUseAsStyle, registerModalSubmit, registerButtons, registerMention, registerDirectMessage, registerMemberLeft, registerAppHome]) register(app, state);
  app.error(async (error) => {
    logSlackFailure(logger, error, 'slack handler failed');
  });

  const deliveries = deliverJobEvents(bot, 'slack', (delivery) => deliverToSlack(state, delivery), {
    onError: (error, event, retryInMs) => logger.warn({ err: error, jobId: event.job.id, event: event.type, retryInMs }, 'could not deliver to Slack'),
    onFinished: (jobId) => {
      state.statusMessages.delete(jobId);
      state.uploadedResults.delete(jobId);
    },
    isTemporary: isTemporarySlackError,
    retryDelaysMs: options.answerRetryDelaysMs,
  });
  const stopContests = renderContestsOnSlack(app.client, bot, logger, options.answerRetryDelaysMs);
  const stopHomes = redrawHomesOnJobEvents(state);
  let started: unknown;
  try {
    started = socketMode ? await app.start() : await app.start(env.SLACK_PORT);
  } catch (error) {
    // Nothing of this adapter may stay behind (a process that should exit would not).
    await stopContests();
    stopHomes();
    await deliveries.stop();
    await app.stop().catch(() => undefined);
    throw new ConfigError(describeStartFailure(error, socketMode ? 'SLACK_APP_TOKEN' : undefined, env), { cause: error });
  }
  const port = socketMode ? undefined : ((started as Server).address() as AddressInfo).port;
  logger.info({ mode: env.SLACK_MODE, port }, 'connected to Slack');
  // Over HTTP Slack calls the bot: there is no connection of the bot's to keep.
  const connection = socketReceiver
    ? keepSocketConnected(socketReceiver.client, { logger, report: (connected) => bot.reportConnection('slack', connected), ...options.connectionLogMs, reconnectDelaysMs: options.reconnectDelaysMs })
    : undefined;
  return {
    app,
    port,
    async stop() {
      connection?.stop();
      await stopContests();
      stopHomes();
      await deliveries.stop();
      await app.stop();
    },
  };
}

/** Slack's answers that mean the token itself is wrong (or no longer valid). */
const REFUSED_TOKEN = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);

/**
 * Why Slack could not be connected to at start, and what to do about it: `token` is the one the
 * failed step used (the bot token for auth.test, the app-level token for Socket Mode's connection).
 */
export function describeStartFailure(error: unknown, token: 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN' | undefined, env: Pick<BotEnvironment, 'SLACK_API_URL' | 'SLACK_PORT'>): string {
  // Socket Mode's client fails with no reason at all when the socket Slack named cannot be opened.
  if (error === undefined || error === null) {
    return token === 'SLACK_APP_TOKEN'
      ? "Slack accepted SLACK_APP_TOKEN, but the Socket Mode connection it named could not be opened: check that this machine may open WebSocket connections to Slack (wss://, port 443; a proxy or firewall may refuse them), then start again."
      : 'Could not connect to Slack (no reason was given); start again.';
  }
  const answer = (error as { data?: { error?: unknown } }).data?.error;
  if (token && typeof answer === 'string' && REFUSED_TOKEN.has(answer)) {
    return token === 'SLACK_BOT_TOKEN'
      ? `Slack refused SLACK_BOT_TOKEN (${answer}). Copy the Bot User OAuth Token (xoxb-…) again from your app's OAuth & Permissions page (reinstall the app if it was revoked).`
      : `Slack refused SLACK_APP_TOKEN (${answer}). Create an app-level token (xapp-…) with the connections:write scope under your app's Basic Information, and set it.`;
  }
  if ((error as { code?: unknown }).code === 'EADDRINUSE') return `port ${env.SLACK_PORT} is already in use (another impasto?): stop it, or set SLACK_PORT to another port.`;
  const network = networkCodeOf(error);
  if (network) return unreachableText('Slack', network, 'SLACK_API_URL', env.SLACK_API_URL !== undefined);
  return `Could not connect to Slack: ${messageOf(error)}`;
}
