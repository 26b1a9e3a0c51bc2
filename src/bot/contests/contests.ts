import { randomBytes, randomInt } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { StylizeOptionsInput } from '../../engine/options.ts';
import type { Db } from '../database.ts';
import { BotError } from '../errors.ts';
import { copyLibraryStyle } from '../files.ts';
import { counted } from '../format.ts';
import { isOfCommunity, type Job, type JobOrigin, type NewJob, type Platform, type Requester } from '../jobs/store.ts';
import type { JobEvent, QueueEntry } from '../jobs/queue.ts';
import { ContestPosts, type UnmadePost } from './posts.ts';
import type { Contest, ContestEntry, ContestEvent, ContestHappening, ContestStatus, EntryStatus, MessageRef } from './types.ts';
import { makeFolder } from '../../make-folder.ts';


export interface ContestDependencies {
  readonly db: Db;
  /** Where contest style images are kept (outside upload retention: contests can run for weeks). */
  readonly dir: string;
  readonly now?: () => number;
  /** Admits a job (the queue's limits) and only then runs `prepare`, which stores its files. */
  readonly submitJob: (requester: Requester, prepare: () => Promise<NewJob>) => Promise<QueueEntry>;
  readonly job: (id: string) => Job | undefined;
  /** Defaults per contest entry (the bot's default size and iterations). */
  readonly entryOptions: StylizeOptionsInput;
  /** Timers, injectable so tests can drive the clock. */
  readonly timers?: { set(callback: () => void, ms: number): unknown; clear(handle: unknown): void };
  /** A timed close or reminder that failed (the store could not write, as with a full disk); it is tried again a minute later. */
  readonly onTimerError?: (error: unknown) => void;
  /** A message that must reach its channel, which the store could not keep (a full disk): it is posted now, but not again after a stop. */
  readonly onPostNotKept?: (error: unknown) => void;
}

/** How long a timed close or reminder that failed waits before it is tried again. */
const TIMER_RETRY_MS = 60_000;

/** A contest that runs at least `minRunMs` is reminded of once in its channel, `leadMs` before it ends (not later than `latestMs` before). */
export const REMINDER = { leadMs: 3_600_000, minRunMs: 4 * 3_600_000, latestMs: 10 * 60_000 } as const;
const ENTRY_COOLDOWN_MS = 10_000;
const VOTES_PER_MINUTE = 20;

/** A contest that runs long enough for a reminder, and has not had it (one parameter: `REMINDER.minRunMs`). */
const UNREMINDED = 'reminded_at IS NULL AND ends_at - created_at >= ?';

interface ContestRow {
  id: string;
  platform: Platform;
  community: string;
  channel_id: string;
  title: string;
  style_path: string;
  style_label: string;
  params: string;
  max_entries: number;
  status: ContestStatus;
  created_by: string;
  created_at: number;
  ends_at: number;
  closed_at: number | null;
  announcement: string | null;
}

interface EntryRow {
  id: string;
  contest_id: string;
  user_id: string;
  user_name: string;
  job_id: string;
  status: EntryStatus;
  member_left: number;
  late: number;
  created_at: number;
  message: string | null;
  votes: number;
}

const toContest = (row: ContestRow): Contest => ({
  id: row.id,
  platform: row.platform,
  community: row.community,
  channelId: row.channel_id,
  title: row.title,
  stylePath: row.style_path,
  styleLabel: row.style_label,
  // The column is still called `params`.
  options: JSON.parse(row.params) as StylizeOptionsInput,
  maxEntries: row.max_entries,
  status: row.status,
  createdBy: row.created_by,
  createdAt: row.created_at,
  endsAt: row.ends_at,
  closedAt: row.closed_at ?? undefined,
  announcement: row.announcement ? (JSON.parse(row.announcement) as MessageRef) : undefined,
});

const toEntry = (row: EntryRow): ContestEntry => ({
  id: row.id,
  contestId: row.contest_id,
  userId: row.user_id,
  userName: row.user_name,
  jobId: row.job_id,
  status: row.status,
  memberLeft: row.member_left === 1,
  late: row.late === 1,
  createdAt: row.created_at,
  message: row.message ? (JSON.parse(row.message) as MessageRef) : undefined,
  votes: row.votes,
});

