import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { Contests } from '../../src/bot/contests/contests.ts';
import { parseEndTime } from '../../src/bot/contests/end-time.ts';
import type { ContestEvent } from '../../src/bot/contests/types.ts';
import { contestMessages } from '../../src/bot/contests/contest-messages.ts';
import { renderLeaderboard } from '../../src/bot/contests/leaderboard.ts';
import { openDatabase, type Db } from '../../src/bot/database.ts';
import { BotError } from '../../src/bot/errors.ts';
import { JobStore, type Job, type NewJob, type Requester } from '../../src/bot/jobs/store.ts';
import type { JobEvent, QueueEntry } from '../../src/bot/jobs/queue.ts';

/**
 * The contest rules with an injectable clock and timers. Jobs are recorded in the real SQLite store
 * but not run: submitting is injected here (the end-to-end tests on the Discord and Slack fakes run
 * entries through the real queue and engine).
 */
const origin = { platform: 'discord' as const, channelId: 'channel-1' };
const member = (id: string, isModerator = false): Requester => ({ platform: 'discord', community: 'discord:guild-1', userId: id, userName: id, isModerator });
const moderator = member('mod', true);
const HOUR = 3_600_000;

let clock: number;
let db: Db;
let store: JobStore;
let contests: Contests;
let events: ContestEvent[];
let timers: { at: number; callback: () => void; cleared: boolean }[];
let timerErrors: unknown[];
let postsNotKept: unknown[];
let stylePath: string;
/** Whether the events' messages reach the chat: a listener that posted them says so, as the adapters do. */
let platformUp: boolean;

function createContests(): Contests {
  const instance = new Contests({
    db,
    dir: join(tmpdir(), 'impasto-contests'),
    now: () => clock,
    submitJob: async (_requester: Requester, prepare: () => Promise<NewJob>): Promise<QueueEntry> => ({ job: store.create(await prepare()), lane: 'paint', position: 1, etaMs: 1000, waitsForEngine: false }),
    job: (id) => store.get(id),
    entryOptions: { size: 256, iterations: 60 },
    timers: {
      set: (callback, ms) => {
        const timer = { at: clock + ms, callback, cleared: false };
        timers.push(timer);
        return timer;
      },
      clear: (handle) => void ((handle as { cleared: boolean }).cleared = true),
    },
    onTimerError: (error) => timerErrors.push(error),
    onPostNotKept: (error) => postsNotKept.push(error),
  });
  instance.onEvent((event) => {
    events.push(event);
    if (platformUp && event.postId !== undefined) instance.posts.markPosted(event.postId);
  });
  return instance;
}

/** Moves the clock and fires the timers that are due, as the event loop would. */
function advance(ms: number): void {
  clock += ms;
  for (const timer of timers.filter((entry) => !entry.cleared && entry.at <= clock)) {
    timer.cleared = true;
    timer.callback();
  }
}

async function enterAndPost(user: Requester): Promise<string> {
  const { entry } = await contests.enter(user, origin, async () => '/tmp/photo.png');
  clock += 10_000; // past the entry cooldown
  contests.handleJobEvent({ type: 'succeeded', job: store.get(entry.jobId)! } as JobEvent);
  return entry.id;
}

beforeEach(async () => {
  clock = Date.parse('2026-11-27T12:00:00Z');
  db = openDatabase(':memory:');
  store = new JobStore(db, () => clock);
  events = [];
  timers = [];
  timerErrors = [];
  postsNotKept = [];
  platformUp = true;
  stylePath = join(await mkdtemp(join(tmpdir(), 'impasto-style-')), 'style.png');
  await writeFile(stylePath, 'style image bytes');
  contests = createContests();
});

async function startContest(hours = 2, maxEntries = 1) {
  return contests.start({ title: 'Winter', stylePath, styleLabel: 'starry-night', endsAt: clock + hours * HOUR, maxEntries }, moderator, origin);
}

