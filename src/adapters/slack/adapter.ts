import { App, HTTPReceiver, LogLevel, type BlockAction, type ButtonAction, type MessageShortcut, type ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Bot } from '../../bot/bot.ts';
import type { CommandContext, Reply, UploadedImage } from '../../bot/commands/types.ts';
import { checkOptions } from '../../bot/commands/validate.ts';
import type { BotEnvironment } from '../../bot/config.ts';
import { BotError, refusalOf, userMessageOf } from '../../bot/errors.ts';
import { describeParameters, formatDuration, formatEta, progressBar } from '../../bot/format.ts';
import type { Job } from '../../bot/jobs/store.ts';
import type { JobEvent } from '../../bot/jobs/queue.ts';
import { downloadImage } from '../download.ts';
import { deliverJobEvents } from '../deliveries.ts';
import { MESSAGE_LIMITS, splitText } from '../message-limits.ts';
import { RESULT_BUTTONS } from '../result-buttons.ts';
import { renderContestsOnSlack, VOTE_ACTION } from './contests.ts';
import { createReplayGuard } from './replay-guard.ts';
import { parseCommandText, parseMessageLink, stripMentions } from './text.ts';

export const STYLIZE_SHORTCUT = 'stylize_with';
const MODAL = 'impasto_stylize';
const CANCEL_ACTION = 'impasto_cancel';
const RERUN_ACTION_PREFIX = 'impasto_rerun_';
const OTHER_MESSAGE = '__other__';
const MODAL_NUMBER_FIELDS = ['strength', 'size', 'iterations', 'style_scale'] as const;

interface SlackFile {
  readonly id?: string;
  readonly name?: string;
  readonly mimetype?: string;
  readonly url_private_download?: string;
  readonly url_private?: string;
}

interface SlackMessageLike {
  readonly ts?: string;
  readonly user?: string;
  readonly thread_ts?: string;
  readonly files?: readonly SlackFile[];
}

