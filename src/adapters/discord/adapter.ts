import { Client, DiscordAPIError, Events, GatewayIntentBits, MessageFlags, Options, Partials, type ClientOptions, type Interaction } from 'discord.js';
import type { Logger } from 'pino';
import type { Bot } from '../../bot/bot.ts';
import { ConfigError, type BotEnvironment } from '../../bot/config.ts';
import { networkCodeOf, unreachableText } from '../connection-errors.ts';
import { watchConnection, type ConnectionWatchOptions } from '../connection-watch.ts';
import { deliverJobEvents } from '../deliveries.ts';
import { renderContestsOnDiscord } from './contests.ts';
import { onAutocomplete } from './listeners/autocomplete.ts';
import { onButton } from './listeners/buttons.ts';
import { onChatInput } from './listeners/chat-input.ts';
import { onMessage } from './listeners/message.ts';
import { onMessageCommand } from './listeners/message-menu.ts';
import { onPicturePick } from './listeners/picture-pick.ts';
import { onSavePick } from './listeners/save-pick.ts';
import { onStylePick } from './listeners/style-pick.ts';
import { deliverToDiscord, describeDiscordError, isTemporaryDiscordError, logDiscordFailure } from './render.ts';
import { CUSTOM_ID, type DiscordState } from './state.ts';
import { DISCORD_UPLOAD_LIMITS, uploadLimitIn, type UploadLimitsByBoost } from './upload-limits.ts';
import { messageOf } from '../../error-message.ts';

export interface DiscordAdapterOptions {
  readonly bot: Bot;
  readonly env: BotEnvironment;
  readonly logger: Logger;
  /** Extra client options (tests point `rest.api` at a fake). */
  readonly clientOptions?: Partial<ClientOptions>;
  /** The clock, and how long an interaction token lives (15 minutes); tests shorten both. */
  readonly now?: () => number;
  readonly interactionLifetimeMs?: number;
  /** The largest file the bot uploads, by the server's boost level (Discord's own; tests lower them). */
  readonly uploadLimits?: UploadLimitsByBoost;
  /** How long to wait before each new try of a job's last message, or a contest's post, after a temporary failure (tests shorten them). */
  readonly answerRetryDelaysMs?: readonly number[];
  /** When a lost gateway connection is said in the log, and said again (tests shorten them). */
  readonly connectionLogMs?: Pick<ConnectionWatchOptions, 'graceMs' | 'reminderMs'>;
}

export interface DiscordAdapter {
  readonly client: Client;
  stop(): Promise<void>;
}

/**
 * Discord ⇄ bot. Slash commands, autocomplete, the two message context menus and buttons (one
 * listener file each, in `listeners/`) become `bot` calls; job events become edits of the original
 * reply (`render.ts`).
 */
