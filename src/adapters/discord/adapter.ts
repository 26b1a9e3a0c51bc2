import { randomBytes } from 'node:crypto';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  PermissionFlagsBits,
  Routes,
  StringSelectMenuBuilder,
  type Attachment,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type ClientOptions,
  type Interaction,
  type MessageContextMenuCommandInteraction,
  type RepliableInteraction,
  type StringSelectMenuInteraction,
} from 'discord.js';
import type { Logger } from 'pino';
import type { Bot } from '../../bot/bot.ts';
import type { CommandContext, CommandDefinition, Reply, UploadedImage } from '../../bot/commands/types.ts';
import { parseArgs } from '../../bot/commands/validate.ts';
import type { BotEnvironment } from '../../bot/config.ts';
import { BotError, refusalOf, userMessageOf } from '../../bot/errors.ts';
import { describeParameters, formatDuration, formatEta, progressBar } from '../../bot/format.ts';
import type { Job } from '../../bot/jobs/store.ts';
import type { JobEvent } from '../../bot/jobs/queue.ts';
import { downloadImage } from '../download.ts';
import { deliverJobEvents } from '../deliveries.ts';
import { MESSAGE_LIMITS, splitText } from '../message-limits.ts';
import { RESULT_BUTTONS } from '../result-buttons.ts';
import { STYLIZE_WITH, USE_AS_STYLE } from './application-commands.ts';
import { renderContestsOnDiscord } from './contests.ts';

/** What the core stores for a Discord job so that any later process can answer it. */
interface DiscordReplyRef {
  readonly applicationId: string;
  readonly token: string;
  /** When the interaction was created: its token works for 15 minutes from then. */
  readonly createdAt: number;
  readonly userId: string;
  readonly channelId: string;
}

interface OutgoingMessage {
  readonly content: string;
  readonly files?: readonly { readonly name: string; readonly bytes: Uint8Array }[];
  readonly components?: readonly ActionRowBuilder<ButtonBuilder>[];
}

export interface DiscordAdapterOptions {
  readonly bot: Bot;
  readonly env: BotEnvironment;
  readonly logger: Logger;
  /** Extra client options (tests point `rest.api` at a fake). */
  readonly clientOptions?: Partial<ClientOptions>;
  /** The clock, and how long an interaction token lives (15 minutes); tests shorten both. */
  readonly now?: () => number;
  readonly interactionLifetimeMs?: number;
}

export interface DiscordAdapter {
  readonly client: Client;
  stop(): Promise<void>;
}

const PUBLIC_COMMANDS = new Set(['stylize', 'styles', 'contest enter', 'contest status']);
const CUSTOM_ID = /^impasto:(again|less|more|cancel|pick|vote):(.+)$/;
const REMEMBERED = '__remembered__';
const OTHER_MESSAGE = '__other__';
// Answer a little before the token's end rather than race it.
const TOKEN_MARGIN_MS = 60_000;

/**
 * Discord ⇄ bot. Slash commands, autocomplete, the two message context menus and buttons become
 * `bot.execute` calls; job events become edits of the original reply (through the interaction
 * webhook, so they work after a restart too) or, once its token has expired, a channel message.
 */
