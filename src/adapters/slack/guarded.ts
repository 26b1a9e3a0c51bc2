import { pictureToFetch } from '../../bot/commands/images.ts';
import type { CommandContext, Reply, UploadedImage } from '../../bot/commands/types.ts';
import { replyOrRefusal, userMessageOf } from '../../bot/errors.ts';
import { WeightsError } from '../../engine/errors.ts';
import { tell, type SlackReplyRef } from './conversation.ts';
import { describeSlackFailure, logSlackFailure } from './render.ts';
import type { SlackState } from './state.ts';

/**
 * Any failure inside a listener reaches the user who caused it, privately, and the log: a member's
 * refusal as information, a workspace's setup (the bot not invited, a scope missing) and Slack
 * failing for the moment as warnings, and anything else as an error, as the other adapters log
 * their failures (missing weights too: the member is told an operator has been).
 */
export async function guarded(state: SlackState, channel: string, user: string, work: () => Promise<void>, threadTs?: string): Promise<void> {
  try {
    await work();
  } catch (error) {
    const refusal = userMessageOf(error);
    const setup = setupProblemOf(error);
    if (refusal !== undefined && !(error instanceof WeightsError)) state.logger.info({ err: error }, 'slack request refused');
    else if (setup !== undefined) state.logger.warn({ err: error }, 'slack request failed: the workspace\'s setup');
    else logSlackFailure(state.logger, error, 'slack request failed');
    await tell(state, channel, user, refusal ?? setup ?? describeSlackFailure(error), threadTs).catch(() => undefined);
  }
}

/** Runs stylize and says what happened: a refusal privately, acceptance in the thread (through the job's events). */
export async function stylize(state: SlackState, context: CommandContext, raw: Record<string, unknown>, pictures: PicturesToFetch): Promise<void> {
  const ref = context.origin.reply as unknown as SlackReplyRef;
  const reply = await replyOrRefusal(() => executeFetching(state, 'stylize', raw, context, pictures));
  if (reply.refusal) await tell(state, ref.channel, ref.userId, reply.text, ref.threadTs);
}

/** The image options a request brings from Slack's files, and how to fetch them. */
export interface PicturesToFetch {
  readonly options: readonly string[];
  readonly fetch: () => Promise<Record<string, UploadedImage>>;
}

/**
 * Runs a command whose pictures are still on Slack. What the request alone shows to be refused (an
 * option, a style name, a limit reached) is refused before any picture is downloaded.
 */
export async function executeFetching(state: SlackState, name: string, raw: Record<string, unknown>, context: CommandContext, pictures: PicturesToFetch): Promise<Reply> {
  const refusal = refusalBeforeFetching(state, name, raw, context, pictures.options);
  if (refusal) return refusal;
  return state.bot.execute(name, { ...raw, ...(await pictures.fetch()) }, context);
}

/**
 * What the bot refuses of a request from its options alone, its pictures (`imageOptions`) stood in
 * for: asked before looking for the picture too, so that a member who may not add styles, or is in a
 * direct message, hears that rather than "share the picture first".
 */
export function refusalBeforeFetching(state: SlackState, name: string, raw: Record<string, unknown>, context: CommandContext, imageOptions: readonly string[]): Reply | undefined {
  const standIns = Object.fromEntries(imageOptions.map((option) => [option, pictureToFetch(option)]));
  return state.bot.precheck(name, { ...raw, ...standIns }, context);
}

/** What the workspace must change, for Slack's answers that mean the app is not set up for this. */
function setupProblemOf(error: unknown): string | undefined {
  const code = (error as { data?: { error?: string } } | null)?.data?.error;
  if (code === 'not_in_channel' || code === 'channel_not_found') return 'I am not in this channel: invite me with /invite @impasto, then try again.';
  if (code === 'missing_scope') return 'The app is missing a permission (scope) for this; ask whoever installed it to reinstall it from the manifest.';
  return undefined;
}
