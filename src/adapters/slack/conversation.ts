import type { RespondArguments, RespondFn } from '@slack/bolt';
import type { CommandContext, UploadedImage } from '../../bot/commands/types.ts';
import { BotError } from '../../bot/errors.ts';
import { hostOfLink } from '../../bot/format.ts';
import { maxUploadBytes } from '../../bot/limits.ts';
import { downloadImage, isPictureOrClipType } from '../download.ts';
import { MESSAGE_LIMITS, splitText } from '../message-limits.ts';
import type { SlackState } from './state.ts';
import { escapeForSlack, withSlackCommands } from './text.ts';

/** The most pictures of one message the bot takes (Slack's apps attach at most ten files to a message). */
export const MOST_PICTURES = 10;

export interface SlackFile {
  readonly id?: string;
  readonly name?: string | null;
  readonly mimetype?: string;
  readonly url_private_download?: string;
  readonly url_private?: string;
  /** 'check_file_info': a file shared from another organisation (Slack Connect), sent as its ID alone. */
  readonly file_access?: string;
}

export interface SlackMessageLike {
  readonly ts?: string;
  readonly user?: string;
  readonly thread_ts?: string;
  readonly files?: readonly SlackFile[];
  /** A link's preview (an unfurl): what a pasted image address or a GIF link shows. */
  readonly attachments?: readonly SlackUnfurl[];
}

export interface SlackUnfurl {
  readonly image_url?: string;
  readonly thumb_url?: string;
  readonly video_url?: string;
  readonly from_url?: string;
  readonly original_url?: string;
  /** A forwarded (shared) message comes as an attachment so flagged, with the original's files. */
  readonly is_share?: boolean;
  readonly is_msg_unfurl?: boolean;
  readonly files?: readonly SlackFile[];
}

/** What a listener needs of a slash command's payload. */
export interface SlashCommand {
  readonly text: string;
  readonly user_id: string;
  readonly user_name: string;
  readonly channel_id: string;
}

/** Where a Slack job answers: its thread (the image's), kept with the job. */
export interface SlackReplyRef {
  readonly channel: string;
  readonly threadTs: string;
  readonly userId: string;
  /** The job's status message in the thread, once posted (kept so that a restarted bot updates it too). */
  readonly statusTs?: string;
  /** A finished job's uploaded files, space-separated, once uploaded (kept so that a restarted bot does not upload them again). */
  readonly uploadedFileIds?: string;
}

/** Workspace admins and owners, and the users named in SLACK_MODERATORS. */
async function isModerator(state: SlackState, userId: string): Promise<boolean> {
  if (state.env.SLACK_MODERATORS.includes(userId)) return true;
  const cached = state.moderatorCache.get(userId);
  if (cached && cached.until > Date.now()) return cached.value;
  const info = await state.client.users.info({ user: userId }).catch(() => undefined);
  const value = Boolean(info?.user?.is_admin || info?.user?.is_owner);
  state.moderatorCache.set(userId, { value, until: Date.now() + 5 * 60_000 });
  return value;
}

/** Who asked, and the thread a job of theirs answers in. */
export async function contextOf(state: SlackState, userId: string, userName: string, channel: string, threadTs: string): Promise<CommandContext> {
  const reply: SlackReplyRef = { channel, threadTs, userId };
  return {
    requester: { platform: 'slack', community: state.community, userId, userName, isModerator: await isModerator(state, userId) },
    origin: { platform: 'slack', channelId: channel, threadId: threadTs, reply: { ...reply } },
    // A direct message's conversation id begins with D; it is still the workspace's (its library, its settings).
    ...(channel.startsWith('D') ? { direct: { ofCommunity: true } } : {}),
  };
}

/**
 * Tells the member privately, at the request's response URL (which Slack shows where the bot is not
 * a member too), why the bot could not post a picture in `channel` (`whyCannotPostIn`); whether it
 * had to. Every request that paints in a channel asks it first.
 */