export async function startDiscordAdapter(options: DiscordAdapterOptions): Promise<DiscordAdapter> {
  const { bot, env, logger } = options;
  const client = new Client({
    // Guild messages for mentions of the bot, whose text Discord sends without the privileged
    // message-content intent; direct messages, whose text it always sends, for pictures sent to the bot.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
    // A direct message's channel is not in the cache when its first message arrives.
    partials: [Partials.Channel],
    // Every message of every channel now arrives; none is kept (a mention reads what it replies to with one request).
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
    // What the bot writes may carry members' words (a contest's title, a name typed in a refusal):
    // it pings no one but the member it replies to, whatever the bot's permissions. A message meant
    // to ping (a job's answer, a contest's winners) names its members by id.
    allowedMentions: { parse: [], repliedUser: true },
    ...options.clientOptions,
    rest: { ...(env.DISCORD_API_URL ? { api: env.DISCORD_API_URL } : {}), ...options.clientOptions?.rest },
  });
  const uploadLimits = options.uploadLimits ?? DISCORD_UPLOAD_LIMITS;
  const uploadLimitOf = (channelId: string) => uploadLimitIn(client, channelId, uploadLimits);
  const state: DiscordState = {
    bot,
    env,
    logger,
    client,
    now: options.now ?? Date.now,
    lifetimeMs: options.interactionLifetimeMs ?? 15 * 60_000,
    deliveries: deliverJobEvents(bot, 'discord', (delivery) => deliverToDiscord(state, delivery), {
      onError: (error, event, retryInMs) => logger.warn({ err: error, jobId: event.job.id, event: event.type, retryInMs }, 'could not deliver to Discord'),
      uploadLimitOf: (job) => uploadLimitOf(job.origin.channelId),
      isTemporary: isTemporaryDiscordError,
      retryDelaysMs: options.answerRetryDelaysMs,
    }),
    pendingPicks: new Map(),
  };

  client.on(Events.InteractionCreate, (interaction) => {
    dispatch(state, interaction).catch(async (error: unknown) => {
      logDiscordFailure(logger, error, { interaction: interaction.id }, 'discord interaction failed');
      if (!interaction.isRepliable()) return;
      const respond = interaction.deferred || interaction.replied ? interaction.followUp.bind(interaction) : interaction.reply.bind(interaction);
      await respond({ content: describeDiscordError(error), flags: MessageFlags.Ephemeral }).catch(() => undefined);
    });
  });
  client.on(Events.MessageCreate, (message) => {
    onMessage(state, message).catch((error: unknown) => {
      logDiscordFailure(logger, error, { message: message.id }, 'discord message failed');
      void message.reply({ content: describeDiscordError(error), allowedMentions: { repliedUser: false, parse: [] } }).catch(() => undefined);
    });
  });
  // An 'error' event nobody listens to is thrown, and would end the whole process (and with it the
  // other adapters). discord.js reconnects by itself after these.
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.ShardError, (error, shardId) => logger.error({ err: error, shardId }, 'discord gateway error'));

  const stopContests = renderContestsOnDiscord(client, bot, logger, uploadLimitOf, options.answerRetryDelaysMs);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(env.DISCORD_TOKEN);
    await ready;
  } catch (error) {
    // Nothing of this adapter may stay behind (a process that should exit would not).
    await stopContests();
    await state.deliveries.stop();
    await client.destroy();
    throw new ConfigError(describeLoginFailure(error, env), { cause: error });
  }
  logger.info({ user: client.user?.tag }, 'connected to Discord');
  const connection = watchConnection({ platform: 'Discord', logger, report: (connected) => bot.reportConnection('discord', connected), ...options.connectionLogMs });
  client.on(Events.ShardReconnecting, () => connection.lost());
  client.on(Events.ShardResume, () => connection.restored());
  client.on(Events.ShardReady, () => connection.restored());
  // discord.js reconnects by itself but for a few close codes (a token reset meanwhile, intents taken away).
  let stopping = false;
  client.on(Events.ShardDisconnect, (event) => {
    if (stopping) return;
    // Lost, and said here once: not "it keeps reconnecting" later.
    connection.lost();
    connection.stop();
    logger.error({ code: event.code }, `Discord closed the gateway connection for good (close code ${event.code}): nothing said in chat reaches the bot until it is restarted, after checking DISCORD_TOKEN and the bot's intents in the developer portal`);
  });
  return {
    client,
    async stop() {
      stopping = true;
      connection.stop();
      await stopContests();
      await state.deliveries.stop();
      await client.destroy();
    },
  };
}

/** Each kind of interaction to its listener. */
async function dispatch(state: DiscordState, interaction: Interaction): Promise<void> {
  if (interaction.isChatInputCommand()) return onChatInput(state, interaction);
  if (interaction.isAutocomplete()) return onAutocomplete(state, interaction);
  if (interaction.isMessageContextMenuCommand()) return onMessageCommand(state, interaction);
  const match = 'customId' in interaction ? CUSTOM_ID.exec(interaction.customId) : null;
  if (!match) return;
  if (interaction.isStringSelectMenu() && match[1] === 'pick') return onStylePick(state, interaction, match[2]!);
  if (interaction.isStringSelectMenu() && match[1] === 'picture') return onPicturePick(state, interaction, match[2]!);
  if (interaction.isStringSelectMenu() && match[1] === 'keep') return onSavePick(state, interaction, match[2]!);
  if (interaction.isButton()) return onButton(state, interaction, match[1]!, match[2]!);
}

/** Why Discord could not be connected to at start (or asked by `impasto doctor`), and what to do about it. */
export function describeLoginFailure(error: unknown, env: Pick<BotEnvironment, 'DISCORD_API_URL'>): string {
  // discord.js's login says TokenInvalid; a plain REST call gets Discord's 401.
  if ((error as { code?: unknown }).code === 'TokenInvalid' || (error instanceof DiscordAPIError && error.status === 401)) {
    return 'Discord refused DISCORD_TOKEN: it is not a valid bot token. Copy it again from the Discord developer portal (your application → Bot → Reset Token).';
  }
  const network = networkCodeOf(error);
  if (network) return unreachableText('Discord', network, 'DISCORD_API_URL', env.DISCORD_API_URL !== undefined);
  return `Could not connect to Discord: ${messageOf(error)}`;
}
