import { counted, formatWhen, type MomentWriter } from '../format.ts';
import type { Contest, ContestEntry } from './types.ts';

/**
 * What a contest says in a channel, once for every platform. Users are mentioned as `<@id>`, which
 * Discord and Slack both read as a mention.
 */
export const contestMessages = {
  /** The announcement; `enterCommand` is how this platform's users enter (`/contest enter`). */
  announcement: (contest: Contest, enterCommand: string, writeWhen: MomentWriter = formatWhen) =>
    `Style contest "${contest.title}": paint your photo in ${contest.styleLabel}! Enter with ${enterCommand} (up to ${contest.maxEntries} each), vote with the buttons. It ends ${writeWhen(contest.endsAt, Date.now())}.`,
  entry: (contest: Contest, entry: ContestEntry) =>
    entry.late
      ? `Entry ${entry.id} by <@${entry.userId}>${entry.memberLeft ? ' (left)' : ''} for "${contest.title}" was painted after the contest ${contest.status === 'cancelled' ? 'was cancelled' : 'ended'}: here it is, not in the running.`
      : `Entry ${entry.id} by <@${entry.userId}>${entry.memberLeft ? ' (left)' : ''} for "${contest.title}": ${counted(entry.votes, 'vote')}`,
  voteLabel: (entry: ContestEntry) => `Vote (${entry.votes})`,
  withdrawn: (entry: ContestEntry, byModerator: boolean) => `Entry ${entry.id} was ${byModerator ? 'removed by a moderator' : 'withdrawn'}.`,
  /** The end, the three winners, and the leaderboard's text (none without entries: it would only say so again). */
  closed: (contest: Contest, ranking: readonly ContestEntry[], early: boolean, leaderboard: string) => {
    const winners = podium(ranking, (entry) => `<@${entry.userId}> (${entry.votes})`);
    return `"${contest.title}" has ended${early ? ' early' : ''}. ${winners ? `Winners: ${winners}\n${leaderboard}` : 'There were no entries.'}`;
  },
  cancelled: (contest: Contest) => `The contest "${contest.title}" was cancelled.`,
  /** A long contest's reminder, `at` the time it is said; `enterCommand` and `writeWhen` as in the announcement. */
  closingSoon: (contest: Contest, entries: number, at: number, enterCommand: string, writeWhen: MomentWriter = formatWhen) => {
    const ends = `"${contest.title}" ends ${writeWhen(contest.endsAt, at)}`;
    return entries === 0
      ? `${ends} and has no entries yet: enter with ${enterCommand} while there is time.`
      : `${ends}, with ${counted(entries, 'entry', 'entries')} so far: vote for your favourites with their buttons, or enter with ${enterCommand} while there is time.`;
  },
  /** A line of `/contest history`: when it ended and its winners, by name (a list of old results pings no one). */
  past: (contest: Contest, ranking: readonly ContestEntry[]) => {
    const when = formatWhen(contest.closedAt ?? contest.endsAt);
    const head = `"${contest.title}" (style ${contest.styleLabel}), ${contest.status === 'cancelled' ? 'cancelled' : 'ended'} ${when}`;
    if (contest.status === 'cancelled') return head;
    if (ranking.length === 0) return `${head}: no entries`;
    const winners = podium(ranking, (entry) => `${entry.userName}${entry.memberLeft ? ' (left)' : ''} (${counted(entry.votes, 'vote')})`);
    return `${head}: ${winners}, of ${counted(ranking.length, 'entry', 'entries')}`;
  },
} as const;

/** The winners: the first three entries of a ranking (fewer with fewer entries). */
export function winnersOf(ranking: readonly ContestEntry[]): readonly ContestEntry[] {
  return ranking.slice(0, 3);
}

/** The winners behind their medals, each as `describe` words it; empty with no entries. */
function podium(ranking: readonly ContestEntry[], describe: (entry: ContestEntry) => string): string {
  return winnersOf(ranking)
    .map((entry, index) => `${['🥇', '🥈', '🥉'][index]} ${describe(entry)}`)
    .join('  ');
}
