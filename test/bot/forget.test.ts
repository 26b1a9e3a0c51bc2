import { access, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadedImage } from '../../src/bot/commands/types.ts';
import { openDatabase, type Db } from '../../src/bot/database.ts';
import { createDataDirs, deleteOwnFiles } from '../../src/bot/files.ts';
import { filesOf, JobStore, uploadsOf } from '../../src/bot/jobs/store.ts';
import { contextFor, startTestBot, waitForEnd } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';

// The real bot and engine, with small limits so that every job (contest entries too) is quick.
const SMALL_LIMITS = { IMPASTO_MAX_SIZE: '64', IMPASTO_MAX_ITERATIONS: '3', IMPASTO_MAX_QUEUED_PER_USER: '5' };
let harness: Awaited<ReturnType<typeof startTestBot>>;
let photo: UploadedImage;
let painting: UploadedImage;

beforeAll(async () => {
  harness = await startTestBot({ ...SMALL_LIMITS, IMPASTO_RETENTION_DAYS: '2' });
  photo = { bytes: await readFile(sharedImagePath('content_dog.jpg')), name: 'dog.jpg' };
  painting = { bytes: await readFile(sharedImagePath('style_starry_night.jpg')), name: 'starry.jpg' };
});
afterAll(() => harness.stop());

const finished = (jobId: string) => waitForEnd(harness.events, harness.bot, jobId);

/** Every file under the data directory. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return (await Promise.all(entries.map((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)])))).flat();
}

/** Rows of any table with any text column containing `needle`. */
function rowsMentioning(db: Db, needle: string): string[] {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  return tables.flatMap((table) => {
    const columns = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((column) => column.name);
    return columns.flatMap((column) => ((db.prepare(`SELECT COUNT(*) FROM ${table} WHERE CAST(${column} AS TEXT) LIKE ?`).pluck().get(`%${needle}%`) as number) > 0 ? [`${table}.${column}`] : []));
  });
}

