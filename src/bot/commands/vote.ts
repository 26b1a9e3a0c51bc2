import type { Contests } from '../contests/contests.ts';
import type { CommandContext, Reply } from './types.ts';
import { counted } from '../format.ts';

/** A vote button press: toggles the member's vote on an entry. */
export function voteOnEntry(contests: Contests, entryId: string, context: CommandContext): Reply {
  const { entry, voted } = contests.vote(context.requester, entryId);
  const votes = counted(entry.votes, 'vote');
  return { text: voted ? `You voted for ${entry.userName}'s entry (${votes}). Click again to take it back.` : `You took back your vote for ${entry.userName}'s entry (${votes} now).`, ephemeral: true };
}
