import { BotError } from '../errors.ts';
import { formatWhen } from '../format.ts';

/** How long a contest may run. */
export const DURATION_RANGE = { minMs: 10_000, maxMs: 30 * 86_400_000 } as const;

/**
 * When a contest ends: a duration ("90m", "2h", "1d12h", "45s", "1.5h", "2 hours", "1 day 12 hours")
 * from now, or a date ("2026-12-24", "2026-12-24 18:00", "2026-12-24T18:00+01:00"). Between 10
 * seconds and 30 days.
 */
export function parseEndTime(text: string, now: number): number {
  const trimmed = text.trim().toLowerCase();
  let endsAt: number | undefined;
  if (isDurationText(trimmed)) {
    let total = 0;
    for (const [, amount, unit] of trimmed.matchAll(DURATION_PART)) total += Number(amount) * (UNIT_MS[unit!] ?? UNIT_MS[unit!.replace(/s$/, '')]!);
    endsAt = now + Math.round(total);
  } else if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    endsAt = parseDate(trimmed, text);
    if (endsAt !== undefined && endsAt <= now) {
      // Said with the time it was read as, since a date without an offset is UTC, which may not be the member's.
      const readInUtc = DATE_PATTERN.exec(trimmed)?.[7] === undefined ? ' (a date without an offset is read in UTC)' : '';
      throw new BotError('invalid_option', `"${text}" has passed: it was ${formatWhen(endsAt, now)}${readInUtc}.`, 'ends');
    }
  }
  if (endsAt === undefined) throw new BotError('invalid_option', `"${text}" is not a duration or a date: write 2h, 3d, 1d12h, or 2026-12-24T18:00Z.`, 'ends');
  if (endsAt - now < DURATION_RANGE.minMs) throw new BotError('invalid_option', 'A contest must run for at least 10 seconds (and end in the future).', 'ends');
  if (endsAt - now > DURATION_RANGE.maxMs) throw new BotError('invalid_option', 'A contest can run for at most 30 days.', 'ends');
  return endsAt;
}

/** A duration's units, as written short or in words ("h", "hr", "hour"; a plural's "s" is taken off where the unit is not "s"). */
const UNIT_MS: Record<string, number> = {
  s: 1000, sec: 1000, second: 1000,
  m: 60_000, min: 60_000, minute: 60_000,
  h: 3_600_000, hr: 3_600_000, hour: 3_600_000,
  d: 86_400_000, day: 86_400_000,
  w: 604_800_000, wk: 604_800_000, week: 604_800_000,
};
const UNIT = '(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w)';
const DURATION_PART = new RegExp(`(\\d+(?:\\.\\d+)?)\\s*${UNIT}(?![a-z])`, 'g');
const DURATION_PATTERN = new RegExp(`^(\\d+(?:\\.\\d+)?\\s*${UNIT}(?![a-z])[\\s,]*(and\\s+)?)+$`);

/** Whether `text` is written as a duration `parseEndTime` reads ("2h", "1 day 12 hours"). */
export function isDurationText(text: string): boolean {
  return DURATION_PATTERN.test(text.trim().toLowerCase());
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[t ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(z|utc|[+-]\d{2}:?\d{2})?$/;

/** Whether `text` is written as a date `parseEndTime` reads (a day, with a time of day and an offset or not). */
export function isDateText(text: string): boolean {
  return DATE_PATTERN.test(text.trim().toLowerCase());
}

/**
 * A date and time of day, in UTC unless it names an offset: the bot writes every time in UTC, and
 * the server's own time zone is nobody's in the chat (Date.parse would read "2026-12-24T18:00" in
 * it, "2026-12-24" in UTC, and 30 February as 2 March). Undefined when it is not written so.
 */
function parseDate(trimmed: string, text: string): number | undefined {
  const match = DATE_PATTERN.exec(trimmed);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59) throw new BotError('invalid_option', `"${text}": that is not a time of day (00:00 to 23:59).`, 'ends');
  // Date.UTC rolls 30 February over to March: a day that comes back different is not in the calendar.
  const at = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (at.getUTCFullYear() !== year || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day) throw new BotError('invalid_option', `"${text}": that day is not in the calendar.`, 'ends');
  return at.getTime() - offsetMinutes(match[7]) * 60_000;
}

/** "+01:00" → 60, "-0530" → -330; none, "z" or "utc" → 0. */
function offsetMinutes(offset: string | undefined): number {
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(offset ?? '');
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}
