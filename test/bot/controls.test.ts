import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRerun, rerunOf } from '../../src/bot/commands/rerun.ts';
import { JobStore, type Job, type JobResult, type NewJob } from '../../src/bot/jobs/store.ts';
import type { QueueEntry } from '../../src/bot/jobs/queue.ts';
import { parseBlend } from '../../src/bot/commands/stylize.ts';
import { rerunChangesFor } from '../../src/bot/job-messages.ts';
import { openDatabase, schemaVersion } from '../../src/bot/database.ts';
import { contextFor, importSharedStyles, startTestBot, waitForEvent } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';

let harness: Awaited<ReturnType<typeof startTestBot>>;
let content: { bytes: Uint8Array; name: string };

beforeAll(async () => {
  harness = await startTestBot({ IMPASTO_MAX_QUEUED_PER_USER: '5' });
  await importSharedStyles(harness.bot);
  content = { bytes: await readFile(sharedImagePath('content_tubingen.jpg')), name: 'tubingen.jpg' };
});
afterAll(() => harness.stop());

describe('engine controls in the bot', () => {
  it('parses blends and normalises their weights', () => {
    expect(parseBlend('starry-night')).toEqual([{ name: 'starry-night', weight: 1 }]);
    expect(parseBlend('starry-night:0.7, the-scream:0.3')).toEqual([
      { name: 'starry-night', weight: 0.7 },
      { name: 'the-scream', weight: 0.3 },
    ]);
    expect(parseBlend('a:2,b:2').map((entry) => entry.weight)).toEqual([0.5, 0.5]);
    expect(() => parseBlend('starry-night:0, udnie')).toThrow('"starry-night:0" is not a style with a weight');
    expect(() => parseBlend('a:x')).toThrow(/not a style with a weight/);
    // Read as JavaScript reads numbers, or with a piece dropped, these were blends.
    expect(() => parseBlend('a:0x10, b')).toThrow('"a:0x10" is not a style with a weight');
    expect(() => parseBlend('a:0.7:3, b')).toThrow('"a:0.7:3" is not a style with a weight');
    expect(() => parseBlend('a, a')).toThrow('A blend names each style once.');
    expect(() => parseBlend('starry-night, Starry-Night')).toThrow('A blend names each style once.');
    // Weights too large to add up (their sum was Infinity, and each share 0).
    expect(parseBlend('a:1e308, b:1e308').map((entry) => entry.weight)).toEqual([0.5, 0.5]);
    expect(() => parseBlend('a,b,c,d,e')).toThrow('A blend has at most 4 styles.');
    expect(() => parseBlend(' , ,', 'background_style')).toThrow('" , ," names no style: write a style\'s name, or a blend as starry-night:0.7, the-scream:0.3.');
  });

  it('refuses a blend of commas alone, saying so (it failed as a bug does: "Something went wrong on our side")', async () => {
    const reply = await harness.bot.execute('stylize', { content, style_name: ',,,' }, contextFor('alice'));
    expect(reply).toMatchObject({ text: '",,," names no style: write a style\'s name, or a blend as starry-night:0.7, the-scream:0.3.', ephemeral: true });
  });

  it('runs a blend of library styles with colours preserved, and says so', async () => {
    const reply = await harness.bot.execute(
      'stylize',
      { content, style_name: 'starry-night:0.7, the-scream:0.3', size: 64, iterations: 3, preserve_colors: 'true', style_scale: '0.5' },
      contextFor('alice'),
    );
    expect(reply.text).toMatch(/^Queued job \S+ \(starry-night 70% \+ the-scream 30%\)/);
    const done = await waitForEvent(harness.events, harness.bot, (event) => event.job.id === reply.jobId && ['succeeded', 'failed'].includes(event.type));
    expect(done.type).toBe('succeeded');
    const job = harness.bot.job(reply.jobId!)!;
    expect(job.styles!.map((share) => share.weight)).toEqual([0.7, 0.3]);
    // Each style is the job's own copy, not the library's file.
    for (const share of job.styles!) expect(share.path.startsWith(harness.bot.dirs.uploads)).toBe(true);
    expect(job.options).toMatchObject({ preserveColors: true, styleScale: 0.5, multiScale: true });
  });

  it('refuses an unknown style inside a blend, suggesting the closest', async () => {
    const reply = await harness.bot.execute('stylize', { content, style_name: 'starry-night:0.5, teh-scream:0.5' }, contextFor('alice'));
    expect(reply.text).toBe('There is no style "teh-scream". Did you mean "the-scream"?');
  });

  it('takes a mask of the photo’s shape, and refuses another shape beside the mask field', async () => {
    const square = { bytes: await sharp({ create: { width: 50, height: 50, channels: 3, background: '#fff' } }).png().toBuffer(), name: 'mask.png' };
    const refused = await harness.bot.execute('stylize', { content, style_name: 'udnie', mask: square }, contextFor('bob'));
    expect(refused.refusal?.field).toBe('mask');
    expect(refused.text).toMatch(/^The mask is 50×50 but the photo is 512×384/);
    const fitting = { bytes: await sharp({ create: { width: 128, height: 96, channels: 3, background: '#000' } }).png().toBuffer(), name: 'mask.png' };
    const reply = await harness.bot.execute('stylize', { content, style_name: 'udnie', mask: fitting, size: 64, iterations: 2 }, contextFor('bob'));
    await waitForEvent(harness.events, harness.bot, (event) => event.job.id === reply.jobId && event.type === 'succeeded');
    const job = harness.bot.job(reply.jobId!)!;
    expect(job.maskPath).toBeDefined();
    // An all-black mask keeps the whole photo.
    const result = await sharp((await harness.bot.resultFiles(job)).png).raw().toBuffer();
    const photo = await sharp(content.bytes).resize(64, 48, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
    let maxDifference = 0;
    for (let i = 0; i < result.length; i++) maxDifference = Math.max(maxDifference, Math.abs(result[i]! - photo[i]!));
    expect(maxDifference).toBeLessThanOrEqual(2);
  });

  it('offers Less and More style only where a step is left, raw weights as far as the engine takes them', () => {
    const changes = (method: 'optimise' | 'best' | 'fast', options: Record<string, unknown>) => rerunChangesFor({ method, options });
    expect(changes('optimise', {})).toEqual(['less', 'more', 'seed']);
    expect(changes('optimise', { strength: 10 })).toEqual(['less', 'seed']);
    expect(changes('best', { strength: 1 })).toEqual(['more', 'seed']);
    expect(changes('optimise', { strength: 10, styleWeight: 1e4 })).toEqual(['less', 'more', 'seed']);
    // Raw weights step × or ÷ 3, up to the engine's most (a flood pressed More until the engine refused it).
    expect(changes('optimise', { styleWeight: 5e11 })).toEqual(['less', 'seed']);
    expect(changes('optimise', { contentWeight: 1e5 })).toEqual(['less', 'more', 'seed']);
    expect(changes('optimise', { styleWeight: 0 })).toEqual(['seed']);
    expect(changes('fast', {})).toEqual(['less', 'best']);
    expect(changes('fast', { strength: 6 })).toEqual(['less', 'more', 'best']);
    // The step of a rerun stays within the scale.
    expect(rerunOf({ method: 'optimise', options: { strength: 9 } }, 'more', 60).options.strength).toBe(10);
    expect(rerunOf({ method: 'optimise', options: { styleWeight: 3e4 } }, 'less', 60).options.styleWeight).toBe(1e4);
    expect(() => rerunOf({ method: 'optimise', options: { strength: 10 } }, 'more', 60)).toThrow('This picture cannot take more of the painting.');
    expect(rerunOf({ method: 'fast', options: { network: 'wave', strength: 8 } }, 'best', 60).options).toMatchObject({ network: 'wave', strength: 8, iterations: 60 });
  });

  it('migrates the store to the current schema', () => {
    const db = openDatabase(':memory:');
    expect(schemaVersion(db)).toBe(18);
    const columns = (table: string) => (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((column) => column.name);
    expect(columns('jobs')).toEqual(expect.arrayContaining(['styles', 'mask_path', 'method', 'photo_owner', 'background_styles']));
    expect(columns('styles')).toEqual(expect.arrayContaining(['network', 'community']));
    expect(columns('jobs')).toContain('community');
    expect(columns('community_settings')).toEqual(['community', 'key', 'value']);
    expect(columns('released_networks')).toEqual(['network', 'released_at']);
    expect(columns('saved_styles')).toEqual(['platform', 'user_id', 'name', 'path', 'saved_at']);
    expect(columns('contests')).toContain('reminded_at');
    expect(columns('jobs')).toEqual(expect.arrayContaining(['answered_at', 'cancelled_by_moderator']));
    expect(columns('contest_posts')).toEqual(['id', 'contest_id', 'entry_id', 'type', 'created_at', 'progress']);
    db.close();
  });

  it('takes the chat jobs that finished before the upgrade as answered, and those still to come as not', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'impasto-migrate-')), 'impasto.db');
    const older = openDatabase(path);
    const store = new JobStore(older);
    const discord = contextFor('dana', { platform: 'discord' });
    const newJob = { requester: discord.requester, origin: discord.origin, options: {}, contentPath: 'c.png', stylePath: 's.png', styleLabel: 'x' };
    const finished = store.create(newJob);
    store.markSucceeded(finished.id, { pngPath: 'r.png', gifPath: 'r.gif', width: 1, height: 1, elapsedMs: 1, iterations: 1, backend: 'wasm', losses: [] } as unknown as JobResult);
    const waiting = store.create(newJob);
    // The store as version 14 left it: no record of answers.
    older.exec('ALTER TABLE jobs DROP COLUMN answered_at; DELETE FROM schema_migrations WHERE version = 15;');
    older.close();

    const upgraded = openDatabase(path);
    const after = new JobStore(upgraded);
    expect(after.unanswered()).toEqual([]);
    after.markSucceeded(waiting.id, { pngPath: 'r.png', gifPath: 'r.gif', width: 1, height: 1, elapsedMs: 1, iterations: 1, backend: 'wasm', losses: [] } as unknown as JobResult);
    expect(after.unanswered().map((job) => job.id)).toEqual([waiting.id]);
    after.markAnswered(waiting.id);
    expect(after.unanswered()).toEqual([]);
    upgraded.close();
  });
});