describe('/forget-me', () => {
  it('says what it would delete, and deletes nothing, until confirmed', async () => {
    // Before any job: not "your 0 jobs".
    expect((await harness.bot.execute('forget-me', {}, contextFor('quinn'))).text).toMatch(/^This deletes your jobs, photos and results \(you have none here now\), cancels any still waiting/);
    // What to type next, as it is typed there (it listed both platforms' ways).
    expect((await harness.bot.execute('forget-me', {}, contextFor('quinn', { platform: 'slack' }))).text).toMatch(/run it again with confirm set to true: \/impasto forget-me confirm=true\.$/);
    expect((await harness.bot.execute('forget-me', {}, contextFor('quinn', { platform: 'discord' }))).text).toMatch(/run it again with confirm set to true: \/forget-me confirm:True\.$/);
    const job = await harness.bot.execute('stylize', { content: photo, style: painting }, contextFor('quinn'));
    await finished(job.jobId!);
    expect((await harness.bot.execute('forget-me', {}, contextFor('quinn'))).text).not.toMatch(/saved style/);
    await harness.bot.savedStyles.save({ platform: 'web', userId: 'quinn' }, painting);
    const reply = await harness.bot.execute('forget-me', {}, contextFor('quinn'));
    expect(reply.text).toMatch(/This deletes your 1 job .*, deletes your saved style, .* run it again with confirm set to true/);
    // The retention period as configured (the harness sets 2, not the default 7).
    expect(reply.text).toContain('(Without it, your photos and results are deleted 2 days after they are painted, contest entries not before their contest ends.)');
    expect(harness.bot.savedStyles.find({ platform: 'web', userId: 'quinn' })).toBeDefined();
    expect(harness.bot.job(job.jobId!)).toBeDefined();
  });

  it('deletes a person’s jobs, files and contest entries everywhere, keeps their votes without their name, and leaves others alone', async () => {
    const zoe = contextFor('zoe', { isModerator: true });
    const yan = contextFor('yan');
    await harness.bot.execute('style add', { name: 'moderated-painting', image: painting }, zoe);
    await harness.bot.execute('contest start', { title: 'Dogs', ends: '1h', style_name: 'moderated-painting' }, zoe);
    const zoeEntry = await harness.bot.execute('contest enter', { content: photo }, zoe);
    const yanEntry = await harness.bot.execute('contest enter', { content: photo }, yan);
    const done = await harness.bot.execute('stylize', { content: photo, style: painting }, zoe);
    for (const reply of [zoeEntry, yanEntry, done]) expect((await finished(reply.jobId!)).type).toBe('succeeded');
    const yanEntryId = harness.bot.contests.ranking(harness.bot.contests.openIn('web', 'channel-1')!.id).find((entry) => entry.userId === 'yan')!.id;
    expect((await harness.bot.vote(yanEntryId, zoe)).refusal).toBeUndefined();
    // Yan painted a photo zoe posted: it goes with her too.
    const fromHerPhoto = await harness.bot.execute('stylize', { content: photo, style: painting }, { ...yan, photoOwner: 'zoe' });
    expect((await finished(fromHerPhoto.jobId!)).type).toBe('succeeded');
    // One of zoe's jobs still waits when she asks.
    const waiting = await harness.bot.execute('stylize', { content: photo, style: painting, iterations: 3 }, zoe);
    const savedStyle = await harness.bot.savedStyles.save(zoe.requester, painting);

    const zoeJobs = [...harness.bot.jobsOf('web', 'zoe'), harness.bot.job(fromHerPhoto.jobId!)!];
    // Her entry's style image is the contest's own copy of the painting: the contest's, not hers.
    const contestDir = join(harness.dataDir, 'contests');
    const zoeFiles = [...zoeJobs.flatMap(filesOf).filter((path) => !path.startsWith(contestDir)), savedStyle.path];
    expect(zoeFiles.length).toBeGreaterThan(5);
    const reply = await harness.bot.execute('forget-me', { confirm: true }, zoe);
    expect(reply.text).toMatch(/^Done: deleted 4 jobs, \d+ files and 1 contest entry/);
    await harness.bot.idle();

    // Nothing of her in the database (by id or name), nor on disk.
    const db = openDatabase(join(harness.dataDir, 'impasto.sqlite'));
    try {
      expect(rowsMentioning(db, 'zoe')).toEqual([]);
      // Her vote still counts, without her.
      expect(db.prepare('SELECT COUNT(*) FROM contest_votes WHERE entry_id = ?').pluck().get(yanEntryId)).toBe(1);
    } finally {
      db.close();
    }
    const onDisk = new Set(await walk(harness.dataDir));
    expect(zoeFiles.filter((path) => onDisk.has(path))).toEqual([]);
    expect([...onDisk].filter((path) => zoeJobs.some((job) => path.includes(job.id)) || path.includes(waiting.jobId!))).toEqual([]);
    expect(harness.bot.job(fromHerPhoto.jobId!)).toBeUndefined();
    // Yan's entry, job and files are untouched; the library keeps the style, not who added it.
    const yanJob = harness.bot.job(yanEntry.jobId!)!;
    expect(filesOf(yanJob).every((path) => onDisk.has(path))).toBe(true);
    expect(harness.bot.library.in('web').get('moderated-painting')?.addedBy).toBe('forgotten');
    expect(onDisk.has(yanJob.stylePath)).toBe(true);
  });
});

