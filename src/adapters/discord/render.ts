import { ActionRowBuilder, ButtonBuilder, ButtonStyle, DiscordAPIError, HTTPError, RateLimitError, RESTJSONErrorCodes, Routes } from 'discord.js';
import type { Logger } from 'pino';
import { describeFailure } from '../../bot/errors.ts';
import { pageButtonsOf } from '../../bot/commands/pages.ts';
import type { ReplyPages } from '../../bot/commands/types.ts';
import type { JobAction, JobMessage } from '../../bot/job-messages.ts';
import type { Job } from '../../bot/jobs/store.ts';
import { logListenerFailure, networkCodeOf, notAnsweringText } from '../connection-errors.ts';
import type { JobDelivery } from '../deliveries.ts';
import type { DiscordMessageReplyRef, DiscordReplyRef } from './interaction-context.ts';
import type { DiscordState } from './state.ts';

/**
 * A moment as Discord shows it to each reader: counting down (or, once past, up) and on their own
 * clock, "in 2 hours (24 December 2026 18:00)". Discord renders this markup for every reader apart.
 */
export function discordMoment(at: number): string {
  const seconds = Math.floor(at / 1000);
  return `<t:${seconds}:R> (<t:${seconds}:f>)`;
}

// Answer a little before the token's end rather than race it.
const TOKEN_MARGIN_MS = 60_000;

/** The custom id of a job action's button (read back by the buttons listener). */
export function customIdOf(action: JobAction): string {
  // Another seed is `again`: messages already posted carry that id.
  return `impasto:${action.kind !== 'rerun' ? action.kind : action.change === 'seed' ? 'again' : action.change}:${action.jobId}`;
}

/** A message's actions as one row of buttons (none when it has no actions). */
export function buttonRows(actions: readonly JobAction[]): ActionRowBuilder<ButtonBuilder>[] {
  if (actions.length === 0) return [];
  const buttons = actions.map((action) =>
    new ButtonBuilder()
      .setCustomId(customIdOf(action))
      .setLabel(action.label)
      .setStyle(action.kind === 'rerun' ? ButtonStyle.Secondary : ButtonStyle.Danger),
  );
  return [new ActionRowBuilder<ButtonBuilder>().addComponents(...buttons)];
}

/**
 * ◀ and ▶ under a page of several (the gallery), showing the page before or after in its place; none
 * at the ends. Their id carries the command and its options (`impasto:page:styles?search=wave&page=2`);
 * where those pass Discord's 100 characters (a long search in other scripts), the reply's text still
 * says how to ask for the next page.
 */
export function pageRows(pages: ReplyPages | undefined): ActionRowBuilder<ButtonBuilder>[] {
  const pageButtons = pageButtonsOf(pages).map((button) => ({ ...button, id: `impasto:page:${button.request}` }));
  // Checked before a button is made: discord.js refuses a longer id as it is set.
  if (pageButtons.length === 0 || pageButtons.some((button) => button.id.length > MAX_CUSTOM_ID)) return [];
  const buttons = pageButtons.map((button) => new ButtonBuilder().setCustomId(button.id).setLabel(button.label).setStyle(ButtonStyle.Secondary));
  return [new ActionRowBuilder<ButtonBuilder>().addComponents(...buttons)];
}

const MAX_CUSTOM_ID = 100;

/** Message parts as Discord content: a finished picture's parameters follow its status line. */
export function contentOf(message: Pick<JobMessage, 'text' | 'details'>): string {
  return message.details ? `${message.text}: ${message.details}` : message.text;
}

/** Discord's limit on an attachment's description. */
const MAX_DESCRIPTION = 1024;

/**
 * A job event → an edit of the original reply (through the interaction webhook, so it works after a
 * restart too) or, once its token has expired and the message must arrive, a channel message that
 * mentions the user. A job started by a mention edits the bot's own reply, with no expiry. The
 * command's own reply already says "Queued".
 */
