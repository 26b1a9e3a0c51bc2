/**
 * What went wrong, in words: an `Error`'s message, or anything else thrown as text. Libraries throw
 * strings and plain objects too, and a log or reply that printed "[object Object]" or nothing would
 * hide the one line that explains a failure.
 */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An `Error`'s first line (a native library's message goes on with its stack), or anything else thrown, as text. */
export function firstLineOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
