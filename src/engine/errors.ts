/**
 * Every failure a user can cause is an `InputError` with a stable `code` and, where it applies, the
 * option (`field`) at fault. Adapters show `message` to the user as it is: it must be specific and
 * must never contain a secret or a stack trace.
 */
export type InputErrorCode =
  | 'empty_file'
  | 'too_many_bytes'
  | 'not_an_image'
  | 'corrupt_image'
  | 'too_many_pixels'
  | 'invalid_option'
  | 'unknown_layer'
  | 'no_person'
  | 'too_large_for_gpu'
  | 'missing_file'
  /** A video or animated AVIF where ffmpeg is not installed: each caller says what to do in its own words. */
  | 'needs_ffmpeg';

export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly code: InputErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The VGG-19 weights could not be found, fetched or verified. The message says how to fix it. */
export class WeightsError extends Error {
  override readonly name = 'WeightsError';
}

/** Thrown when an AbortSignal stops a job between two iterations. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(message = 'The job was cancelled.') {
    super(message);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Why a file or folder could not be read or made, in words for its user ("there is no such file or folder"). */
export function describeFileError(error: unknown): string {
  switch ((error as { code?: string }).code) {
    case 'ENOENT':
      return 'there is no such file or folder';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOTDIR':
      return 'it is not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return (error as Error).message;
  }
}