describe('double presses', () => {
  // The store and queue are stand-ins here (jobs are not painted), so that the clock can be moved.
  it('takes the same member pressing the same button again while its job waits for a double press', async () => {
    const photo = join(await mkdtemp(join(tmpdir(), 'impasto-press-')), 'photo.png');
    await writeFile(photo, 'photo');
    const dana = contextFor('dana');
    const jobs = new Map<string, Job>();
    jobs.set('src', { id: 'src', seq: 1, requester: dana.requester, origin: dana.origin, status: 'succeeded', method: 'optimise', options: { strength: 5, seed: 1 }, contentPath: photo, stylePath: photo, styleLabel: 'x', attempts: 0, createdAt: 0 });
    const submit = async (_requester: unknown, prepare: () => NewJob | Promise<NewJob>): Promise<QueueEntry> => {
      const job = { ...(await prepare()), id: `j${jobs.size}`, status: 'queued' } as Job;
      jobs.set(job.id, job);
      return { job, lane: 'paint', position: 1, etaMs: 1_000, waitsForEngine: false };
    };
    let clock = 0;
    const rerun = createRerun({ store: { get: (id: string) => jobs.get(id) }, queue: { submit }, limits: { defaultIterations: 60 } } as unknown as Parameters<typeof createRerun>[0], () => clock);

    // A double click: two presses at once, one job.
    const [first, second] = await Promise.allSettled([rerun('src', dana, 'seed'), rerun('src', dana, 'seed')]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { jobId: 'j1' } });
    expect(second).toMatchObject({ status: 'rejected', reason: { message: 'You pressed that a moment ago: it is being queued.' } });
    clock += 2_000;
    await expect(rerun('src', dana, 'seed')).rejects.toThrow('You pressed that a moment ago: it is job j1.');
    // Another member, or another button, is another request.
    expect((await rerun('src', contextFor('eli'), 'seed')).jobId).toBe('j2');
    expect((await rerun('src', dana, 'more')).jobId).toBe('j3');
    // Once the first job has ended, or a few seconds on, the same press asks again.
    jobs.set('j1', { ...jobs.get('j1')!, status: 'succeeded' });
    expect((await rerun('src', dana, 'seed')).jobId).toBe('j4');
    clock += 6_000;
    expect((await rerun('src', dana, 'seed')).jobId).toBe('j5');
  });
});