const ENTRY_SELECT = `SELECT e.*, (SELECT COUNT(*) FROM contest_votes v WHERE v.entry_id = e.id) AS votes FROM contest_entries e`;

/**
 * Style contests: the rules (who may enter, vote, end), persisted in SQLite so that a restart loses
 * no entry and no vote, and closing driven by the stored end time (a timer re-armed from the store
 * at every start), not by memory.
 */
export class Contests {
  private readonly listeners = new Set<(event: ContestEvent) => void>();
  private readonly lastEntryAt = new Map<string, number>();
  /** Entries each member has being queued right now (`platform:user`). */
  private readonly entering = new Map<string, number>();
  private readonly recentVotes = new Map<string, number[]>();
  private timer: unknown;
  private readonly now: () => number;
  /** The messages that must reach their channels, kept until the adapters say they did. */
  readonly posts: ContestPosts;
  private readonly timers: NonNullable<ContestDependencies['timers']>;

  constructor(private readonly deps: ContestDependencies) {
    this.now = deps.now ?? Date.now;
    this.posts = new ContestPosts(deps.db, this.now, deps.onPostNotKept);
    this.timers = deps.timers ?? {
      set: (callback, ms) => setTimeout(callback, ms).unref(),
      clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
    };
  }

  onEvent(listener: (event: ContestEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * At start: posts again what never reached its channel before the stop, closes what ended while
   * the bot was down, then arms the timer for the next end.
   */
  resume(): void {
    this.repostUnposted();
    this.closeDueOrRetry();
  }

  stop(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  /** Follows the bot's job events: a finished entry job posts the entry. */
  handleJobEvent(event: JobEvent): void {
    if (event.type !== 'succeeded' && event.type !== 'failed' && event.type !== 'cancelled') return;
    const row = this.deps.db.prepare(`${ENTRY_SELECT} WHERE e.job_id = ? AND e.status = 'pending'`).get(event.job.id) as EntryRow | undefined;
    if (!row) return;
    const contest = this.get(row.contest_id)!;
    if (event.type === 'succeeded') {
      this.deps.db.prepare("UPDATE contest_entries SET status = 'posted', late = ? WHERE id = ?").run(contest.status === 'open' ? 0 : 1, row.id);
      this.emit({ type: 'entry_posted', contest, entry: this.entry(row.id)!, job: event.job });
    } else {
      this.deps.db.prepare("UPDATE contest_entries SET status = 'failed' WHERE id = ?").run(row.id);
      this.emit({ type: 'entry_failed', contest, entry: this.entry(row.id)!, message: event.type === 'failed' ? event.message : 'The entry was cancelled.' });
    }
  }

  get(id: string): Contest | undefined {
    const row = this.deps.db.prepare('SELECT * FROM contests WHERE id = ?').get(id) as ContestRow | undefined;
    return row ? toContest(row) : undefined;
  }

  openIn(platform: Platform, channelId: string): Contest | undefined {
    const row = this.deps.db.prepare("SELECT * FROM contests WHERE platform = ? AND channel_id = ? AND status = 'open'").get(platform, channelId) as ContestRow | undefined;
    return row ? toContest(row) : undefined;
  }

  /** A community's open contests, in any of its channels, the soonest to end first (rows from before communities belong to every community of their platform). */
  openOf(platform: Platform, community: string): Contest[] {
    const rows = this.deps.db.prepare("SELECT * FROM contests WHERE platform = ? AND (community = ? OR community = '') AND status = 'open' ORDER BY ends_at").all(platform, community) as ContestRow[];
    return rows.map(toContest);
  }

  /** The latest contest of a channel, open or not (for status after the end). */
  latestIn(platform: Platform, channelId: string): Contest | undefined {
    const row = this.deps.db.prepare('SELECT * FROM contests WHERE platform = ? AND channel_id = ? ORDER BY created_at DESC LIMIT 1').get(platform, channelId) as ContestRow | undefined;
    return row ? toContest(row) : undefined;
  }

  /** A channel's contests that are over (ended or cancelled), the latest `limit` of them first, and how many there are. */
  pastIn(platform: Platform, channelId: string, limit: number): { readonly contests: Contest[]; readonly total: number } {
    const where = "FROM contests WHERE platform = ? AND channel_id = ? AND status != 'open'";
    const rows = this.deps.db.prepare(`SELECT * ${where} ORDER BY COALESCE(closed_at, ends_at) DESC, created_at DESC LIMIT ?`).all(platform, channelId, limit) as ContestRow[];
    const total = this.deps.db.prepare(`SELECT COUNT(*) ${where}`).pluck().get(platform, channelId) as number;
    return { contests: rows.map(toContest), total };
  }

  entry(id: string): ContestEntry | undefined {
    const row = this.deps.db.prepare(`${ENTRY_SELECT} WHERE e.id = ?`).get(id) as EntryRow | undefined;
    return row ? toEntry(row) : undefined;
  }

  async start(input: { title: string; stylePath: string; styleLabel: string; endsAt: number; maxEntries: number }, requester: Requester, origin: JobOrigin): Promise<Contest> {
    if (!requester.isModerator) throw new BotError('not_allowed', 'Only moderators can start a contest.');
    this.refuseIfRunning(requester.platform, origin.channelId);
    await makeFolder(this.deps.dir);
    const id = randomBytes(5).toString('base64url');
    const stylePath = join(this.deps.dir, `${id}${extname(input.stylePath) || '.png'}`);
    // A library style may have been removed by another moderator while this command ran.
    await copyLibraryStyle(input.stylePath, stylePath, `The style ${input.styleLabel} was removed from the library just now; choose another.`);
    try {
      this.deps.db
        .prepare(
          `INSERT INTO contests (id, platform, community, channel_id, title, style_path, style_label, params, max_entries, status, created_by, created_at, ends_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)`,
        )
        .run(id, requester.platform, requester.community, origin.channelId, input.title, stylePath, input.styleLabel, JSON.stringify(this.deps.entryOptions), input.maxEntries, requester.userId, this.now(), input.endsAt);
    } catch (error) {
      await rm(stylePath, { force: true });
      // Another start in this channel got in while the style was copied (one open contest per
      // channel is a unique index): refused as if it had been there first.
      this.refuseIfRunning(requester.platform, origin.channelId);
      throw error;
    }
    const contest = this.get(id)!;
    this.armTimer();
    this.emit({ type: 'started', contest });
    return contest;
  }

  /**
   * Queues the member's photo, stylized with the contest's style and fixed parameters. `storeContent`
   * saves the photo and runs only once the entry is admitted, so a refused entry leaves no file.
   */
  async enter(requester: Requester, origin: JobOrigin, storeContent: () => Promise<string>): Promise<{ entry: ContestEntry; queued: QueueEntry; contest: Contest }> {
    const contest = this.checkEntry(requester, origin.channelId);
    const key = keyOf(requester);
    const entering = this.entering.get(key) ?? 0;
    const last = this.lastEntryAt.get(key);
    // Checked and reserved with nothing awaited between; a refused submission gives the reservation back.
    this.lastEntryAt.set(key, this.now());
    this.entering.set(key, entering + 1);
    let queued: QueueEntry;
    try {
      queued = await this.deps.submitJob(requester, async () => {
        const contentPath = await storeContent();
        // The contest may have ended while the photo was being stored. Checked last, so that the job
        // and its entry are written with no other event in between: otherwise the member would be
        // told "posted with a Vote button" of an entry that can only be late.
        const ended = this.endedSince(contest);
        if (ended) {
          await rm(contentPath, { force: true });
          throw ended;
        }
        return { requester, origin, options: { ...contest.options, seed: randomInt(0, 2 ** 31 - 1) }, contentPath, stylePath: contest.stylePath, styleLabel: `${contest.styleLabel} (contest)` };
      });
    } catch (error) {
      if (last === undefined) this.lastEntryAt.delete(key);
      else this.lastEntryAt.set(key, last);
      throw error;
    } finally {
      const left = (this.entering.get(key) ?? 1) - 1;
      if (left > 0) this.entering.set(key, left);
      else this.entering.delete(key);
    }
    const id = randomBytes(5).toString('base64url');
    this.deps.db
      .prepare("INSERT INTO contest_entries (id, contest_id, user_id, user_name, job_id, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)")
      .run(id, contest.id, requester.userId, requester.userName, queued.job.id, this.now());
    return { entry: this.entry(id)!, queued, contest };
  }

  /**
   * The open contest the member may enter now, or the refusal: no contest here, their entries'
   * limit, or the pause between entries. Asked before the photo is fetched, and again by `enter`.
   */
  checkEntry(requester: Requester, channelId: string): Contest {
    const contest = this.requireOpen(requester.platform, channelId);
    const key = keyOf(requester);
    // Entries still being queued count too: several sent at once must not all pass the limit.
    const entering = this.entering.get(key) ?? 0;
    const mine = (this.deps.db.prepare("SELECT COUNT(*) FROM contest_entries WHERE contest_id = ? AND user_id = ? AND status IN ('pending', 'posted')").pluck().get(contest.id, requester.userId) as number) + entering;
    if (mine >= contest.maxEntries) {
      throw new BotError('limit_reached', `You already have ${counted(mine, 'entry', 'entries')} in "${contest.title}"; the limit is ${contest.maxEntries} per member. Withdraw one to enter another.`);
    }
    if (this.now() - (this.lastEntryAt.get(key) ?? 0) < ENTRY_COOLDOWN_MS) throw new BotError('limit_reached', 'Slow down: one contest entry every 10 seconds.');
    return contest;
  }

  /** Withdraws the member's entry (the latest, or the one named) until the contest ends. */
  withdraw(requester: Requester, channelId: string, entryId?: string): ContestEntry {
    const contest = this.requireOpen(requester.platform, channelId);
    const row = entryId
      ? (this.deps.db.prepare(`${ENTRY_SELECT} WHERE e.id = ? AND e.contest_id = ?`).get(entryId, contest.id) as EntryRow | undefined)
      : (this.deps.db.prepare(`${ENTRY_SELECT} WHERE e.contest_id = ? AND e.user_id = ? AND e.status IN ('pending', 'posted') ORDER BY e.created_at DESC LIMIT 1`).get(contest.id, requester.userId) as EntryRow | undefined);
    if (!row || !['pending', 'posted'].includes(row.status)) throw new BotError('unknown_job', entryId ? `There is no entry "${entryId}" in "${contest.title}".` : `You have no entry in "${contest.title}".`);
    if (row.user_id !== requester.userId) throw new BotError('not_allowed', 'You can withdraw only your own entry (moderators can remove any).');
    this.deps.db.prepare("UPDATE contest_entries SET status = 'withdrawn' WHERE id = ?").run(row.id);
    const entry = this.entry(row.id)!;
    this.emit({ type: 'entry_withdrawn', contest, entry, byModerator: false });
    return entry;
  }

  /**
   * A moderator removes an entry of one of their community's contests. Entry ids are public (each
   * entry's post shows its own), so another server's moderator who can read them is told there is
   * no such entry, as of one that does not exist.
   */
  removeEntry(requester: Requester, entryId: string): ContestEntry {
    if (!requester.isModerator) throw new BotError('not_allowed', 'Only moderators can remove an entry.');
    const entry = this.entry(entryId);
    const contest = entry ? this.get(entry.contestId) : undefined;
    if (!entry || !contest || !isOfCommunity(contest, requester) || !['pending', 'posted'].includes(entry.status)) throw new BotError('unknown_job', `There is no entry "${entryId}".`);
    this.deps.db.prepare("UPDATE contest_entries SET status = 'removed' WHERE id = ?").run(entryId);
    const removed = this.entry(entryId)!;
    this.emit({ type: 'entry_withdrawn', contest, entry: removed, byModerator: true });
    return removed;
  }

  /** One vote per member per entry; no voting for yourself; a second click takes the vote back. */
  vote(requester: Requester, entryId: string): { entry: ContestEntry; voted: boolean } {
    const entry = this.entry(entryId);
    const contest = entry ? this.get(entry.contestId) : undefined;
    if (!entry || !contest || !isOfCommunity(contest, requester) || entry.status !== 'posted') {
      throw new BotError('unknown_job', 'That entry is not in a contest any more.');
    }
    if (contest.status !== 'open') throw new BotError('not_allowed', `"${contest.title}" has ended: voting is closed.`);
    if (entry.userId === requester.userId) throw new BotError('not_allowed', 'You cannot vote for your own entry.');
    const key = keyOf(requester);
    const recent = (this.recentVotes.get(key) ?? []).filter((at) => this.now() - at < 60_000);
    if (recent.length >= VOTES_PER_MINUTE) throw new BotError('limit_reached', `Slow down: at most ${VOTES_PER_MINUTE} votes a minute.`);
    this.recentVotes.set(key, [...recent, this.now()]);
    const removed = this.deps.db.prepare('DELETE FROM contest_votes WHERE entry_id = ? AND user_id = ?').run(entryId, requester.userId).changes > 0;
    if (!removed) this.deps.db.prepare('INSERT INTO contest_votes (entry_id, user_id, created_at) VALUES (?, ?, ?)').run(entryId, requester.userId, this.now());
    const updated = this.entry(entryId)!;
    this.emit({ type: 'votes_changed', contest, entry: updated });
    return { entry: updated, voted: !removed };
  }

  /** The jobs whose pictures an open contest still shows: they are kept however long it runs. */
  jobsInOpenContests(): string[] {
    return this.deps.db.prepare("SELECT e.job_id FROM contest_entries e JOIN contests c ON c.id = e.contest_id WHERE c.status = 'open' AND e.status IN ('pending', 'posted')").pluck().all() as string[];
  }

  /** Posted entries in the running, most votes first; ties go to the earliest entry. */
  ranking(contestId: string): ContestEntry[] {
    return (this.deps.db.prepare(`${ENTRY_SELECT} WHERE e.contest_id = ? AND e.status = 'posted' AND e.late = 0 ORDER BY votes DESC, e.created_at ASC, e.id ASC`).all(contestId) as EntryRow[]).map(toEntry);
  }

  /** Closes a contest now (a moderator's `contest end`, or its end time). */
  close(requester: Requester | undefined, channelId: string | undefined, contestId?: string): Contest {
    if (requester && !requester.isModerator) throw new BotError('not_allowed', 'Only moderators can end a contest early.');
    const contest = contestId ? this.get(contestId) : this.requireOpen(requester!.platform, channelId!);
    if (!contest || contest.status !== 'open') throw new BotError('unknown_job', 'That contest is not running.');
    this.deps.db.prepare("UPDATE contests SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'").run(this.now(), contest.id);
    const closed = this.get(contest.id)!;
    this.armTimer();
    this.emit({ type: 'closed', contest: closed, ranking: this.ranking(contest.id), early: closed.closedAt! < closed.endsAt });
    return closed;
  }

  cancel(requester: Requester, channelId: string): Contest {
    if (!requester.isModerator) throw new BotError('not_allowed', 'Only moderators can cancel a contest.');
    const contest = this.requireOpen(requester.platform, channelId);
    this.deps.db.prepare("UPDATE contests SET status = 'cancelled', closed_at = ? WHERE id = ?").run(this.now(), contest.id);
    const cancelled = this.get(contest.id)!;
    this.armTimer();
    this.emit({ type: 'cancelled', contest: cancelled });
    return cancelled;
  }

  /**
   * Forgets a person: their entries go (with the votes they got), their votes stay but no longer say
   * whose they were, and contests they started no longer name them. Returns the entries' job ids.
   */
  forgetUser(platform: Platform, userId: string): string[] {
    const { db } = this.deps;
    return db.transaction(() => {
      const entries = db.prepare('SELECT e.id, e.job_id FROM contest_entries e JOIN contests c ON c.id = e.contest_id WHERE c.platform = ? AND e.user_id = ?').all(platform, userId) as { id: string; job_id: string }[];
      for (const entry of entries) {
        db.prepare('DELETE FROM contest_votes WHERE entry_id = ?').run(entry.id);
        db.prepare('DELETE FROM contest_entries WHERE id = ?').run(entry.id);
        this.posts.dropEntry(entry.id);
      }
      const votes = db.prepare('SELECT v.entry_id FROM contest_votes v JOIN contest_entries e ON e.id = v.entry_id JOIN contests c ON c.id = e.contest_id WHERE c.platform = ? AND v.user_id = ?').pluck().all(platform, userId) as string[];
      for (const entryId of votes) db.prepare('UPDATE contest_votes SET user_id = ? WHERE entry_id = ? AND user_id = ?').run(`forgotten:${randomBytes(8).toString('hex')}`, entryId, userId);
      db.prepare("UPDATE contests SET created_by = 'forgotten' WHERE platform = ? AND created_by = ?").run(platform, userId);
      return entries.map((entry) => entry.job_id);
    })();
  }

  /** A member left: their entries stay (votes count), marked as such. */
  markMemberLeft(platform: Platform, userId: string): void {
    this.deps.db
      .prepare("UPDATE contest_entries SET member_left = 1 WHERE user_id = ? AND contest_id IN (SELECT id FROM contests WHERE platform = ? AND status = 'open')")
      .run(userId, platform);
  }

  setAnnouncement(contestId: string, ref: MessageRef): void {
    this.deps.db.prepare('UPDATE contests SET announcement = ? WHERE id = ?').run(JSON.stringify(ref), contestId);
  }

  setEntryMessage(entryId: string, ref: MessageRef): void {
    this.deps.db.prepare('UPDATE contest_entries SET message = ? WHERE id = ?').run(JSON.stringify(ref), entryId);
  }

  /** Closes every open contest whose end time has passed, reminds the channels of long ones ending soon, then re-arms the timer. */
  closeDue(): void {
    const due = (this.deps.db.prepare("SELECT id FROM contests WHERE status = 'open' AND ends_at <= ?").pluck().all(this.now()) as string[]);
    for (const id of due) this.close(undefined, undefined, id);
    this.remindDue();
    this.armTimer();
  }

  /**
   * Says once in a long contest's channel that it ends within the hour (votes and late entrants come
   * then). One whose reminder time passed while the bot was down is reminded at start, unless its
   * end is too near for that to help.
   */
  private remindDue(): void {
    const now = this.now();
    const due = this.deps.db.prepare(`SELECT * FROM contests WHERE status = 'open' AND ${UNREMINDED} AND ends_at - ? <= ?`).all(REMINDER.minRunMs, now, REMINDER.leadMs) as ContestRow[];
    for (const row of due) {
      this.deps.db.prepare('UPDATE contests SET reminded_at = ? WHERE id = ?').run(now, row.id);
      if (row.ends_at - now < REMINDER.latestMs) continue;
      const contest = toContest(row);
      this.emit({ type: 'closing_soon', contest, entries: this.ranking(contest.id).length, at: now });
    }
  }

  private armTimer(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    // The next end, or the next reminder.
    const next = this.deps.db.prepare(`SELECT MIN(CASE WHEN ${UNREMINDED} THEN ends_at - ? ELSE ends_at END) FROM contests WHERE status = 'open'`).pluck().get(REMINDER.minRunMs, REMINDER.leadMs) as number | null;
    if (next === null) return;
    // setTimeout takes at most ~24.8 days; a longer wait is re-armed when it fires.
    this.timer = this.timers.set(() => this.closeDueOrRetry(), Math.min(Math.max(0, next - this.now()), 2 ** 31 - 1));
  }

  /** `closeDue` from a timer or at start, where a throw would end the process: a failure is reported and tried again. */
  private closeDueOrRetry(): void {
    try {
      this.closeDue();
    } catch (error) {
      this.deps.onTimerError?.(error);
      if (this.timer !== undefined) this.timers.clear(this.timer);
      this.timer = this.timers.set(() => this.closeDueOrRetry(), TIMER_RETRY_MS);
    }
  }

  /** Refuses a second contest in a channel that has one running. */
  refuseIfRunning(platform: Platform, channelId: string): void {
    const existing = this.openIn(platform, channelId);
    if (existing) throw new BotError('limit_reached', `"${existing.title}" is still running in this channel; end it first (contest end).`);
  }

  /** The refusal of an entry whose contest ended or was cancelled since it was looked up, if it did. */
  private endedSince(contest: Contest): BotError | undefined {
    const current = this.get(contest.id);
    if (current?.status === 'open') return undefined;
    return new BotError('unknown_job', `"${contest.title}" ${current?.status === 'cancelled' ? 'was cancelled' : 'ended'} just as your photo came in, so it was not entered.`);
  }

  /** The contest running in the channel, or the refusal that there is none. */
  requireOpen(platform: Platform, channelId: string): Contest {
    const contest = this.openIn(platform, channelId);
    if (!contest) throw new BotError('unknown_job', 'There is no contest running in this channel.');
    return contest;
  }

  /** Emits what happened; one whose message must arrive is stored first (`ContestPosts.record`). */
  private emit(happening: ContestHappening): void {
    const postId = this.posts.record(happening);
    this.notify(postId === undefined ? happening : { ...happening, postId });
  }

  /** The posts not yet made, in the order they happened, each as things stand now; one that no longer applies is dropped. */
  private repostUnposted(): void {
    for (const post of this.posts.unmade()) {
      const happening = this.happeningOf(post);
      if (happening) this.notify({ ...happening, postId: post.id, ...(post.progress ? { progress: post.progress } : {}) });
      else this.posts.markPosted(post.id);
    }
  }

  /**
   * An unmade post's event as of now, or none when its message would be wrong now or was made
   * (the stop came between the platform taking it and the store hearing so): an announcement of a
   * contest over since, an entry withdrawn since or already posted (or withdrawn before it was),
   * a vote count of a contest over since (closing shows the final counts) or of an entry not shown
   * yet (its post carries the count), a reminder past its time.
   */
  private happeningOf(post: UnmadePost): ContestHappening | undefined {
    const contest = this.get(post.contestId);
    const entry = post.entryId === undefined ? undefined : this.entry(post.entryId);
    if (!contest) return undefined;
    switch (post.type) {
      case 'started':
        return contest.status === 'open' && !contest.announcement ? { type: 'started', contest } : undefined;
      case 'entry_posted': {
        const job = entry ? this.deps.job(entry.jobId) : undefined;
        return entry?.status === 'posted' && !entry.message && job ? { type: 'entry_posted', contest, entry, job } : undefined;
      }
      case 'votes_changed':
        return contest.status === 'open' && entry?.status === 'posted' && entry.message ? { type: 'votes_changed', contest, entry } : undefined;
      case 'entry_withdrawn':
        return entry?.message && (entry.status === 'withdrawn' || entry.status === 'removed') ? { type: 'entry_withdrawn', contest, entry, byModerator: entry.status === 'removed' } : undefined;
      case 'closed':
        return contest.status === 'closed' ? { type: 'closed', contest, ranking: this.ranking(contest.id), early: contest.closedAt! < contest.endsAt } : undefined;
      case 'cancelled':
        return contest.status === 'cancelled' ? { type: 'cancelled', contest } : undefined;
      case 'closing_soon':
        return contest.status === 'open' && contest.endsAt - this.now() >= REMINDER.latestMs ? { type: 'closing_soon', contest, entries: this.ranking(contest.id).length, at: this.now() } : undefined;
      default:
        return undefined;
    }
  }

  private notify(event: ContestEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own (adapters log their delivery errors).
      }
    }
  }
}

/** A member's key in the limits on entries and votes. */
function keyOf(requester: Requester): string {
  return `${requester.platform}:${requester.userId}`;
}
