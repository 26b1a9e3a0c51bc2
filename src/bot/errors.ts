import { CancelledError, InputError, WeightsError } from '../engine/errors.ts';
import type { Reply } from './commands/types.ts';

export type BotErrorCode =
  | 'unknown_style'
  | 'style_exists'
  | 'missing_image'
  | 'limit_reached'
  | 'not_allowed'
  | 'unknown_job'
  | 'unknown_command'
  | 'invalid_option'
  | 'missing_option';

/** A request the bot refuses, with a message for the user who made it. */
export class BotError extends Error {
  override readonly name = 'BotError';
  constructor(
    readonly code: BotErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Whether the error came from what a person sent or asked (their image, an option, a photo removed
 * before it was painted), not from the bot: such failures are logged as information, the rest as errors.
 */
export function isInputFault(error: unknown): boolean {
  return error instanceof BotError || error instanceof InputError;
}

/**
 * The message to show a user for an error, or undefined when it is not theirs to fix (a bug or an
 * outage: the adapter then says something went wrong and logs the details).
 */
export function userMessageOf(error: unknown): string | undefined {
  if (error instanceof InputError && error.code === 'needs_ffmpeg') return 'Videos and animated AVIFs need ffmpeg, which is not installed where this bot runs: send the clip as an animated GIF instead.';
  if (error instanceof BotError || error instanceof InputError || error instanceof CancelledError) return error.message;
  if (error instanceof WeightsError) return 'The style engine is not set up yet (its VGG-19 weights are missing). An operator has been told.';
  return undefined;
}

/**
 * Whether a write failed because the disk (or the user's quota) is full: a file (ENOSPC, EDQUOT) or
 * the SQLite store (SQLITE_FULL). Not the user's fault, but theirs to hear in words, not as "something
 * went wrong"; the operator's to fix (the log says so).
 */
export function isOutOfSpace(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || (error instanceof Error && /\bENOSPC\b|no space left on device/i.test(error.message));
}

/** A failure on the bot's side, by kind: its disk full, or anything else (`Reply.failure`). */
export type FailureKind = 'out_of_space' | 'internal';

export function failureKindOf(error: unknown): FailureKind {
  return isOutOfSpace(error) ? 'out_of_space' : 'internal';
}

export const OUT_OF_SPACE_TEXT = "The bot's machine is out of disk space, so nothing new can be saved there; its operator has been told. Please try again later.";

/** What to tell a user of a failure in words of its own: their mistake, or the disk being full; undefined for anything else. */
export function failureMessageOf(error: unknown): string | undefined {
  return userMessageOf(error) ?? (isOutOfSpace(error) ? OUT_OF_SPACE_TEXT : undefined);
}

/** What to tell a user when their request failed: `failureMessageOf`, else `fallback` (the details are in the log). */
export function describeFailure(error: unknown, fallback = 'Something went wrong on our side; it has been logged.'): string {
  return failureMessageOf(error) ?? fallback;
}

/** A user's error as the private reply that refuses their request (naming the option at fault), or undefined for anything else. */
export function refusalOf(error: unknown): Reply | undefined {
  const message = userMessageOf(error);
  if (message === undefined) return undefined;
  const { field, code } = error as Partial<Pick<BotError | InputError, 'field' | 'code'>>;
  return { text: message, ephemeral: true, refusal: { field, code } };
}

/** Runs `work`; a user's error becomes the reply that refuses it, anything else goes on up (to be logged). */
export async function replyOrRefusal(work: () => Promise<Reply>): Promise<Reply> {
  try {
    return await work();
  } catch (error) {
    const refusal = refusalOf(error);
    if (!refusal) throw error;
    return refusal;
  }
}
