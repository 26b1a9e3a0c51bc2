import type { Db } from '../database.ts';
import type { ContestEvent, ContestHappening, PostProgress } from './types.ts';

/**
 * The events posted again by the next start if the platform never took them: all but a failed entry
 * (its member hears of it in their job's answer). Of an entry's vote counts only the latest is kept.
 */
const MUST_POST: ReadonlySet<ContestEvent['type']> = new Set(['started', 'entry_posted', 'votes_changed', 'entry_withdrawn', 'closed', 'cancelled', 'closing_soon']);
/** How long a post that never got through is tried at each start (its platform may have been unplugged since). */
const UNPOSTED_KEPT_MS = 7 * 86_400_000;

/** A post not yet made, as stored: what happened, to which contest (and entry), and the adapter's notes. */
export interface UnmadePost {
  readonly id: number;
  readonly contestId: string;
  readonly entryId: string | undefined;
  readonly type: ContestEvent['type'];
  readonly progress: PostProgress | undefined;
}

interface PostRow {
  id: number;
  contest_id: string;
  entry_id: string | null;
  type: ContestEvent['type'];
  progress: string | null;
}

/**
 * The contest messages that must reach their channel, kept in the store (`contest_posts`) from the
 * moment they happen until the adapter says the platform took them: an outbox, so that a platform
 * down past its retries, or a stop in between, loses no announcement, entry or result.
 */
export class ContestPosts {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    /** A message the store could not keep (a full disk): posted now all the same, but not again after a stop. */
    private readonly onNotKept: (error: unknown) => void = () => undefined,
  ) {}

  /**
   * Stores the happening if its message must arrive (`MUST_POST`), and returns its post's id. None
   * for the others, and none when the store could not write (a full disk): that message is still
   * posted now, as before the store kept them, only not again after a stop. A vote count replaces
   * the entry's earlier one not yet shown: that one is no longer wanted (a retry of it stops).
   */
  record(happening: ContestHappening): number | undefined {
    if (!MUST_POST.has(happening.type)) return undefined;
    try {
      const entryId = 'entry' in happening ? happening.entry.id : null;
      return this.db.transaction(() => {
        if (happening.type === 'votes_changed') this.db.prepare("DELETE FROM contest_posts WHERE type = 'votes_changed' AND entry_id = ?").run(entryId);
        return Number(this.db.prepare('INSERT INTO contest_posts (contest_id, entry_id, type, created_at) VALUES (?, ?, ?, ?)').run(happening.contest.id, entryId, happening.type, this.now()).lastInsertRowid);
      })();
    } catch (error) {
      this.onNotKept(error);
      return undefined;
    }
  }

  /** Whether the post is still to be made: not made, nor dropped meanwhile (its member forgotten, a later vote count in its place). */
  isUnposted(postId: number): boolean {
    return this.db.prepare('SELECT 1 FROM contest_posts WHERE id = ?').get(postId) !== undefined;
  }

  /** Adds to what the adapter has done of a post not yet made (Slack: the entry's picture uploaded), for the next start. */
  noteProgress(postId: number, progress: PostProgress): void {
    const row = this.db.prepare('SELECT progress FROM contest_posts WHERE id = ?').get(postId) as Pick<PostRow, 'progress'> | undefined;
    if (!row) return;
    const merged = { ...parseProgress(row.progress), ...progress };
    this.db.prepare('UPDATE contest_posts SET progress = ? WHERE id = ?').run(JSON.stringify(merged), postId);
  }

  /** The event's message reached its channel (or was refused for good, or no longer applies): it is not posted again. */
  markPosted(postId: number): void {
    this.db.prepare('DELETE FROM contest_posts WHERE id = ?').run(postId);
  }

  /** Drops an entry's posts still to be made (its member was forgotten); a retry in flight sees them gone (`isUnposted`). */
  dropEntry(entryId: string): void {
    this.db.prepare('DELETE FROM contest_posts WHERE entry_id = ?').run(entryId);
  }

  /** The posts not yet made, in the order they happened; those older than a week are dropped first. */
  unmade(): UnmadePost[] {
    this.db.prepare('DELETE FROM contest_posts WHERE created_at < ?').run(this.now() - UNPOSTED_KEPT_MS);
    const rows = this.db.prepare('SELECT id, contest_id, entry_id, type, progress FROM contest_posts ORDER BY id').all() as PostRow[];
    return rows.map((row) => ({ id: row.id, contestId: row.contest_id, entryId: row.entry_id ?? undefined, type: row.type, progress: parseProgress(row.progress) }));
  }
}

function parseProgress(text: string | null): PostProgress | undefined {
  return text ? (JSON.parse(text) as PostProgress) : undefined;
}
