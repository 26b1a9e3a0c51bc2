/** Parsing what Slack users type: `/stylize starry-night size=384 iterations=100`. */
export interface ParsedText {
  /** Words that are not `key=value`, in order. */
  readonly words: string[];
  readonly options: Record<string, string>;
}

export function parseCommandText(text: string): ParsedText {
  const words: string[] = [];
  const options: Record<string, string> = {};
  for (const token of text.trim().split(/\s+/).filter(Boolean)) {
    const match = /^([a-z_]+)=(.*)$/i.exec(token);
    if (match) options[match[1]!.toLowerCase()] = match[2]!;
    else words.push(token);
  }
  return { words, options };
}

/** `<@U123> starry-night` → `starry-night`: the text of a mention without the mention. */
export function stripMentions(text: string): string {
  return text.replace(/<@[A-Z0-9]+>/g, '').trim();
}

/** A Slack message link (…/archives/C123/p1700000000123456) → channel and ts. */
export function parseMessageLink(link: string): { channel: string; ts: string } | undefined {
  const match = /\/archives\/([A-Z0-9]+)\/p(\d{10})(\d{6})/.exec(link);
  return match ? { channel: match[1]!, ts: `${match[2]}.${match[3]}` } : undefined;
}