/** Where a Slack job answers: its thread (the image's), kept with the job. */
interface SlackReplyRef {
  readonly channel: string;
  readonly threadTs: string;
  readonly userId: string;
}

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
 * image in the channel), or a mention in an image's thread. Progress is one message in that thread,
 * updated; the PNG and GIF are uploaded into the thread.
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
  const client: WebClient = app.client;
  const statusMessages = new Map<string, string>();
  const moderatorCache = new Map<string, { value: boolean; until: number }>();

  async function isModerator(userId: string): Promise<boolean> {
    if (env.SLACK_MODERATORS.includes(userId)) return true;
    const cached = moderatorCache.get(userId);
    if (cached && cached.until > Date.now()) return cached.value;
    const info = await client.users.info({ user: userId }).catch(() => undefined);
    const value = Boolean(info?.user?.is_admin || info?.user?.is_owner);
    moderatorCache.set(userId, { value, until: Date.now() + 5 * 60_000 });
    return value;
  }

  async function contextOf(userId: string, userName: string, channel: string, threadTs: string): Promise<CommandContext> {
    const reply: SlackReplyRef = { channel, threadTs, userId };
    return {
      requester: { platform: 'slack', userId, userName, isModerator: await isModerator(userId) },
      origin: { platform: 'slack', channelId: channel, threadId: threadTs, reply: { ...reply } },
    };
  }

  function imageOf(message: SlackMessageLike | undefined): SlackFile | undefined {
    return message?.files?.find((file) => file.mimetype?.startsWith('image/') && (file.url_private_download ?? file.url_private));
  }

  async function fetchFile(file: SlackFile, label: string, field: string): Promise<UploadedImage> {
    return downloadImage(file.url_private_download ?? file.url_private ?? '', file.name ?? 'image', {
      allowedHosts: env.SLACK_FILE_HOSTS,
      maxBytes: env.IMPASTO_MAX_UPLOAD_MB * 1024 * 1024,
      headers: { authorization: `Bearer ${env.SLACK_BOT_TOKEN}` },
      label,
      field,
      htmlMeans: `Slack sent a sign-in page instead of the ${label}: the app may be missing the files:read scope. Ask whoever installed it.`,
    });
  }

  async function tell(channel: string, user: string, text: string, threadTs?: string): Promise<void> {
    for (const piece of splitText(text, MESSAGE_LIMITS.slack)) await client.chat.postEphemeral({ channel, user, text: piece, ...(threadTs ? { thread_ts: threadTs } : {}) });
  }

  /** Runs stylize and says what happened: refusals privately, acceptance in the thread (via events). */
  async function stylize(context: CommandContext, raw: Record<string, unknown>, fetchImages: () => Promise<Record<string, UploadedImage>>): Promise<void> {
    const ref = context.origin.reply as unknown as SlackReplyRef;
    let reply: Reply;
    try {
      reply = await bot.execute('stylize', { ...raw, ...(await fetchImages()) }, context);
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      reply = refusal;
    }
    if (reply.refusal) await tell(ref.channel, ref.userId, reply.text, ref.threadTs);
  }

  /** The user's most recent image in the channel (slash commands cannot carry files). */
  async function latestImageOf(channel: string, user: string): Promise<SlackMessageLike | undefined> {
    const history = await client.conversations.history({ channel, limit: 50 });
    return (history.messages as SlackMessageLike[] | undefined)?.find((message) => message.user === user && imageOf(message));
  }

  /** Any failure inside a handler reaches the user who caused it, privately, and the log. */
  async function guarded(channel: string, user: string, work: () => Promise<void>, threadTs?: string): Promise<void> {
    try {
      await work();
    } catch (error) {
      logger.warn({ err: error }, 'slack request refused or failed');
      await tell(channel, user, userMessageOf(error) ?? describeSlackError(error), threadTs).catch(() => undefined);
    }
  }

  app.command('/stylize', async ({ command, ack }) => {
    await ack();
    await guarded(command.channel_id, command.user_id, () => runStylizeCommand(command));
  });

  async function runStylizeCommand(command: { text: string; user_id: string; user_name: string; channel_id: string }): Promise<void> {
    const { words, options: typed } = parseCommandText(command.text);
    if (words[0] === 'help' || (words.length === 0 && Object.keys(typed).length === 0)) {
      const help = await bot.execute('help', {}, await contextOf(command.user_id, command.user_name, command.channel_id, ''));
      return tell(command.channel_id, command.user_id, `Usage: /stylize <style> [size=… iterations=…] works on the latest image you shared here.\n${help.text}`);
    }
    const message = await latestImageOf(command.channel_id, command.user_id);
    const image = imageOf(message);
    if (!message?.ts || !image) {
      return tell(command.channel_id, command.user_id, 'I could not find an image you shared in this channel recently. Share one first (then run /stylize again), or use "Stylize with…" from any image\'s message menu.');
    }
    const threadTs = message.thread_ts ?? message.ts;
    const context = await contextOf(command.user_id, command.user_name, command.channel_id, threadTs);
    await tell(command.channel_id, command.user_id, `Using the latest image you shared here (${image.name ?? 'image'}); progress will appear in its thread.`);
    await stylize(context, { ...typed, ...(words[0] ? { style_name: words[0] } : {}) }, async () => ({ content: await fetchFile(image, 'content image', 'content') }));
  }

  app.command('/impasto', async ({ command, ack }) => {
    await ack();
    await guarded(command.channel_id, command.user_id, () => runImpastoCommand(command));
  });

  async function runImpastoCommand(command: { text: string; user_id: string; user_name: string; channel_id: string }): Promise<void> {
    const { words, options: typed } = parseCommandText(command.text);
    const [first = 'help', second] = words;
    const context = await contextOf(command.user_id, command.user_name, command.channel_id, '');
    if (first === 'styles') {
      const reply = await bot.execute('styles', {}, context);
      await client.filesUploadV2({ channel_id: command.channel_id, initial_comment: reply.text, file_uploads: (reply.files ?? []).map((file) => ({ file: Buffer.from(file.bytes), filename: file.name })) });
      return;
    }
    let reply: Reply;
    if (first === 'style' && second === 'add') {
      const image = imageOf(await latestImageOf(command.channel_id, command.user_id));
      const name = words[2];
      if (!image) reply = { text: 'Share the style image in this channel first, then run /impasto style add <name>.' };
      else reply = await bot.execute('style add', { name, title: words.slice(3).join(' ') || undefined, image: await fetchFile(image, 'style image', 'image') }, context);
    } else if (first === 'style' && second === 'remove') {
      reply = await bot.execute('style remove', { name: words[2] }, context);
    } else if (first === 'contest') {
      reply = await runContestCommand(second ?? 'status', words.slice(2), context);
      if (reply.files?.length) {
        await client.filesUploadV2({ channel_id: command.channel_id, initial_comment: reply.text, file_uploads: reply.files.map((file) => ({ file: Buffer.from(file.bytes), filename: file.name })) });
        return;
      }
    } else if (first === 'cancel') {
      reply = await bot.execute('cancel', { ...(second ? { job: second } : {}) }, context);
    } else if (first === 'queue' || first === 'help') {
      reply = await bot.execute(first, typed, context);
    } else {
      reply = { text: `I don't know "${first}". Try /impasto help.` };
    }
    await tell(command.channel_id, command.user_id, reply.text);
  }

  /** `/impasto contest start <style> <ends> <title…>`, `enter` (your latest image), `withdraw`, `status`, `end`, `cancel`, `remove <entry>`. */
  async function runContestCommand(sub: string, rest: string[], context: CommandContext): Promise<Reply> {
    const channel = context.origin.channelId;
    const user = context.requester.userId;
    switch (sub) {
      case 'start':
        return bot.execute('contest start', { style_name: rest[0], ends: rest[1], title: rest.slice(2).join(' ') || undefined }, context);
      case 'enter': {
        const message = await latestImageOf(channel, user);
        const image = imageOf(message);
        if (!message?.ts || !image) return { text: 'Share your photo in this channel first, then run /impasto contest enter.' };
        const threadTs = message.thread_ts ?? message.ts;
        const entryContext = await contextOf(user, context.requester.userName, channel, threadTs);
        return bot.execute('contest enter', { content: await fetchFile(image, 'photo', 'content') }, entryContext);
      }
      case 'withdraw':
      case 'remove':
        return bot.execute(`contest ${sub}`, rest[0] ? { entry: rest[0] } : {}, context);
      case 'status':
      case 'end':
      case 'cancel':
        return bot.execute(`contest ${sub}`, {}, context);
      default:
        return { text: `I don't know "contest ${sub}". Try start, enter, withdraw, status, end, cancel or remove.` };
    }
  }

  app.action<BlockAction<ButtonAction>>(VOTE_ACTION, async ({ ack, action, body }) => {
    await ack();
    const channel = body.channel?.id ?? '';
    const reply = await bot.vote(action.value ?? '', await contextOf(body.user.id, body.user.name ?? body.user.id, channel, ''));
    await tell(channel, body.user.id, reply.text);
  });

  app.event('member_left_channel', async ({ event }) => {
    bot.contests.markMemberLeft('slack', event.user);
  });

  app.shortcut<MessageShortcut>(STYLIZE_SHORTCUT, async ({ shortcut, ack }) => {
    await ack();
    await guarded(shortcut.channel.id, shortcut.user.id, () => openStylizeModal(shortcut));
  });

  async function openStylizeModal(shortcut: MessageShortcut): Promise<void> {
    const image = imageOf(shortcut.message as SlackMessageLike);
    if (!image) return tell(shortcut.channel.id, shortcut.user.id, 'That message has no image. Use "Stylize with…" on a message with a picture.');
    const threadTs = (shortcut.message as SlackMessageLike).thread_ts ?? shortcut.message.ts;
    await client.views.open({ trigger_id: shortcut.trigger_id, view: stylizeModal(bot, { channel: shortcut.channel.id, threadTs, file: fileRefOf(image) }) });
  }

  app.view<ViewSubmitAction>(MODAL, async ({ ack, view, body }) => {
    const values = view.state.values;
    const metadata = JSON.parse(view.private_metadata) as ModalMetadata;
    const chosen = values.style?.style_name?.selected_option?.value;
    const link = values.style_link?.link?.value?.trim();
    const numbers: Record<string, string> = {};
    for (const field of MODAL_NUMBER_FIELDS) {
      const value = values[field]?.[field]?.value?.trim();
      if (value) numbers[field] = value;
    }
    if (values.preserve_colors?.preserve_colors?.selected_options?.length) numbers.preserve_colors = 'true';
    // Cheap checks answer inside Slack's 3-second window, beside the field.
    const errors: Record<string, string> = {};
    if (chosen === OTHER_MESSAGE && !link) errors.style_link = 'Paste the link of the message that has the style image (its menu → Copy link).';
    if (link && !parseMessageLink(link)) errors.style_link = 'That is not a Slack message link (…/archives/C…/p…).';
    try {
      checkOptions(bot.definition('stylize')!, numbers);
    } catch (error) {
      if (error instanceof BotError && error.field) errors[error.field] = error.message;
      else throw error;
    }
    if (Object.keys(errors).length > 0) return void (await ack({ response_action: 'errors', errors }));
    await ack();
    await guarded(metadata.channel, body.user.id, async () => {
    const context = await contextOf(body.user.id, body.user.name, metadata.channel, metadata.threadTs);
    const raw: Record<string, unknown> = { ...numbers, ...(chosen && chosen !== OTHER_MESSAGE && !link ? { style_name: chosen } : {}) };
    await stylize(context, raw, async () => {
      const images: Record<string, UploadedImage> = { content: await fetchFile({ id: metadata.file.id, name: metadata.file.name, url_private_download: metadata.file.url }, 'content image', 'content') };
      const target = link ? parseMessageLink(link) : undefined;
      if (target) {
        const replies = await client.conversations.replies({ channel: target.channel, ts: target.ts, limit: 1 });
        const styleImage = imageOf((replies.messages as SlackMessageLike[] | undefined)?.[0]);
        if (!styleImage) throw new BotError('missing_image', 'The message you linked has no image.', 'style');
        images.style = await fetchFile(styleImage, 'style image', 'style');
      }
      return images;
    });
    }, metadata.threadTs);
  });

  app.action<BlockAction<ButtonAction>>(new RegExp(`^${RERUN_ACTION_PREFIX}`), async ({ ack, action, body }) => {
    await ack();
    const channel = body.channel?.id ?? '';
    await guarded(channel, body.user.id, async () => {
      const original = bot.job(action.value ?? '');
      const change = RESULT_BUTTONS.find((button) => `${RERUN_ACTION_PREFIX}${button.change}` === action.action_id)?.rerun ?? 'seed';
      // The new job answers in the same thread as the one it repaints.
      const context = await contextOf(body.user.id, body.user.name ?? body.user.id, channel, original?.origin.threadId ?? '');
      const reply = await bot.rerun(action.value ?? '', context, change);
      if (reply.refusal) await tell(channel, body.user.id, reply.text, original?.origin.threadId);
    });
  });

  app.action<BlockAction<ButtonAction>>(CANCEL_ACTION, async ({ ack, action, body }) => {
    await ack();
    const channel = body.channel?.id ?? '';
    const reply = await bot.execute('cancel', { job: action.value }, await contextOf(body.user.id, body.user.name ?? body.user.id, channel, ''));
    await tell(channel, body.user.id, reply.text);
  });

  app.event('app_mention', async ({ event }) => {
    await guarded(event.channel, event.user ?? '', () => runMention(event), event.thread_ts);
  });

  async function runMention(event: { user?: string | undefined; thread_ts?: string | undefined; text: string; channel: string }): Promise<void> {
    const user = event.user ?? '';
    const threadTs = event.thread_ts;
    const style = stripMentions(event.text).split(/\s+/)[0];
    if (!threadTs) return tell(event.channel, user, 'Mention me in the thread under an image, with a style name: @impasto starry-night.');
    const replies = await client.conversations.replies({ channel: event.channel, ts: threadTs, limit: 1 });
    const image = imageOf((replies.messages as SlackMessageLike[] | undefined)?.[0]);
    if (!image) return tell(event.channel, user, 'The message this thread is under has no image.', threadTs);
    if (!style) return tell(event.channel, user, 'Which style? Mention me with a style name, e.g. @impasto starry-night (see /impasto styles).', threadTs);
    const context = await contextOf(user, user, event.channel, threadTs);
    await stylize(context, { style_name: style }, async () => ({ content: await fetchFile(image, 'content image', 'content') }));
  }

  app.error(async (error) => {
    logger.error({ err: error }, 'slack handler failed');
  });

  // ---- job events → Slack messages ----

  function refOf(job: Job): SlackReplyRef | undefined {
    return job.origin.platform === 'slack' ? (job.origin.reply as unknown as SlackReplyRef) : undefined;
  }

  async function status(job: Job, text: string, withCancel: boolean): Promise<void> {
    const ref = refOf(job);
    if (!ref) return;
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text } },
      ...(withCancel ? [{ type: 'actions', elements: [{ type: 'button', action_id: CANCEL_ACTION, text: { type: 'plain_text', text: 'Cancel' }, value: job.id, style: 'danger' }] }] : []),
    ];
    const ts = statusMessages.get(job.id);
    if (ts) {
      await client.chat.update({ channel: ref.channel, ts, text, blocks });
    } else {
      const posted = await client.chat.postMessage({ channel: ref.channel, thread_ts: ref.threadTs, text, blocks });
      if (posted.ts) statusMessages.set(job.id, posted.ts);
    }
  }

  async function render(event: JobEvent): Promise<void> {
    const { job } = event;
    const who = `<@${refOf(job)?.userId ?? ''}>`;
    switch (event.type) {
      case 'queued':
        return status(job, `${who} queued job ${job.id} (${job.styleLabel}): position ${event.position}, done in ${formatEta(event.etaMs)}.`, true);
      case 'resumed':
        return status(job, `${who} the bot restarted while job ${job.id} ran; it starts again from the beginning (position ${event.position}, done in ${formatEta(event.etaMs)}).`, true);
      case 'started':
        return status(job, `${who} painting with ${job.styleLabel}… (job ${job.id})`, true);
      case 'progress':
        return status(job, `${who} painting with ${job.styleLabel}: ${progressBar(event.progress)} · iteration ${event.progress.iteration}/${event.progress.totalIterations} · ${formatEta(event.progress.etaMs)} left`, true);
      case 'succeeded': {
        const ref = refOf(job)!;
        const files = await bot.resultFiles(job);
        await status(job, `${who} done in ${formatDuration(job.result!.elapsedMs)}.`, false);
        await client.filesUploadV2({
          channel_id: ref.channel,
          thread_ts: ref.threadTs,
          initial_comment: `${who} ${describeParameters(job)}`,
          file_uploads: [
            { file: files.png, filename: `impasto-${job.id}.png` },
            { file: files.gif, filename: `impasto-${job.id}.gif` },
          ],
        });
        // Uploaded files carry no buttons: the result's buttons follow as a message of their own.
        await client.chat.postMessage({
          channel: ref.channel,
          thread_ts: ref.threadTs,
          text: 'Try it again: less style, more style, or another seed.',
          blocks: [
            {
              type: 'actions',
              elements: RESULT_BUTTONS.map(({ change, label }) => ({ type: 'button', action_id: `${RERUN_ACTION_PREFIX}${change}`, text: { type: 'plain_text', text: label }, value: job.id })),
            },
          ],
        });
        return;
      }
      case 'failed':
        return status(job, `${who} job ${job.id} failed: ${event.message}`, false);
      case 'cancelled':
        return status(job, `${who} job ${job.id} was cancelled${event.byModerator ? ' by a moderator' : ''}.`, false);
    }
  }

  const deliveries = deliverJobEvents(bot, 'slack', render, {
    onError: (error, event) => logger.warn({ err: error, jobId: event.job.id, event: event.type }, 'could not deliver to Slack'),
    onFinished: (jobId) => statusMessages.delete(jobId),
  });

  const stopContests = renderContestsOnSlack(client, bot, logger);
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