export async function startDiscordAdapter(options: DiscordAdapterOptions): Promise<DiscordAdapter> {
  const { bot, env, logger } = options;
  const now = options.now ?? Date.now;
  const lifetimeMs = options.interactionLifetimeMs ?? 15 * 60_000;
  const pendingPicks = new Map<string, { url: string; name: string; expires: number }>();
  const rememberedStyles = new Map<string, { url: string; name: string }>();
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    ...options.clientOptions,
    rest: { ...(env.DISCORD_API_URL ? { api: env.DISCORD_API_URL } : {}), ...options.clientOptions?.rest },
  });

  const downloadPolicy = (label: string, field: string) => ({
    allowedHosts: env.DISCORD_CDN_HOSTS,
    maxBytes: env.IMPASTO_MAX_UPLOAD_MB * 1024 * 1024,
    label,
    field,
  });

  /** Discord says how large an attachment is before we fetch it. */
  function sizeProblemOf(attachment: Pick<Attachment, 'size'>, label: string): string | undefined {
    if (attachment.size <= env.IMPASTO_MAX_UPLOAD_MB * 1024 * 1024) return undefined;
    return `The ${label} is ${(attachment.size / 1048576).toFixed(1)} MB; the limit is ${env.IMPASTO_MAX_UPLOAD_MB} MB.`;
  }

  async function fetchAttachment(attachment: Pick<Attachment, 'url' | 'name' | 'size'>, label: string, field: string): Promise<UploadedImage> {
    const tooLarge = sizeProblemOf(attachment, label);
    if (tooLarge) throw new BotError('limit_reached', tooLarge, field);
    return downloadImage(attachment.url, attachment.name, downloadPolicy(label, field));
  }

  function contextOf(interaction: Interaction): CommandContext {
    const permissions = interaction.memberPermissions;
    const isModerator = Boolean(permissions?.has(PermissionFlagsBits.ManageGuild) || permissions?.has(PermissionFlagsBits.Administrator));
    const reply: DiscordReplyRef = {
      applicationId: interaction.applicationId,
      token: interaction.token,
      createdAt: interaction.createdTimestamp,
      userId: interaction.user.id,
      channelId: interaction.channelId ?? '',
    };
    return {
      requester: { platform: 'discord', userId: interaction.user.id, userName: interaction.user.username, isModerator },
      origin: { platform: 'discord', channelId: interaction.channelId ?? '', reply: { ...reply } },
    };
  }

  /** Refuses early when the bot could not post the result here. */
  function checkCanPostFiles(interaction: RepliableInteraction): string | undefined {
    if (interaction.appPermissions && !interaction.appPermissions.has(PermissionFlagsBits.AttachFiles)) {
      return "I can't post images in this channel: I'm missing the Attach Files permission. Ask a moderator to grant it, or use me in another channel.";
    }
    return undefined;
  }

  /**
   * Shows a reply to a deferred interaction; a refusal becomes an ephemeral follow-up instead. A
   * text over Discord's limit continues in follow-ups. A job's "queued" reply waits its turn behind
   * the job's own events, and is dropped if the job has started by then.
   */
  async function answer(interaction: RepliableInteraction, reply: Reply, deferredPublicly: boolean): Promise<void> {
    if (reply.refusal && deferredPublicly) {
      await interaction.deleteReply().catch(() => undefined);
      await interaction.followUp({ content: reply.text, flags: MessageFlags.Ephemeral });
      return;
    }
    const [first = '', ...rest] = splitText(reply.text, MESSAGE_LIMITS.discord);
    const edit = () =>
      interaction.editReply({
        content: first,
        files: (reply.files ?? []).map((file) => ({ attachment: Buffer.from(file.bytes), name: file.name })),
        components: reply.jobId ? [cancelRow(reply.jobId)] : [],
      });
    if (reply.jobId) await deliveries.whileQueued(reply.jobId, async () => void (await edit()));
    else await edit();
    for (const piece of rest) await interaction.followUp({ content: piece, ...(deferredPublicly ? {} : { flags: MessageFlags.Ephemeral }) });
  }

  /**
   * What can be refused from the interaction alone (a missing style, a number out of range, a file
   * Discord itself says is no image), so that the refusal is private and immediate rather than a
   * public "thinking…" that then vanishes.
   */
  function refuseEarly(interaction: ChatInputCommandInteraction, definition: CommandDefinition): string | undefined {
    const raw: Record<string, unknown> = {};
    for (const [option, spec] of Object.entries(definition.options)) {
      if (spec.type === 'image') {
        const attachment = interaction.options.getAttachment(option);
        if (!attachment) continue;
        const label = option === 'content' ? 'content image' : `${option} image`;
        if (attachment.contentType && !attachment.contentType.startsWith('image/')) return `The ${label} (${attachment.name}) is not an image; send a JPEG, PNG, WebP or GIF.`;
        const tooLarge = sizeProblemOf(attachment, label);
        if (tooLarge) return tooLarge;
        raw[option] = { bytes: new Uint8Array(0), name: attachment.name };
      } else {
        const value = interaction.options.get(option)?.value;
        if (value !== undefined) raw[option] = value;
      }
    }
    try {
      parseArgs(definition, raw);
      return undefined;
    } catch (error) {
      return refusalOf(error)?.text;
    }
  }

  async function onChatInput(interaction: ChatInputCommandInteraction): Promise<void> {
    const sub = interaction.options.getSubcommand(false);
    const name = sub ? `${interaction.commandName} ${sub}` : interaction.commandName;
    const definition = bot.definition(name);
    if (!definition) return void interaction.reply({ content: `I don't know /${name}. Try /help.`, flags: MessageFlags.Ephemeral });
    const publicReply = PUBLIC_COMMANDS.has(name);
    if (publicReply) {
      const problem = checkCanPostFiles(interaction) ?? refuseEarly(interaction, definition);
      if (problem) return void interaction.reply({ content: problem, flags: MessageFlags.Ephemeral });
    }
    await interaction.deferReply(publicReply ? {} : { flags: MessageFlags.Ephemeral });
    let reply: Reply;
    try {
      const raw: Record<string, unknown> = {};
      for (const [option, spec] of Object.entries(definition.options)) {
        if (spec.type === 'image') {
          const attachment = interaction.options.getAttachment(option);
          if (attachment) raw[option] = await fetchAttachment(attachment, option === 'content' ? 'content image' : `${option} image`, option);
        } else {
          const value = interaction.options.get(option)?.value;
          if (value !== undefined) raw[option] = value;
        }
      }
      reply = await bot.execute(name, raw, contextOf(interaction));
    } catch (error) {
      reply = refuseOrRethrow(error);
    }
    await answer(interaction, reply, publicReply);
  }

  async function onAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    const names = bot.library.suggest(String(focused.value));
    await interaction.respond(names.slice(0, 25).map((name) => ({ name, value: name })));
  }

  async function onMessageCommand(interaction: MessageContextMenuCommandInteraction): Promise<void> {
    const image = interaction.targetMessage.attachments.find((attachment) => attachment.contentType?.startsWith('image/') ?? false);
    if (!image) return void interaction.reply({ content: 'That message has no image attached.', flags: MessageFlags.Ephemeral });
    if (interaction.commandName === USE_AS_STYLE) {
      rememberedStyles.set(interaction.user.id, { url: image.url, name: image.name });
      return void interaction.reply({ content: `Saved ${image.name} as your style: pick "your saved style" in ${STYLIZE_WITH} on any picture.`, flags: MessageFlags.Ephemeral });
    }
    const problem = checkCanPostFiles(interaction);
    if (problem) return void interaction.reply({ content: problem, flags: MessageFlags.Ephemeral });
    const key = randomBytes(6).toString('base64url');
    pendingPicks.set(key, { url: image.url, name: image.name, expires: now() + lifetimeMs });
    const menu = new StringSelectMenuBuilder().setCustomId(`impasto:pick:${key}`).setPlaceholder('Choose a style');
    const remembered = rememberedStyles.get(interaction.user.id);
    if (remembered) menu.addOptions({ label: `Your saved style (${remembered.name})`.slice(0, 100), value: REMEMBERED });
    for (const style of bot.library.list().slice(0, remembered ? 23 : 24)) menu.addOptions({ label: style.name, description: style.title.slice(0, 100), value: style.name });
    menu.addOptions({ label: 'Use an image from another message…', value: OTHER_MESSAGE });
    await interaction.reply({
      content: `Paint **${image.name}** in which style?`,
      components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu)],
      flags: MessageFlags.Ephemeral,
    });
  }

  async function onPick(interaction: StringSelectMenuInteraction, key: string): Promise<void> {
    const pick = pendingPicks.get(key);
    const choice = interaction.values[0] ?? '';
    if (!pick || pick.expires < now()) return void interaction.update({ content: 'This choice has expired; use Stylize with… again.', components: [] });
    if (choice === OTHER_MESSAGE) {
      return void interaction.update({
        content: `Open the menu of the message that has the style image (right-click, or long-press) → Apps → **${USE_AS_STYLE}**, then use **${STYLIZE_WITH}** on this picture again.`,
        components: [],
      });
    }
    pendingPicks.delete(key);
    await interaction.update({ content: `Painting ${pick.name}…`, components: [] });
    await interaction.followUp({ content: 'Fetching the images…' }).then(async (message) => {
      let reply: Reply;
      try {
        const content = await fetchAttachment({ url: pick.url, name: pick.name, size: 0 }, 'content image', 'content');
        const raw: Record<string, unknown> = { content };
        const remembered = rememberedStyles.get(interaction.user.id);
        if (choice === REMEMBERED && remembered) raw.style = await fetchAttachment({ ...remembered, size: 0 }, 'style image', 'style');
        else raw.style_name = choice;
        reply = await bot.execute('stylize', raw, contextFor(interaction, message.id));
      } catch (error) {
        reply = refuseOrRethrow(error);
      }
      if (reply.refusal) {
        await interaction.webhook.deleteMessage(message.id).catch(() => undefined);
        await interaction.followUp({ content: reply.text, flags: MessageFlags.Ephemeral });
      } else {
        const edit = async () => void (await interaction.webhook.editMessage(message.id, { content: reply.text, components: reply.jobId ? [cancelRow(reply.jobId)] : [] }));
        await (reply.jobId ? deliveries.whileQueued(reply.jobId, edit) : edit());
      }
    });
  }

  /** A job started from a component answers through a follow-up message, not @original. */
  function contextFor(interaction: Interaction, messageId: string): CommandContext {
    const context = contextOf(interaction);
    return { ...context, origin: { ...context.origin, reply: { ...context.origin.reply, messageId } } };
  }

  async function onButton(interaction: ButtonInteraction, action: string, jobId: string): Promise<void> {
    if (action === 'vote') {
      const reply = await bot.vote(jobId, contextOf(interaction));
      return void interaction.reply({ content: reply.text, flags: MessageFlags.Ephemeral });
    }
    if (action === 'cancel') {
      const reply = await bot.execute('cancel', { job: jobId }, contextOf(interaction));
      return void interaction.reply({ content: reply.text, flags: MessageFlags.Ephemeral });
    }
    const problem = checkCanPostFiles(interaction);
    if (problem) return void interaction.reply({ content: problem, flags: MessageFlags.Ephemeral });
    await interaction.deferReply();
    const reply = await bot.rerun(jobId, contextOf(interaction), RESULT_BUTTONS.find((button) => button.change === action)?.rerun ?? 'seed');
    await answer(interaction, reply, true);
  }

  async function handleInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand()) return onChatInput(interaction);
    if (interaction.isAutocomplete()) return onAutocomplete(interaction);
    if (interaction.isMessageContextMenuCommand()) return onMessageCommand(interaction);
    const match = 'customId' in interaction ? CUSTOM_ID.exec(interaction.customId) : null;
    if (!match) return;
    if (interaction.isStringSelectMenu() && match[1] === 'pick') return onPick(interaction, match[2]!);
    if (interaction.isButton()) return onButton(interaction, match[1]!, match[2]!);
  }

  client.on(Events.InteractionCreate, (interaction) => {
    handleInteraction(interaction).catch(async (error: unknown) => {
      logger.error({ err: error, interaction: interaction.id }, 'discord interaction failed');
      if (!interaction.isRepliable()) return;
      const content = describeDiscordError(error);
      const respond = interaction.deferred || interaction.replied ? interaction.followUp.bind(interaction) : interaction.reply.bind(interaction);
      await respond({ content, flags: MessageFlags.Ephemeral }).catch(() => undefined);
    });
  });

  // ---- job events → Discord messages ----

  function refOf(job: Job): (DiscordReplyRef & { messageId?: string }) | undefined {
    const reply = job.origin.reply as (DiscordReplyRef & { messageId?: string }) | undefined;
    return job.origin.platform === 'discord' && reply?.token ? reply : undefined;
  }

  async function send(job: Job, message: OutgoingMessage, fallBackToChannel: boolean): Promise<void> {
    const ref = refOf(job);
    if (!ref) return;
    const files = (message.files ?? []).map((file) => ({ name: file.name, data: Buffer.from(file.bytes) }));
    const body = {
      content: message.content,
      components: (message.components ?? []).map((row) => row.toJSON()),
      attachments: files.map((file, index) => ({ id: index, filename: file.name })),
    };
    if (now() - ref.createdAt < lifetimeMs - TOKEN_MARGIN_MS) {
      await client.rest.patch(Routes.webhookMessage(ref.applicationId, ref.token, ref.messageId ?? '@original'), { body, files, auth: false });
    } else if (fallBackToChannel) {
      // The interaction token has expired: a normal message that mentions the user instead.
      await client.rest.post(Routes.channelMessages(ref.channelId), {
        body: { ...body, content: `<@${ref.userId}> ${message.content}`, allowed_mentions: { users: [ref.userId] } },
        files,
      });
    }
  }

  async function render(event: JobEvent): Promise<void> {
    const { job } = event;
    switch (event.type) {
      case 'queued':
        return; // the command's own reply says so
      case 'resumed':
        return send(job, { content: `The bot restarted while your job ran; it starts again from the beginning. Position ${event.position}, done in ${formatEta(event.etaMs)}.`, components: [cancelRow(job.id)] }, false);
      case 'started':
        return send(job, { content: `Painting with ${job.styleLabel}… (job ${job.id})`, components: [cancelRow(job.id)] }, false);
      case 'progress':
        return send(
          job,
          {
            content: `Painting with ${job.styleLabel}: ${progressBar(event.progress)} · iteration ${event.progress.iteration}/${event.progress.totalIterations} · ${formatEta(event.progress.etaMs)} left`,
            files: event.preview ? [{ name: 'preview.jpg', bytes: event.preview }] : [],
            components: [cancelRow(job.id)],
          },
          false,
        );
      case 'succeeded': {
        const files = await bot.resultFiles(job);
        return send(
          job,
          {
            content: `Done in ${formatDuration(job.result!.elapsedMs)}: ${describeParameters(job)}`,
            files: [
              { name: `impasto-${job.id}.png`, bytes: files.png },
              { name: `impasto-${job.id}.gif`, bytes: files.gif },
            ],
            components: [resultRow(job.id)],
          },
          true,
        );
      }
      case 'failed':
        return send(job, { content: `Job ${job.id} failed: ${event.message}` }, true);
      case 'cancelled':
        return send(job, { content: `Job ${job.id} was cancelled${event.byModerator ? ' by a moderator' : ''}.` }, false);
    }
  }

  const deliveries = deliverJobEvents(bot, 'discord', render, {
    onError: (error, event) => logger.warn({ err: error, jobId: event.job.id, event: event.type }, `could not deliver to Discord: ${describeDiscordError(error)}`),
  });

  // An 'error' event nobody listens to is thrown, and would end the whole process (and with it the
  // other adapters). discord.js reconnects by itself after these.
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.ShardError, (error, shardId) => logger.error({ err: error, shardId }, 'discord gateway error'));

  const stopContests = renderContestsOnDiscord(client, bot, logger);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(env.DISCORD_TOKEN);
  await ready;
  logger.info({ user: client.user?.tag }, 'connected to Discord');
  return {
    client,
    async stop() {
      stopContests();
      await deliveries.stop();
      await client.destroy();
    },
  };
}

/** A finished result's buttons: the same picture with less or more of the painting, or another seed. */
function resultRow(jobId: string): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    ...RESULT_BUTTONS.map(({ change, label }) => new ButtonBuilder().setCustomId(`impasto:${change}:${jobId}`).setLabel(label).setStyle(ButtonStyle.Secondary)),
  );
}

function cancelRow(jobId: string): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId(`impasto:cancel:${jobId}`).setLabel('Cancel').setStyle(ButtonStyle.Danger));
}

/** The refusal for a user's error; anything else is not the user's to hear about, so it goes on up. */
function refuseOrRethrow(error: unknown): Reply {
  const refusal = refusalOf(error);
  if (!refusal) throw error;
  return refusal;
}

function describeDiscordError(error: unknown): string {
  if (error instanceof DiscordAPIError && error.code === 50013) return "I'm missing a permission in this channel (Discord said Missing Permissions). Ask a moderator to check my role.";
  if (error instanceof DiscordAPIError && error.code === 10062) return 'Discord forgot this interaction (it took too long); please try again.';
  return userMessageOf(error) ?? 'Something went wrong on our side; it has been logged.';
}
