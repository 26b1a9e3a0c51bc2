import { counted, formatWhen, shortenedList, type MomentWriter } from '../format.ts';
import type { JobStore } from '../jobs/store.ts';
import { POSTED_SHEET, renderContactSheet } from '../styles/library.ts';
import type { Contests } from './contests.ts';
import type { Contest, ContestEntry } from './types.ts';

export interface Leaderboard {
  readonly text: string;
  /** A contact sheet of the top entries' pictures, when any has one. */
  readonly picture?: Buffer | undefined;
}

/** What the leaderboard's picture shows, in words (alt text). */
export function describeLeaderboard(contest: Pick<Contest, 'title'>): string {
  return `The top entries of "${contest.title}", each labelled with its place, its author and its votes.`;
}

/** The places the leaderboard's text lists; the asker's own entries are listed wherever they are. */
const LISTED_PLACES = 10;

/**
 * The ranking as text (its first places, the entries of `viewerId` further back, and how many more)
 * and as a picture of the top `top` entries. Every entry was listed: the winners' post of a contest
 * of 50 entries passed Discord's 2000 characters, and Discord refused it. `writeWhen` writes a
 * running contest's end (the platform's markup, where its replies take it).
 */
export async function renderLeaderboard(contests: Contests, store: JobStore, contest: Contest, top: number, viewerId?: string, writeWhen: MomentWriter = formatWhen): Promise<Leaderboard> {
  const ranking = contests.ranking(contest.id);
  const state = contest.status === 'open' ? `ends ${writeWhen(contest.endsAt, Date.now())}` : contest.status === 'closed' ? 'ended' : 'cancelled';
  if (ranking.length === 0) return { text: `"${contest.title}" (style ${contest.styleLabel}, ${state}): no entries${contest.status === 'open' ? ' yet' : ''}.` };
  const lineOf = (entry: ContestEntry, place: number) => `${place}. ${entry.userName}${entry.memberLeft ? ' (left)' : ''}: ${counted(entry.votes, 'vote')} (entry ${entry.id})`;
  const lines = shortenedList(ranking, LISTED_PLACES, (entry) => entry.userId === viewerId, (entry, index) => lineOf(entry, index + 1), (hidden) => `…and ${counted(hidden, 'more entry', 'more entries')}`);
  const tiles = ranking.slice(0, top).flatMap((entry, index) => {
    const path = store.get(entry.jobId)?.result?.pngPath;
    return path ? [{ path, label: `${index + 1}. ${entry.userName} · ${entry.votes}` }] : [];
  });
  const picture = tiles.length > 0 ? await renderContactSheet(tiles, { columns: Math.min(4, tiles.length), empty: "The entries' pictures are no longer kept.", format: POSTED_SHEET.format }) : undefined;
  return { text: `"${contest.title}" (style ${contest.styleLabel}, ${state}); ties go to the earliest entry:\n${lines.join('\n')}`, picture };
}
