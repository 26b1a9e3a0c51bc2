import { isDateText, isDurationText } from '../contests/end-time.ts';

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
 * Stylize's arguments from typed text: the first word names the style (`style_name`), or a blend
 * its words and commas go on into; the rest is `key=value` options; other words are left alone
 * ("@impasto starry-night please").
 */
export function stylizeArgsOfText(text: string): Record<string, string> {
  const { words, options } = parseCommandText(text);
  const style = styleWordsOf(words);
  // The words fill style_name unless it was given as key=value, as words do in optionsFromWords.
  return { ...(style ? { style_name: style } : {}), ...options };
}

/**
 * The first word, and the words a blend goes on into across a comma: `starry-night:0.7, the-scream:0.3`
 * is two words, and the second was dropped (the blend painted as starry-night alone).
 */
function styleWordsOf(words: readonly string[]): string | undefined {
  const [first, ...rest] = words;
  if (!first) return undefined;
  let style = first;
  for (const word of rest) {
    if (!style.endsWith(',') && !word.startsWith(',')) break;
    style += ` ${word}`;
  }
  return style;
}

/** An option that words may fill: one word, or what `take` reads; the last takes every word left. */
export interface WordSlot {
  readonly option: string;
  readonly take?: (words: readonly string[]) => [value: string | undefined, rest: readonly string[]];
}

/** `/impasto style add <name> <title…>` */
export const STYLE_ADD_WORDS: readonly WordSlot[] = [{ option: 'name' }, { option: 'title' }];
/** `/impasto styles 2`, `/impasto styles great wave`: a number is the page, other words search. */
export const STYLES_WORDS: readonly WordSlot[] = [{ option: 'page', take: (words) => (/^\d+$/.test(words[0] ?? '') ? [words[0], words.slice(1)] : [undefined, words]) }, { option: 'search' }];
/** `/impasto contest start <style> <ends> <title…>` */
export const CONTEST_START_WORDS: readonly WordSlot[] = [{ option: 'style_name' }, { option: 'ends', take: splitEnds }, { option: 'title' }];

/**
 * The options of a command typed as words and key=value together: the words fill, in order, the
 * options not given as key=value (`great-wave ends=2h Winter waves` is titled "Winter waves").
 */
export function optionsFromWords(words: readonly string[], typed: Readonly<Record<string, string>>, slots: readonly WordSlot[]): Record<string, string | undefined> {
  const open = slots.filter((slot) => typed[slot.option] === undefined);
  const options: Record<string, string | undefined> = {};
  let rest = words;
  for (const [index, slot] of open.entries()) {
    if (index === open.length - 1) [options[slot.option], rest] = [rest.join(' ') || undefined, []];
    else [options[slot.option], rest] = slot.take ? slot.take(rest) : [rest[0], rest.slice(1)];
  }
  return { ...options, ...typed };
}

/**
 * An end written as a date with a time of day ("2026-12-24 18:00", "… 18:00 UTC", "… 18:00 +01:00")
 * or as a duration in words ("2 hours", "1 day and 12 hours") is several words, which belong to the
 * end and not to the title: the most words, up to five, that read as one date or one duration.
 */
function splitEnds(words: readonly string[]): [ends: string | undefined, rest: readonly string[]] {
  for (let count = Math.min(5, words.length); count > 1; count--) {
    const ends = words.slice(0, count).join(' ');
    if (isDateText(ends) || isDurationText(ends)) return [ends, words.slice(count)];
  }
  return [words[0], words.slice(1)];
}