/**
 * What the modal carries to its submission, in Slack's 3000-character `private_metadata`: only what
 * fetching the photo needs (a phone's file object with all its thumbnails nearly fills it).
 */
interface ModalMetadata {
  readonly channel: string;
  readonly threadTs: string;
  readonly file: { readonly id: string; readonly name: string; readonly url: string };
}

function fileRefOf(file: SlackFile): ModalMetadata['file'] {
  return { id: file.id ?? '', name: (file.name ?? 'image').slice(0, 200), url: file.url_private_download ?? file.url_private ?? '' };
}

function stylizeModal(bot: Bot, metadata: ModalMetadata) {
  const definition = bot.definition('stylize')!;
  const styles = bot.library.list().slice(0, 99);
  const numberInput = (name: (typeof MODAL_NUMBER_FIELDS)[number]) => {
    const option = definition.options[name]!;
    const hint = option.type === 'integer' || option.type === 'number' ? `${option.min}–${option.max}${option.default !== undefined ? `, default ${option.default}` : option.unset ? `, empty: ${option.unset}` : ''}` : '';
    return {
      type: 'input',
      block_id: name,
      optional: true,
      label: { type: 'plain_text', text: name.replace('_', ' ') },
      hint: { type: 'plain_text', text: `${option.description} (${hint})` },
      element: { type: 'plain_text_input', action_id: name, placeholder: { type: 'plain_text', text: hint } },
    };
  };
  return {
    type: 'modal' as const,
    callback_id: MODAL,
    private_metadata: JSON.stringify({ channel: metadata.channel, threadTs: metadata.threadTs, file: metadata.file }),
    title: { type: 'plain_text' as const, text: 'Stylize with…' },
    submit: { type: 'plain_text' as const, text: 'Stylize' },
    blocks: [
      {
        type: 'input',
        block_id: 'style',
        optional: true,
        label: { type: 'plain_text', text: 'Style' },
        element: {
          type: 'static_select',
          action_id: 'style_name',
          placeholder: { type: 'plain_text', text: 'A style from the library' },
          options: [
            ...styles.map((style) => ({ text: { type: 'plain_text', text: style.name }, value: style.name })),
            { text: { type: 'plain_text', text: 'The image in another message…' }, value: OTHER_MESSAGE },
          ],
        },
      },
      {
        type: 'input',
        block_id: 'style_link',
        optional: true,
        label: { type: 'plain_text', text: 'Or: link to a message with the style image' },
        element: { type: 'plain_text_input', action_id: 'link', placeholder: { type: 'plain_text', text: 'https://…slack.com/archives/C…/p…' } },
      },
      {
        type: 'input',
        block_id: 'preserve_colors',
        optional: true,
        label: { type: 'plain_text', text: 'Colours' },
        element: {
          type: 'checkboxes',
          action_id: 'preserve_colors',
          options: [{ text: { type: 'plain_text', text: "Keep the photo's colours" }, value: 'true' }],
        },
      },
      ...MODAL_NUMBER_FIELDS.map(numberInput),
    ],
  };
}