describe('contest rules', () => {
  it('reads durations and dates, within 10 seconds and 30 days', () => {
    expect(parseEndTime('2h', 0)).toBe(2 * HOUR);
    expect(parseEndTime('1d12h', 0)).toBe(36 * HOUR);
    expect(parseEndTime('90m', 0)).toBe(90 * 60_000);
    // As people write durations too.
    for (const [written, ms] of [['1.5h', 90 * 60_000], ['2 hours', 2 * HOUR], ['30 min', 30 * 60_000], ['1 day and 12 hours', 36 * HOUR], ['2h 30m', 150 * 60_000], ['1 week', 168 * HOUR], ['45 secs', 45_000]] as const) expect(parseEndTime(written, 0), written).toBe(ms);
    expect(() => parseEndTime('2 months', 0)).toThrow('"2 months" is not a duration or a date');
    expect(parseEndTime('2026-12-24T18:00Z', clock)).toBe(Date.parse('2026-12-24T18:00Z'));
    expect(() => parseEndTime('5s', 0)).toThrow('at least 10 seconds');
    expect(() => parseEndTime('0h', clock)).toThrow('at least 10 seconds');
    expect(() => parseEndTime('40d', 0)).toThrow('at most 30 days');
    expect(() => parseEndTime('soon', 0)).toThrow('"soon" is not a duration or a date');
    expect(() => parseEndTime('2020-01-01', clock)).toThrow('"2020-01-01" has passed: it was on 1 Jan 2020, 00:00 UTC (a date without an offset is read in UTC).');
    // With an offset, the UTC hint would mislead.
    expect(() => parseEndTime('2020-01-01T09:00+01:00', clock)).toThrow(/^"2020-01-01T09:00\+01:00" has passed: it was on 1 Jan 2020, 08:00 UTC\.$/);
  });

  it('reads a date without an offset in UTC, as the bot writes times, whatever the server\'s time zone', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const sixPm = Date.parse('2026-12-24T18:00Z');
      for (const text of ['2026-12-24T18:00', '2026-12-24 18:00', '2026-12-24 18:00 UTC', '2026-12-24t18:00:00.000z']) expect(parseEndTime(text, clock), text).toBe(sixPm);
      expect(parseEndTime('2026-12-24', clock)).toBe(Date.parse('2026-12-24T00:00Z'));
      expect(parseEndTime('2026-12-24T18:00+01:00', clock)).toBe(sixPm - HOUR);
      expect(parseEndTime('2026-12-24 18:00 -0530', clock)).toBe(sixPm + 5.5 * HOUR);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('refuses a day the calendar lacks or an hour the clock lacks, rather than rolling over', () => {
    expect(() => parseEndTime('2026-11-31', clock)).toThrow('"2026-11-31": that day is not in the calendar.');
    expect(() => parseEndTime('2026-12-24T24:00Z', clock)).toThrow('"2026-12-24T24:00Z": that is not a time of day (00:00 to 23:59).');
    expect(() => parseEndTime('2026-12-24 6pm', clock)).toThrow('"2026-12-24 6pm" is not a duration or a date');
  });

  it('lets only moderators start one, one at a time per channel', async () => {
    await expect(contests.start({ title: 'x', stylePath, styleLabel: 's', endsAt: clock + HOUR, maxEntries: 1 }, member('alice'), origin)).rejects.toThrow('Only moderators can start a contest.');
    const contest = await startContest();
    expect(events.map((event) => event.type)).toEqual(['started']);
    await expect(startContest()).rejects.toThrow('"Winter" is still running in this channel');
    expect(contest.options).toEqual({ size: 256, iterations: 60 });
  });

  it('refuses in words to start with a library style removed while the command ran, and starts nothing', async () => {
    const removed = join(tmpdir(), 'impasto-no-such-style.png');
    const start = contests.start({ title: 'Winter', stylePath: removed, styleLabel: 'fleeting', endsAt: clock + HOUR, maxEntries: 1 }, moderator, origin);
    await expect(start).rejects.toMatchObject({ code: 'unknown_style', field: 'style_name', message: 'The style fleeting was removed from the library just now; choose another.' });
    expect(events).toEqual([]);
    expect(contests.openIn('discord', origin.channelId)).toBeUndefined();
  });

  it('makes entries through the queue with the contest style, and limits entries per member', async () => {
    await startContest(2, 1);
    const { entry } = await contests.enter(member('alice'), origin, async () => '/tmp/a.png');
    const job = store.get(entry.jobId) as Job;
    expect(job.styleLabel).toBe('starry-night (contest)');
    expect(job.options).toMatchObject({ size: 256, iterations: 60 });
    clock += 10_000;
    await expect(contests.enter(member('alice'), origin, async () => '/tmp/a2.png')).rejects.toThrow('You already have 1 entry in "Winter"; the limit is 1 per member.');
    expect(contests.entry(entry.id)!.status).toBe('pending');
    contests.handleJobEvent({ type: 'succeeded', job } as JobEvent);
    expect(contests.entry(entry.id)!.status).toBe('posted');
    expect(events.at(-1)!.type).toBe('entry_posted');
  });

  it('throttles entries', async () => {
    await startContest(2, 5);
    await contests.enter(member('alice'), origin, async () => '/tmp/a.png');
    await expect(contests.enter(member('alice'), origin, async () => '/tmp/b.png')).rejects.toThrow('Slow down: one contest entry every 10 seconds.');
  });

  it('counts an entry still being queued against the limit, and gives back the cooldown of one refused', async () => {
    await startContest();
    let stored!: (path: string) => void;
    const first = contests.enter(member('alice'), origin, () => new Promise<string>((resolve) => (stored = resolve)));
    clock += 20_000; // past the cooldown, while the first photo is still being stored
    await expect(contests.enter(member('alice'), origin, async () => '/tmp/b.png')).rejects.toThrow('You already have 1 entry in "Winter"');
    stored('/tmp/a.png');
    await first;
    // A submission that fails (here the photo cannot be stored) neither counts nor starts the cooldown.
    await expect(contests.enter(member('bob'), origin, () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect((await contests.enter(member('bob'), origin, async () => '/tmp/c.png')).entry.userId).toBe('bob');
  });

  it('counts one vote per member per entry, refuses self-votes, and takes a vote back on a second click', async () => {
    await startContest();
    const aliceEntry = await enterAndPost(member('alice'));
    expect(() => contests.vote(member('alice'), aliceEntry)).toThrow('You cannot vote for your own entry.');
    expect(contests.vote(member('bob'), aliceEntry)).toMatchObject({ voted: true, entry: { votes: 1 } });
    expect(contests.vote(member('carol'), aliceEntry)).toMatchObject({ voted: true, entry: { votes: 2 } });
    expect(contests.vote(member('bob'), aliceEntry)).toMatchObject({ voted: false, entry: { votes: 1 } });
    expect(events.filter((event) => event.type === 'votes_changed')).toHaveLength(3);
  });

  it('limits votes to 20 a minute per member', async () => {
    await startContest();
    const entry = await enterAndPost(member('alice'));
    for (let i = 0; i < 20; i++) contests.vote(member('bob'), entry);
    expect(() => contests.vote(member('bob'), entry)).toThrow('Slow down: at most 20 votes a minute.');
    clock += 61_000;
    expect(() => contests.vote(member('bob'), entry)).not.toThrow();
  });

  it('ranks by votes, ties going to the earliest entry', async () => {
    const contest = await startContest();
    const first = await enterAndPost(member('alice'));
    const second = await enterAndPost(member('bob'));
    const third = await enterAndPost(member('carol'));
    contests.vote(member('dave'), third);
    expect(contests.ranking(contest.id).map((entry) => entry.id)).toEqual([third, first, second]);
    contests.vote(member('dave'), second);
    expect(contests.ranking(contest.id).map((entry) => entry.id)).toEqual([second, third, first]);
  });

  it('draws the leaderboard without an entry whose picture was deleted while it was drawn, and says so when none is left', async () => {
    const contest = await startContest();
    const dir = await mkdtemp(join(tmpdir(), 'impasto-results-'));
    const paint = async (user: string, colour: string): Promise<string> => {
      const id = await enterAndPost(member(user));
      const pngPath = join(dir, `${user}.png`);
      await sharp({ create: { width: 64, height: 48, channels: 3, background: colour } }).png().toFile(pngPath);
      store.markSucceeded(contests.entry(id)!.jobId, { pngPath, gifPath: join(dir, `${user}.gif`), width: 64, height: 48, iterations: 1, elapsedMs: 1, backend: 'test', frames: 1, lossHistory: [] });
      return pngPath;
    };
    const alices = await paint('alice', '#ff0000');
    const bobs = await paint('bob', '#0000ff');
    const widthOf = async () => (await sharp((await renderLeaderboard(contests, store, contests.get(contest.id)!, 3)).picture!).metadata()).width;
    expect(await widthOf()).toBe(2 * 200 + 3 * 8);
    // Deleted after the store was read (a member's /forget-me, the retention purge): left out, not an error.
    await rm(alices);
    expect(await widthOf()).toBe(200 + 2 * 8);
    await rm(bobs);
    const board = await renderLeaderboard(contests, store, contests.get(contest.id)!, 3);
    expect(board.text).toMatch(/1\. alice: 0 votes/);
    expect((await sharp(board.picture!).metadata()).width).toBe(480);
    await rm(dir, { recursive: true, force: true });
  });

  it('lists a large contest’s first places, the asker’s own further back and how many more, within one Discord message', async () => {
    const contest = await startContest(2, 1);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await enterAndPost(member(`member-with-a-long-name-${String(i).padStart(2, '0')}`)));
    const board = await renderLeaderboard(contests, store, contests.get(contest.id)!, 3, 'member-with-a-long-name-42');
    const lines = board.text.split('\n');
    expect(lines.slice(1, 11).map((line) => Number(/^(\d+)\./.exec(line)![1]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(lines.slice(11)).toEqual(['…and 49 more entries', `43. member-with-a-long-name-42: 0 votes (entry ${ids[42]})`]);
    // The winners' post carries the leaderboard: with every entry listed it was about 3,500 characters, which Discord refuses.
    contests.close(moderator, origin.channelId);
    const closed = await renderLeaderboard(contests, store, contests.get(contest.id)!, 3);
    expect(closed.text.split('\n').at(-1)).toBe('…and 50 more entries');
    expect(contestMessages.closed(contests.get(contest.id)!, contests.ranking(contest.id), true, closed.text).length).toBeLessThanOrEqual(2000);
  });

  it('closes itself at the end time, freezing the votes', async () => {
    const contest = await startContest(2);
    const entry = await enterAndPost(member('alice'));
    contests.vote(member('bob'), entry);
    advance(2 * HOUR - 60_000);
    expect(contests.get(contest.id)!.status).toBe('open');
    advance(60_000);
    const closed = events.find((event) => event.type === 'closed');
    expect(closed).toMatchObject({ type: 'closed', early: false, ranking: [{ id: entry, votes: 1 }] });
    expect(() => contests.vote(member('carol'), entry)).toThrow('"Winter" has ended: voting is closed.');
  });

  it('closes across a restart: the timer comes from the stored end time', async () => {
    const contest = await startContest(1);
    await enterAndPost(member('alice'));
    contests.stop(); // the process dies…
    clock += 3 * HOUR; // …and is down past the end time
    events = [];
    contests = createContests();
    contests.resume();
    expect(contests.get(contest.id)!.status).toBe('closed');
    expect(events.map((event) => event.type)).toEqual(['closed']);
  });

  it('closes a minute later when the store could not be written at the end time (a full disk), rather than ending the process', async () => {
    const contest = await startContest(1);
    // SQLite's own refusal to write, as a full disk's SQLITE_FULL refuses.
    db.pragma('query_only = ON');
    expect(() => advance(HOUR)).not.toThrow();
    expect(timerErrors).toHaveLength(1);
    expect(contests.get(contest.id)!.status).toBe('open');
    db.pragma('query_only = OFF');
    advance(60_000);
    expect(contests.get(contest.id)!.status).toBe('closed');
    expect(events.filter((event) => event.type === 'closed')).toHaveLength(1);
  });

  it('re-arms the timer for a contest still running after a restart', async () => {
    const contest = await startContest(1);
    contests.stop();
    clock += 30 * 60_000;
    timers = [];
    contests = createContests();
    contests.resume();
    expect(contests.get(contest.id)!.status).toBe('open');
    advance(30 * 60_000);
    expect(contests.get(contest.id)!.status).toBe('closed');
  });

  it('posts again at the next start, in order and as things then stand, what never reached the channel', async () => {
    const contest = await startContest(2, 2);
    platformUp = false; // the platform goes down after the announcement
    const alice = await enterAndPost(member('alice'));
    const bob = await enterAndPost(member('bob'));
    contests.withdraw(member('bob'), origin.channelId, bob);
    contests.vote(member('carol'), alice);
    contests.close(moderator, origin.channelId);
    expect(events.map((event) => [event.type, event.postId !== undefined])).toEqual([
      ['started', true],
      ['entry_posted', true],
      ['entry_posted', true],
      ['entry_withdrawn', true],
      ['votes_changed', true],
      ['closed', true],
    ]);

    const restart = () => {
      contests.stop();
      events = [];
      contests = createContests();
      contests.resume();
    };
    // An adapter noted how far it got with Alice's entry (its picture uploaded, say).
    const aliceEntry = events.find((event) => event.type === 'entry_posted' && event.entry.id === alice)!;
    contests.posts.noteProgress(aliceEntry.postId!, { uploaded: 'yes' });
    contests.posts.noteProgress(aliceEntry.postId!, { step: '2' });

    platformUp = true;
    restart();
    // Bob's entry was withdrawn before it was ever shown: neither it nor its withdrawal is posted.
    // Alice's entry is posted with its count, and the contest is over: the count is not edited.
    expect(events).toMatchObject([
      { type: 'entry_posted', entry: { id: alice, votes: 1 }, progress: { uploaded: 'yes', step: '2' } },
      { type: 'closed', contest: { id: contest.id }, early: true, ranking: [{ id: alice, votes: 1 }] },
    ]);
    restart();
    expect(events).toEqual([]);
  });

  it('shows at the next start the latest count of an entry whose votes never reached the channel, once', async () => {
    await startContest(2, 2);
    const alice = await enterAndPost(member('alice'));
    const bob = await enterAndPost(member('bob'));
    contests.setEntryMessage(alice, { messageId: 'm-alice' });
    contests.setEntryMessage(bob, { messageId: 'm-bob' });
    platformUp = false;
    contests.vote(member('carol'), alice);
    const firstCount = events.at(-1)!;
    contests.vote(member('dave'), alice);
    // The later count replaces the earlier one: a retry of the earlier one stops.
    expect(contests.posts.isUnposted(firstCount.postId!)).toBe(false);
    contests.vote(member('carol'), bob);
    contests.vote(member('carol'), bob); // taken back

    platformUp = true;
    contests.stop();
    events = [];
    contests = createContests();
    contests.resume();
    expect(events).toMatchObject([
      { type: 'votes_changed', entry: { id: alice, votes: 2 } },
      { type: 'votes_changed', entry: { id: bob, votes: 0 } },
    ]);
    expect(events).toHaveLength(2);
    contests.stop();
    events = [];
    contests = createContests();
    contests.resume();
    expect(events).toEqual([]);
  });

  it('does not post at the next start an announcement already made, a forgotten member’s entry, or a post a week old', async () => {
    platformUp = false;
    const contest = await startContest(2);
    // The platform took the announcement, but the stop came before the store heard so.
    contests.setAnnouncement(contest.id, { messageId: 'm1' });
    const alice = await enterAndPost(member('alice'));
    const aliceEntry = events.find((event) => event.type === 'entry_posted')!;
    contests.forgetUser('discord', 'alice');
    // A retry in flight sees it is no longer wanted.
    expect(contests.posts.isUnposted(aliceEntry.postId!)).toBe(false);
    expect(contests.entry(alice)).toBeUndefined();
    contests.stop();
    events = [];
    contests = createContests();
    contests.resume();
    expect(events).toEqual([]);

    contests.cancel(moderator, origin.channelId);
    clock += 8 * 24 * HOUR;
    contests.stop();
    events = [];
    contests = createContests();
    contests.resume();
    expect(events).toEqual([]);
  });

  it('still emits a post the store could not record, without a post id, and says so', async () => {
    db.exec('DROP TABLE contest_posts');
    await startContest();
    expect(events).toMatchObject([{ type: 'started' }]);
    expect(events[0]!.postId).toBeUndefined();
    expect(postsNotKept).toEqual([expect.objectContaining({ message: expect.stringContaining('no such table: contest_posts') })]);
  });

  it('lets moderators end early, cancel and remove entries; members withdraw only their own', async () => {
    await startContest();
    const alice = await enterAndPost(member('alice'));
    const bob = await enterAndPost(member('bob'));
    expect(() => contests.withdraw(member('carol'), origin.channelId, alice)).toThrow('You can withdraw only your own entry');
    expect(contests.withdraw(member('alice'), origin.channelId).id).toBe(alice);
    expect(() => contests.removeEntry(member('carol'), bob)).toThrow('Only moderators can remove an entry.');
    expect(contests.removeEntry(moderator, bob).status).toBe('removed');
    expect(() => contests.close(member('carol'), origin.channelId)).toThrow(BotError);
    const closed = contests.close(moderator, origin.channelId);
    expect(events.at(-1)).toMatchObject({ type: 'closed', early: true, ranking: [] });
    expect(closed.status).toBe('closed');
    await startContest();
    expect(contests.cancel(moderator, origin.channelId).status).toBe('cancelled');
  });

  it('reminds a long contest’s channel once, an hour before its end; a short one not at all', async () => {
    const reminders = () => events.filter((event) => event.type === 'closing_soon');
    const long = await startContest(24);
    await enterAndPost(member('alice'));
    advance(23 * HOUR - 60_000 - 10_000);
    expect(reminders()).toEqual([]);
    advance(60_000);
    expect(reminders()).toMatchObject([{ contest: { id: long.id }, entries: 1, at: long.endsAt - HOUR }]);
    const said = reminders()[0]!;
    if (said.type !== 'closing_soon') throw new Error('not a reminder');
    expect(contestMessages.closingSoon(said.contest, said.entries, said.at, '/contest enter')).toBe(
      '"Winter" ends in 60 min (28 Nov, 12:00 UTC), with 1 entry so far: vote for your favourites with their buttons, or enter with /contest enter while there is time.',
    );
    advance(HOUR);
    expect(reminders()).toHaveLength(1);
    expect(contests.get(long.id)!.status).toBe('closed');

    await startContest(3);
    advance(3 * HOUR);
    expect(reminders()).toHaveLength(1);
  });

  it('reminds at start of a contest whose reminder time passed while the bot was down, unless its end is too near', async () => {
    const reminders = () => events.filter((event) => event.type === 'closing_soon');
    const contest = await startContest(24);
    contests.stop();
    clock += 23 * HOUR + 30 * 60_000; // down through the reminder's time: half an hour is left
    contests = createContests();
    contests.resume();
    expect(reminders()).toMatchObject([{ contest: { id: contest.id }, entries: 0 }]);
    // Reminded once, whatever the restarts.
    contests.stop();
    contests = createContests();
    contests.resume();
    expect(reminders()).toHaveLength(1);
    contests.close(moderator, origin.channelId);

    const late = await contests.start({ title: 'Late', stylePath, styleLabel: 'udnie', endsAt: clock + 24 * HOUR, maxEntries: 1 }, moderator, origin);
    contests.stop();
    clock += 24 * HOUR - 5 * 60_000; // five minutes left: too late to help
    contests = createContests();
    contests.resume();
    expect(reminders()).toHaveLength(1);
    expect(contests.get(late.id)!.status).toBe('open');
  });

  it('lists a channel’s past contests, latest first, with their winners by name', async () => {
    const history = () => contests.pastIn('discord', origin.channelId, 10);
    expect(history()).toEqual({ contests: [], total: 0 });
    const first = await startContest(1);
    const alice = await enterAndPost(member('alice'));
    const bob = await enterAndPost(member('bob'));
    await enterAndPost(member('carol'));
    contests.vote(member('dave'), bob);
    contests.vote(member('erin'), bob);
    contests.vote(member('dave'), alice);
    advance(HOUR);
    await startContest(1);
    clock += 60_000;
    contests.cancel(moderator, origin.channelId);
    await startContest(1);
    contests.close(moderator, origin.channelId);
    // Another channel's contest is not this channel's history.
    await contests.start({ title: 'Elsewhere', stylePath, styleLabel: 'udnie', endsAt: clock + HOUR, maxEntries: 1 }, moderator, { ...origin, channelId: 'channel-2' });
    contests.close(moderator, 'channel-2');
    const running = await startContest(1);

    const { contests: past, total } = history();
    expect(total).toBe(3);
    expect(past.map((contest) => contest.status)).toEqual(['closed', 'cancelled', 'closed']);
    expect(past.map((contest) => contest.id)).not.toContain(running.id);
    expect(past.at(-1)!.id).toBe(first.id);
    expect(contests.pastIn('discord', origin.channelId, 2)).toMatchObject({ total: 3, contests: [{ status: 'closed' }, { status: 'cancelled' }] });
    const lines = past.map((contest) => contestMessages.past(contest, contests.ranking(contest.id)));
    expect(lines).toEqual([
      '"Winter" (style starry-night), ended on 27 Nov, 13:01 UTC: no entries',
      '"Winter" (style starry-night), cancelled on 27 Nov, 13:01 UTC',
      '"Winter" (style starry-night), ended on 27 Nov, 13:00 UTC: 🥇 bob (2 votes)  🥈 alice (1 vote)  🥉 carol (0 votes), of 3 entries',
    ]);
  });

  it('posts an entry painted after the end for its member, unranked and without votes', async () => {
    const contest = await startContest(2, 5);
    const onTime = await enterAndPost(member('alice'));
    const { entry: pending } = await contests.enter(member('bob'), origin, async () => '/tmp/photo.png');
    advance(2 * HOUR); // the queue was long: bob's photo is still being painted at the end
    expect(events.find((event) => event.type === 'closed')).toMatchObject({ ranking: [{ id: onTime }] });
    contests.handleJobEvent({ type: 'succeeded', job: store.get(pending.jobId)! } as JobEvent);
    const posted = events.at(-1)!;
    expect(posted).toMatchObject({ type: 'entry_posted', entry: { id: pending.id, status: 'posted', late: true } });
    expect(contestMessages.entry(contests.get(contest.id)!, contests.entry(pending.id)!)).toBe(`Entry ${pending.id} by <@bob> for "Winter" was painted after the contest ended: here it is, not in the running.`);
    expect(contests.ranking(contest.id).map((entry) => entry.id)).toEqual([onTime]);
    expect(() => contests.vote(member('carol'), pending.id)).toThrow('"Winter" has ended: voting is closed.');
    // Entries finished in time are not late.
    expect(contests.entry(onTime)!.late).toBe(false);
  });

  it('refuses an entry whose contest ends while its photo is being stored, and keeps nothing of it', async () => {
    const contest = await startContest(2, 5);
    const photo = join(await mkdtemp(join(tmpdir(), 'impasto-entry-')), 'photo.png');
    for (const [user, end] of [['bob', () => advance(2 * HOUR)], ['carol', () => contests.cancel(moderator, origin.channelId)]] as const) {
      if (user === 'carol') await startContest(2, 5);
      const entering = contests.enter(member(user), origin, async () => {
        await writeFile(photo, 'photo bytes');
        end();
        return photo;
      });
      await expect(entering).rejects.toThrow(`"Winter" ${user === 'bob' ? 'ended' : 'was cancelled'} just as your photo came in, so it was not entered.`);
      await expect(access(photo)).rejects.toThrow();
      expect(store.byUser('discord', user)).toEqual([]);
    }
    expect(contests.ranking(contest.id)).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM contest_entries').pluck().get()).toBe(0);
  });

  it('says so when an entry is painted after its contest was cancelled', async () => {
    const contest = await startContest();
    const { entry } = await contests.enter(member('alice'), origin, async () => '/tmp/photo.png');
    contests.cancel(moderator, origin.channelId);
    contests.handleJobEvent({ type: 'succeeded', job: store.get(entry.jobId)! } as JobEvent);
    expect(contestMessages.entry(contests.get(contest.id)!, contests.entry(entry.id)!)).toContain('was painted after the contest was cancelled: here it is, not in the running.');
  });

  it('keeps the entries of members who left, marked', async () => {
    const contest = await startContest();
    await enterAndPost(member('alice'));
    contests.markMemberLeft('discord', 'alice');
    expect(contests.ranking(contest.id)[0]!.memberLeft).toBe(true);
  });
});
