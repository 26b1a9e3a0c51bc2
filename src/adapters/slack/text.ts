/** Slack's forms of text: mentions, message links and dates (typed commands: `bot/commands/text.ts`). */
import { formatUtcClock, formatWhen } from '../../bot/format.ts';

/** `<@U123> starry-night` → `starry-night`: the text of a mention without the mention. */
export function stripMentions(text: string): string {
  return text.replace(/<@[A-Z0-9]+>/g, '').trim();
}

/** A Slack message link (…/archives/C123/p1700000000123456) → channel and ts. */
export function parseMessageLink(link: string): { channel: string; ts: string } | undefined {
  const match = /\/archives\/([A-Z0-9]+)\/p(\d{10})(\d{6})/.exec(link);
  return match ? { channel: match[1]!, ts: `${match[2]}.${match[3]}` } : undefined;
}

/**
 * A reply's command names as Slack users type them: the bot's texts say `/styles` or `/help`, which
 * on Slack are `/impasto styles` and `/impasto help` (only /stylize is a command of its own there).
 * A name after "Discord: " is that platform's and stays.
 */
export function withSlackCommands(text: string, commandNames: readonly string[]): string {
  const names = commandNames.filter((name) => name !== 'stylize').sort((a, b) => b.length - a.length);
  if (names.length === 0) return text;
  const pattern = new RegExp(`(?<!Discord: )(?<=^|[\\s(])/(${names.map((name) => name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|')})(?![\\w-])`, 'g');
  return text.replace(pattern, '/impasto $1');
}

/**
 * A moment as Slack shows it to each reader: `formatWhen`'s words around Slack's date markup, which
 * each reader's app renders on their own clock ("in 2 h (Dec 24 at 6:00 PM)"); the UTC clock where
 * an app cannot render it.
 */
export function slackMoment(at: number, now: number): string {
  return formatWhen(at, now, (moment, from) => `<!date^${Math.floor(moment / 1000)}^{date_short_pretty} at {time}|${formatUtcClock(moment, from)}>`);
}

/**
 * Members' words as Slack shows them, not as its markup: `<!channel>`, `<@U123>` and `<https://…|…>`
 * in a contest's title would otherwise ping the channel, a member, or hide a link. Slack asks for
 * exactly these three characters to be escaped.
 */
export function escapeForSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
