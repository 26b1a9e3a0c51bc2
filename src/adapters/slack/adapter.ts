import { App, LogLevel } from '@slack/bolt';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Bot } from '../../bot/bot.ts';
import type { BotEnvironment } from '../../bot/config.ts';
import { deliverJobEvents } from '../deliveries.ts';
import { renderContestsOnSlack } from './contests.ts';
import { registerButtons } from './listeners/buttons.ts';
import { registerImpastoCommand } from './listeners/impasto-command.ts';
import { registerMemberLeft } from './listeners/member-left.ts';
import { registerMention } from './listeners/mention.ts';
import { registerModalSubmit } from './listeners/modal-submit.ts';
import { registerShortcut } from './listeners/shortcut.ts';
import { registerUseAsStyle } from './listeners/use-as-style.ts';
import { registerStylizeCommand } from './listeners/stylize-command.ts';
import { boltLogger, guardedReceiver } from './receiver.ts';
import { deliverToSlack } from './render.ts';
import type { SlackState } from './state.ts';

export interface SlackAdapterOptions {
  readonly bot: Bot;
  readonly env: BotEnvironment;
  readonly logger: Logger;
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
  const app = new App({
    token: env.SLACK_BOT_TOKEN,
    ...(socketMode ? { socketMode: true, appToken: env.SLACK_APP_TOKEN, installerOptions: { clientOptions } } : { receiver: guardedReceiver(env.SLACK_SIGNING_SECRET ?? '', logger) }),
    clientOptions,
    logLevel: LogLevel.ERROR,
    logger: boltLogger(logger),
  });
  // One bot token is one workspace: its team id names the community of everything said here.
  const identity = await app.client.auth.test({ token: env.SLACK_BOT_TOKEN });
  const state: SlackState = { bot, env, logger, client: app.client, statusMessages: new Map(), moderatorCache: new Map(), community: `slack:${identity.team_id ?? 'unknown'}`, scopes: identity.response_metadata?.scopes };
  for (const register of [registerStylizeCommand, registerImpastoCommand, registerShortcut, registerUseAsStyle, registerModalSubmit, registerButtons, registerMention, registerMemberLeft]) register(app, state);
  app.error(async (error) => {
    logger.error({ err: error }, 'slack handler failed');
  });

  const deliveries = deliverJobEvents(bot, 'slack', (delivery) => deliverToSlack(state, delivery), {
    onError: (error, event) => logger.warn({ err: error, jobId: event.job.id, event: event.type }, 'could not deliver to Slack'),
    onFinished: (jobId) => state.statusMessages.delete(jobId),
  });
  const stopContests = renderContestsOnSlack(app.client, bot, logger);
  const started: unknown = socketMode ? await app.start() : await app.start(env.SLACK_PORT);
  const port = socketMode ? undefined : ((started as Server).address() as AddressInfo).port;
  logger.info({ mode: env.SLACK_MODE, port }, 'connected to Slack');
  return {
    app,
    port,
    async stop() {
      stopContests();
      await deliveries.stop();
      await app.stop();
    },
  };
}
