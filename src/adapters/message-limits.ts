/**
 * The platforms' documented limits on one message's text. Discord: `content` up to 2000 characters
 * (https://discord.com/developers/docs/resources/message#create-message). Slack: a section block's
 * text up to 3000 characters (https://api.slack.com/reference/block-kit/blocks#section), and a
 * message's `text` is truncated past 40,000; we keep every Slack text within 3000 too.
 */
export const MESSAGE_LIMITS = { discord: 2000, slack: 3000 } as const;

/** A list in groups of at most `size`, in order: a platform's menus hold only so many choices each. */
export function inGroupsOf<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));
}

/**
 * Splits a text into pieces of at most `limit` characters, at line breaks where it can (a long
 * help text becomes several messages rather than an error from the platform).
 */
export function splitText(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    for (const part of chunk(line, limit)) {
      const joined = current === '' ? part : `${current}\n${part}`;
      if (joined.length <= limit) {
        current = joined;
      } else {
        pieces.push(current);
        current = part;
      }
    }
  }
  pieces.push(current);
  return pieces;
}

/** A single line longer than the limit is cut at the limit (there is no better place). */
function chunk(line: string, limit: number): string[] {
  if (line.length <= limit) return [line];
  const parts: string[] = [];
  for (let start = 0; start < line.length; start += limit) parts.push(line.slice(start, start + limit));
  return parts;
}
