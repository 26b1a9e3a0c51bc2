/**
 * What went wrong, in words: an `Error`'s message, or anything else thrown as text. Libraries throw
 * strings and plain objects too, and a log or reply that printed "[object Object]" or nothing would
 * hide the one line that explains a failure.
 */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