export async function saidCannotPostIn(state: SlackState, channel: string, respond: RespondFn, reply: Pick<RespondArguments, 'replace_original'> = {}): Promise<boolean> {
  const problem = await whyCannotPostIn(state, channel);
  if (problem) await respond({ response_type: 'ephemeral', ...reply, text: slackTextOf(state, problem) });
  return problem !== undefined;
}

/** What posting a picture in a channel needs from the install. */
const POSTING_SCOPES = ['chat:write', 'files:write'] as const;

/**
 * Why the bot could not post a picture in this channel, if it could not: Slack lets anyone use a
 * slash command or a message shortcut where the bot is not a member, and an install may lack a scope.
 * Checked before any work starts; when Slack cannot tell (no channels:read), the job goes ahead.
 */
async function whyCannotPostIn(state: SlackState, channel: string): Promise<string | undefined> {
  const missing = POSTING_SCOPES.filter((scope) => state.scopes && !state.scopes.includes(scope));
  if (missing.length > 0) return `I can't post pictures in Slack: the app is missing the ${missing.join(' and ')} permission. Ask whoever installed it to reinstall it from the manifest.`;
  const info = await state.client.conversations.info({ channel }).catch(() => undefined);
  const conversation = info?.channel;
  if (conversation && !conversation.is_im && !conversation.is_mpim && conversation.is_member === false) {
    return `I'm not a member of ${conversation.name ? `#${conversation.name}` : 'this channel'}, so I can't post the picture there: invite me with /invite @impasto, then try again.`;
  }
  return undefined;
}

/**
 * The message's first picture or video, or that of the message it forwards (a video counts: as the
 * photo it is painted frame by frame; as a style it is refused with a clear message). A file shared
 * from another organisation through Slack Connect comes in the event as its ID alone, and files.info
 * tells the rest; when Slack won't tell, the member learns why instead of hearing that the message
 * has no image.
 */
export async function imageOf(state: SlackState, message: SlackMessageLike | undefined): Promise<SlackFile | undefined> {
  return (await imagesOf(state, message, 1))[0];
}

/**
 * A message's first `most` pictures, in its order (see `imageOf`). The files Slack names by ID alone
 * are asked of files.info all at once: a form must open within Slack's 3 seconds.
 */
export async function imagesOf(state: SlackState, message: SlackMessageLike | undefined, most: number): Promise<SlackFile[]> {
  const files = await Promise.all(filesOf(message).map((file) => (file.file_access === 'check_file_info' ? fileInfoOf(state, file.id ?? '') : { file, error: '' })));
  const pictures = files.flatMap(({ file }) => (file && isPictureFile(file) ? [file] : [])).slice(0, most);
  const unreadable = files.find(({ file }) => !file)?.error;
  if (pictures.length === 0 && unreadable) throw new BotError('missing_image', `That message's file was shared from another organisation (Slack Connect), and Slack won't let me read it (${unreadable}). Save it and share it here yourself.`);
  return pictures;
}

/**
 * The file a member chose by its ID in one of the bot's menus, as files.info tells it; refused, saying
 * `chooseAgain`, when Slack won't (deleted since, or out of the bot's reach).
 */
export async function chosenFileOf(state: SlackState, id: string, chooseAgain: string, field?: string): Promise<SlackFile> {
  const info = await fileInfoOf(state, id);
  if (!info.file) throw new BotError('missing_image', `Slack won't give me the picture you chose (${info.error}): it may have been deleted since. ${chooseAgain}`, field);
  return info.file;
}

/** A file as files.info tells it (a Slack Connect file's type and address; a file chosen by its ID), or why not. */
export async function fileInfoOf(state: SlackState, id: string): Promise<{ readonly file?: SlackFile; readonly error: string }> {
  const info = await state.client.files.info({ file: id }).catch((error: unknown) => ({ ok: false, error: slackErrorOf(error), file: undefined }));
  return { file: info.file as SlackFile | undefined, error: info.error ?? 'no answer' };
}

/**
 * A message's files: its own, then those of a message it forwards (Slack puts a forward's in the
 * share's attachment, not in `files`).
 */
