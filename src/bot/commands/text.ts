/**
 * A command as it is typed in a message rather than a form: Slack's `/stylize starry-night size=384`,
 * or a mention, `@impasto starry-night strength=8`, on either platform. The values stay text: the
 * command's definition checks them (`parseArgs`) and says which one is wrong, as it does for a form.
 */
export interface ParsedText {
  /** Words that are not `key=value`, in order. */
  readonly words: string[];
  readonly options: Record<string, string>;
}

export function parseCommandText(text: string): ParsedText {
  const words: string[] = [];
  const options: Record<string, string> = {};
  for (const match of text.matchAll(TOKEN)) {
    const [, key, straight, curly, plain, word] = match;
    if (key) options[key.toLowerCase()] = straight ?? curly ?? plain ?? '';
    else words.push(word!);
  }
  return { words, options };
}

/**
 * `key=value`, where a value with spaces is quoted (`title="Winter waves"`, or in the curly quotes a
 * phone or a Mac types for straight ones); or a word.
 */
const TOKEN = /(?<=^|\s)(?:([a-z_]+)=(?:"([^"]*)"|“([^”]*)”|(\S*))(?=\s|$)|(\S+))/gi;

/**
 * Stylize's arguments from typed text: the first word names the style (`style_name`), the rest is
 * `key=value` options; other words are left alone ("@impasto starry-night please").
 */
export function stylizeArgsOfText(text: string): Record<string, string> {
  const { words, options } = parseCommandText(text);
  return { ...options, ...(words[0] ? { style_name: words[0] } : {}) };
}