export async function deliverToDiscord(state: DiscordState, { event, job, message, files }: JobDelivery): Promise<void> {
  if (event.type === 'queued') return;
  // As stored now: an earlier delivery may have found the reply deleted since this event was made.
  const ref = replyRefOf(state.bot.job(job.id) ?? job);
  if (!ref) return;
  // Discord hides an attachment whose name starts SPOILER_ until it is clicked.
  const spoiler = files.length > 0 && state.bot.settingsOf(job.requester.community).spoilerResults ? 'SPOILER_' : '';
  const described = [
    ...files.map((file) => ({ name: `${spoiler}${file.name}`, bytes: file.bytes, description: file.description })),
    ...(message.preview ? [{ name: 'preview.jpg', bytes: message.preview, description: 'The picture so far.' }] : []),
  ];
  const attachments = described.map((file) => ({ name: file.name, data: Buffer.from(file.bytes) }));
  const content = contentOf(message);
  const body = {
    content,
    components: buttonRows(message.actions).map((row) => row.toJSON()),
    // The description is the attachment's alt text, which screen readers read out.
    attachments: described.map((file, index) => ({ id: index, filename: file.name, description: file.description.slice(0, MAX_DESCRIPTION) })),
  };
  const postInChannel = () =>
    state.client.rest.post(Routes.channelMessages(ref.channelId), {
      body: { ...body, content: `<@${ref.userId}> ${content}`, allowed_mentions: { users: [ref.userId] } },
      files: attachments,
    });
  if (ref.replyGone || (!('kind' in ref) && state.now() - ref.createdAt >= state.lifetimeMs - TOKEN_MARGIN_MS)) {
    // The reply cannot be edited (deleted, or the interaction's token expired): only a message that
    // must arrive is sent, as a new one in the channel.
    if (message.mustArrive) await postInChannel();
    return;
  }
  try {
    if ('kind' in ref) await state.client.rest.patch(Routes.channelMessage(ref.channelId, ref.messageId), { body, files: attachments });
    else await state.client.rest.patch(Routes.webhookMessage(ref.applicationId, ref.token, ref.messageId ?? '@original'), { body, files: attachments, auth: false });
  } catch (error) {
    if (!(error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage)) throw error;
    // Deleted meanwhile (by the member, a moderator): its progress stops there, kept with the job
    // so that no later edit (or process) tries it again, and the picture comes as a new message.
    state.bot.addToReply(job.id, { replyGone: true });
    if (message.mustArrive) await postInChannel();
  }
}

function replyRefOf(job: Job): DiscordReplyRef | DiscordMessageReplyRef | undefined {
  if (job.origin.platform !== 'discord') return undefined;
  const reply = job.origin.reply as Partial<DiscordReplyRef> | Partial<DiscordMessageReplyRef> | undefined;
  if (reply && 'kind' in reply && reply.kind === 'message') return reply as DiscordMessageReplyRef;
  return reply && 'token' in reply && reply.token ? (reply as DiscordReplyRef) : undefined;
}

/** What to tell a user when a Discord call failed. */
export function describeDiscordError(error: unknown): string {
  if (isDiscordOutage(error)) return notAnsweringText('Discord');
  if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.MissingPermissions) return "I'm missing a permission in this channel (Discord said Missing Permissions). Ask a moderator to check my role.";
  if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownInteraction) return 'Discord forgot this interaction (it took too long); please try again.';
  return describeFailure(error);
}

/**
 * Whether a failed call to Discord may succeed later: its servers failing (5xx, after discord.js's
 * own three tries) or overloaded, a timeout, the network gone. A 4xx refusal (a missing permission,
 * a deleted channel or message) will not change.
 */
export function isTemporaryDiscordError(error: unknown): boolean {
  return isDiscordOutage(error) || networkCodeOf(error) !== undefined || (error instanceof Error && error.name === 'AbortError');
}

/**
 * Discord itself failing for the moment, as discord.js reports it after its own tries: its servers
 * (5xx) or its rate limits. Not ours to fix, so a listener that fails so logs a warning, and the
 * member is asked to try again.
 */
export function isDiscordOutage(error: unknown): boolean {
  return error instanceof HTTPError || error instanceof RateLimitError || (error instanceof DiscordAPIError && error.status === 429);
}

/** A listener's failure in the log: a warning when Discord failed for the moment (`isDiscordOutage`), else an error, ours to look into. */
export function logDiscordFailure(logger: Logger, error: unknown, fields: Record<string, string>, message: string): void {
  logListenerFailure(logger, error, { platform: 'Discord', outage: isDiscordOutage(error) }, message, fields);
}