function filesOf(message: SlackMessageLike | undefined): SlackFile[] {
  const forwarded = (message?.attachments ?? []).filter((attachment) => attachment.is_share || attachment.is_msg_unfurl).flatMap((share) => share.files ?? []);
  return [...(message?.files ?? []), ...forwarded];
}

function isPictureFile(file: SlackFile): boolean {
  return isPictureOrClipType(file.mimetype) && Boolean(file.url_private_download ?? file.url_private);
}

/** Slack's own error code in a failed call (`not_in_channel`), when Slack answered with one. */
export function slackErrorOf(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } } | null)?.data?.error;
  return typeof code === 'string' ? code : undefined;
}

/** Where a message's link preview with a picture points, when it shows one (for `noPictureText`). */
export function linkedPictureHostOf(message: SlackMessageLike | undefined): string | undefined {
  const unfurl = message?.attachments?.find((preview) => preview.image_url ?? preview.thumb_url ?? preview.video_url);
  return unfurl ? hostOfLink(unfurl.from_url ?? unfurl.original_url ?? unfurl.image_url ?? unfurl.thumb_url) : undefined;
}

/** Fetches a file from Slack's file hosts only, with the bot's token, within the upload limit. */
export async function fetchFile(state: SlackState, file: SlackFile, label: string, field: string): Promise<UploadedImage> {
  return downloadImage(file.url_private_download ?? file.url_private ?? '', file.name ?? 'image', {
    allowedHosts: state.env.SLACK_FILE_HOSTS,
    maxBytes: maxUploadBytes(state.env),
    headers: { authorization: `Bearer ${state.env.SLACK_BOT_TOKEN}` },
    label,
    field,
    htmlMeans: whyNoFile(state.scopes, label),
  });
}

/**
 * What a sign-in page in place of a file means. Slack sends one when the token may not read files
 * at all (no files:read), and also for a file out of the bot's reach: deleted, or shared in a
 * conversation the bot is not in (a message shortcut works in any channel). The scopes, read at
 * start, tell the two apart when they are known.
 */
export function whyNoFile(scopes: readonly string[] | undefined, label: string): string {
  const canRead = scopes?.includes('files:read');
  if (canRead === false) return `Slack sent a sign-in page instead of the ${label}: the app is missing the files:read scope. Ask whoever installed it to reinstall it from the manifest.`;
  const outOfReach = `Slack would not give me the ${label}: it may have been deleted, or shared in a conversation I am not in (invite me there with /invite @impasto)`;
  return canRead ? `${outOfReach}.` : `${outOfReach}, or the app may be missing the files:read scope.`;
}

/** The user's most recent image in the channel, and its message (slash commands cannot carry files). */
export async function latestImageOf(state: SlackState, channel: string, user: string): Promise<{ readonly message: SlackMessageLike; readonly image: SlackFile } | undefined> {
  const history = await state.client.conversations.history({ channel, limit: 50 });
  for (const message of (history.messages as SlackMessageLike[] | undefined) ?? []) {
    if (message.user !== user || filesOf(message).length === 0) continue;
    const image = await imageOf(state, message);
    if (image) return { message, image };
  }
  return undefined;
}

/** The first message of a thread (the one it is under). */
export async function threadStarterOf(state: SlackState, channel: string, ts: string): Promise<SlackMessageLike | undefined> {
  const replies = await state.client.conversations.replies({ channel, ts, limit: 1 });
  return (replies.messages as SlackMessageLike[] | undefined)?.[0];
}

/** A private message to one user, split to Slack's limit. */
export async function tell(state: SlackState, channel: string, user: string, text: string, threadTs?: string): Promise<void> {
  for (const piece of splitText(slackTextOf(state, text), MESSAGE_LIMITS.slack)) await state.client.chat.postEphemeral({ channel, user, text: piece, ...(threadTs ? { thread_ts: threadTs } : {}) });
}

/** A bot's reply as Slack shows it: its commands as typed there, and no character read as Slack's markup. */
export function slackTextOf(state: SlackState, text: string): string {
  return escapeForSlack(withSlackCommands(text, state.bot.commands.map((command) => command.definition.name)));
}