describe('Remove', () => {
  it('does not paint again a picture removed while its repaint was being queued', async () => {
    const rita = contextFor('rita');
    const first = await harness.bot.execute('stylize', { content: photo, style: painting }, rita);
    await finished(first.jobId!);
    const photos = uploadsOf(harness.bot.job(first.jobId!)!);
    // Pressed at once: Again reads the job and then awaits; Remove takes the job and its photo down in that gap.
    const [again, removed] = await Promise.all([harness.bot.rerun(first.jobId!, rita, 'seed'), harness.bot.remove(first.jobId!, rita)]);
    expect(removed.text).toMatch(/was removed by the person who asked for it/);
    expect(again).toMatchObject({ text: `Job ${first.jobId!} was removed just now, so it was not painted again.`, refusal: {} });
    expect(harness.bot.jobsOf('web', 'rita')).toEqual([]);
    for (const path of photos) await expect(access(path)).rejects.toThrow();
  });

  it('fails a job whose photo was deleted while it waited in words for its painter, not as the bot’s error', async () => {
    const first = await startTestBot(SMALL_LIMITS);
    // Held in the queue over a restart, with its photo deleted meanwhile (as by hand, or by a race).
    first.bot.pauseQueue();
    const queued = await first.bot.execute('stylize', { content: photo, style: painting }, contextFor('sam'));
    const { contentPath } = first.bot.job(queued.jobId!)!;
    await first.stop({ keepData: true });
    await rm(contentPath);
    const second = await startTestBot(SMALL_LIMITS, undefined, first.dataDir);
    try {
      const ended = await waitForEnd(second.events, second.bot, queued.jobId!);
      expect(ended).toMatchObject({ type: 'failed', message: 'The photo or painting of this job was deleted before it could be painted; send it again.' });
      expect(second.logLines.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
      expect(second.logLines.filter((line) => line.includes('job failed on its input') && line.includes(queued.jobId!))).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

describe('retention', () => {
  it('deletes finished job rows past the retention period with their files, reply tokens and names included', async () => {
    const dirs = createDataDirs(join(harness.dataDir, 'retention'));
    const db = openDatabase(':memory:');
    let now = 1_000_000;
    const store = new JobStore(db, () => now);
    const paths = ['content', 'style'].map((name) => join(dirs.uploads, `${name}.png`));
    const results = ['png', 'gif'].map((extension) => join(dirs.results, `old.${extension}`));
    for (const path of [...paths, ...results]) await writeFile(path, 'x');
    const origin = { platform: 'discord' as const, channelId: 'c', reply: { token: 'secret-reply-token' } };
    const old = store.create({ requester: { platform: 'discord', community: 'discord:1', userId: 'u1', userName: 'old-user' }, origin, options: {}, contentPath: paths[0]!, stylePath: paths[1]!, styleLabel: 'x' });
    store.markSucceeded(old.id, { pngPath: results[0]!, gifPath: results[1]!, width: 1, height: 1, iterations: 1, elapsedMs: 1, backend: 'onnxruntime', frames: 1, lossHistory: [] });
    now += 10 * 86_400_000;
    const recent = store.create({ requester: { platform: 'discord', community: 'discord:1', userId: 'u2', userName: 'new-user' }, origin, options: {}, contentPath: paths[0]!, stylePath: paths[1]!, styleLabel: 'x' });
    const kept = store.create({ requester: { platform: 'discord', community: 'discord:1', userId: 'u3', userName: 'entrant' }, origin, options: {}, contentPath: paths[0]!, stylePath: paths[1]!, styleLabel: 'x' });
    store.markFailed(kept.id, 'x');
    const expired = store.deleteFinishedBefore(now + 1, new Set([kept.id]));
    expect(store.get(old.id)).toBeUndefined();
    expect(store.get(recent.id)).toBeDefined(); // still queued
    expect(store.get(kept.id)).toBeDefined(); // an entry of a running contest
    expect(rowsMentioning(db, 'old-user')).toEqual([]);
    expect(expired.map((job) => job.id)).toEqual([old.id]);
    expect(expired.flatMap(filesOf).sort()).toEqual([...paths, ...results].sort());
    // Files outside uploads and results (a library style, a contest's painting) are never deleted.
    expect(await deleteOwnFiles(dirs, [...results, join(dirs.styles, 'library.png')])).toBe(2);
    db.close();
  });
});
