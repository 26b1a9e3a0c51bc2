import { counted, formatWhen } from '../format.ts';
import type { JobStore } from '../jobs/store.ts';
import { renderContactSheet } from '../styles/library.ts';
import type { Contest, Contests } from './contests.ts';

export interface Leaderboard {
  readonly text: string;
  /** A contact sheet of the top entries' pictures, when any has one. */
  readonly picture?: Buffer | undefined;
}

/** What the leaderboard's picture shows, in words (alt text). */
export function describeLeaderboard(contest: Pick<Contest, 'title'>): string {
  return `The top entries of "${contest.title}", each labelled with its place, its author and its votes.`;
}

/** The ranking as text (every entry) and as a picture of the top `top` entries. */
export async function renderLeaderboard(contests: Contests, store: JobStore, contest: Contest, top: number): Promise<Leaderboard> {
  const ranking = contests.ranking(contest.id);
  const state = contest.status === 'open' ? `ends ${formatWhen(contest.endsAt)}` : contest.status === 'closed' ? 'ended' : 'cancelled';
  if (ranking.length === 0) return { text: `"${contest.title}" (style ${contest.styleLabel}, ${state}): no entries yet.` };
  const lines = ranking.map((entry, index) => `${index + 1}. ${entry.userName}${entry.memberLeft ? ' (left)' : ''}: ${counted(entry.votes, 'vote')} (entry ${entry.id})`);
  const tiles = ranking.slice(0, top).flatMap((entry, index) => {
    const path = store.get(entry.jobId)?.result?.pngPath;
    return path ? [{ path, label: `${index + 1}. ${entry.userName} · ${entry.votes}` }] : [];
  });
  const picture = tiles.length > 0 ? await renderContactSheet(tiles, Math.min(4, tiles.length), 'cover', "The entries' pictures are no longer kept.") : undefined;
  return { text: `"${contest.title}" (style ${contest.styleLabel}, ${state}); ties go to the earliest entry:\n${lines.join('\n')}`, picture };
}