/** Bolt's HTTP receiver behind the replay guard: a replayed or future-dated request gets 401. */
function guardedReceiver(signingSecret: string, logger: Logger): HTTPReceiver {
  const receiver = new HTTPReceiver({ signingSecret, logLevel: LogLevel.ERROR, logger: boltLogger(logger) });
  const admit = createReplayGuard();
  const handle = receiver.requestListener;
  receiver.requestListener = (request, response) => {
    if (admit(request.headers)) return handle(request, response);
    logger.warn({ url: request.url }, 'refused a replayed or future-dated Slack request');
    response.writeHead(401).end();
  };
  return receiver;
}

/** Bolt's logger interface, writing into pino. */
function boltLogger(logger: Logger) {
  let level = LogLevel.ERROR;
  return {
    debug: (...message: unknown[]) => logger.debug({ slack: message.map(String).join(' ') }),
    info: (...message: unknown[]) => logger.info({ slack: message.map(String).join(' ') }),
    warn: (...message: unknown[]) => logger.warn({ slack: message.map(String).join(' ') }),
    error: (...message: unknown[]) => logger.error({ slack: message.map(String).join(' ') }),
    setLevel: (next: LogLevel) => (level = next),
    getLevel: () => level,
    setName: () => undefined,
  };
}

function describeSlackError(error: unknown): string {
  const code = (error as { data?: { error?: string } } | null)?.data?.error;
  if (code === 'not_in_channel' || code === 'channel_not_found') return 'I am not in this channel: invite me with /invite @impasto, then try again.';
  if (code === 'missing_scope') return 'The app is missing a permission (scope) for this; ask whoever installed it to reinstall it from the manifest.';
  return 'Something went wrong on our side; it has been logged.';
}
