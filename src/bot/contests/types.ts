import type { StylizeOptionsInput } from '../../engine/options.ts';
import type { Job, Platform } from '../jobs/store.ts';

export type ContestStatus = 'open' | 'closed' | 'cancelled';
export type EntryStatus = 'pending' | 'posted' | 'failed' | 'withdrawn' | 'removed';
/** An adapter's handle on a message it posted (message id, channel…), stored for later edits. */
export type MessageRef = Readonly<Record<string, string>>;

export interface Contest {
  readonly id: string;
  readonly platform: Platform;
  /** The community it runs in (see `Requester`); only its members vote. */
  readonly community: string;
  readonly channelId: string;
  readonly title: string;
  readonly stylePath: string;
  readonly styleLabel: string;
  /** The fixed parameters every entry is made with. */
  readonly options: StylizeOptionsInput;
  readonly maxEntries: number;
  readonly status: ContestStatus;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly endsAt: number;
  readonly closedAt?: number | undefined;
  readonly announcement?: MessageRef | undefined;
}

export interface ContestEntry {
  readonly id: string;
  readonly contestId: string;
  readonly userId: string;
  readonly userName: string;
  readonly jobId: string;
  readonly status: EntryStatus;
  /** The member has left the server; the entry stays, marked. */
  readonly memberLeft: boolean;
  /**
   * Painted after its contest ended (or was cancelled): entered in time, but the queue was long.
   * It is posted for the member all the same, without a vote, and is not ranked.
   */
  readonly late: boolean;
  readonly createdAt: number;
  readonly message?: MessageRef | undefined;
  readonly votes: number;
}

/** What happened in a contest, as `Contests` saw it. */
export type ContestHappening =
  | { readonly type: 'started'; readonly contest: Contest }
  | { readonly type: 'entry_posted'; readonly contest: Contest; readonly entry: ContestEntry; readonly job: Job }
  | { readonly type: 'entry_failed'; readonly contest: Contest; readonly entry: ContestEntry; readonly message: string }
  | { readonly type: 'entry_withdrawn'; readonly contest: Contest; readonly entry: ContestEntry; readonly byModerator: boolean }
  | { readonly type: 'votes_changed'; readonly contest: Contest; readonly entry: ContestEntry }
  | { readonly type: 'closed'; readonly contest: Contest; readonly ranking: readonly ContestEntry[]; readonly early: boolean }
  | { readonly type: 'cancelled'; readonly contest: Contest }
  /** A long contest ends within the hour: `entries` in the running so far, said `at` this time. */
  | { readonly type: 'closing_soon'; readonly contest: Contest; readonly entries: number; readonly at: number };

/**
 * What happened in a contest, for the adapters to post. `postId` marks one whose message must reach
 * the channel: it is stored until the adapter says it did (`ContestPosts.markPosted`), and one that
 * never did is emitted again, as things then stand, by the next start, with how far the adapter had
 * got (`progress`, as it noted with `ContestPosts.noteProgress`).
 */
export type ContestEvent = ContestHappening & { readonly postId?: number; readonly progress?: PostProgress };

/** An adapter's own notes on a post of several calls, kept with it until it is made. */
export type PostProgress = Readonly<Record<string, string>>;
