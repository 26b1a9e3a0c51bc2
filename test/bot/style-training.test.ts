import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { UploadedImage } from '../../src/bot/commands/types.ts';
import { messageForJob } from '../../src/bot/job-messages.ts';
import type { JobEvent } from '../../src/bot/jobs/queue.ts';
import { contextFor, startTestBot, waitForEnd, waitForEvent } from '../helpers/bot.ts';
import { sharedImagePath, writeTruncatedPhoto } from '../helpers/shared.ts';

/**
 * `/style train` end to end: the real bot, its three engine processes (the training lane's
 * included) and real training on tiny crops, from a photo folder made of the shared photos.
 */
let photosDir: string;
const moderator = contextFor('mod', { isModerator: true });

/** A tiny but real run: 32-px crops, two per step. */
const TINY = { IMPASTO_TRAINING_SIZE: '32', IMPASTO_TRAINING_BATCH: '2', IMPASTO_TRAINING_STEPS: '10' };

beforeAll(async () => {
  photosDir = await mkdtemp(join(tmpdir(), 'impasto-training-photos-'));
  // The first photo by name that decodes is the sample, kept out of training.
  await copyFile(sharedImagePath('content_tubingen.jpg'), join(photosDir, 'a-sample.jpg'));
  for (const name of ['content_beach_kites.jpg', 'content_dog.jpg', 'content_person.jpg']) await symlink(sharedImagePath(name), join(photosDir, name));
  // One the operator's folder should not hold: its header reads, its pixels do not. First by name, it
  // is not the sample (whose job would fail), and training skips it and says so.
  await writeTruncatedPhoto('content_person.jpg', join(photosDir, '0-truncated.jpg'));
});
afterAll(async () => {
  await rm(photosDir, { recursive: true, force: true });
});

async function addStyle(harness: Awaited<ReturnType<typeof startTestBot>>, name: string): Promise<void> {
  const image: UploadedImage = { bytes: new Uint8Array(await sharp(sharedImagePath('style_starry_night.jpg')).resize(96).jpeg().toBuffer()), name: 'starry.jpg' };
  const reply = await harness.bot.execute('style add', { name, image }, moderator);
  expect(reply.refusal).toBeUndefined();
}

const progressOf = (events: JobEvent[], jobId: string) => events.filter((event): event is Extract<JobEvent, { type: 'progress' }> => event.type === 'progress' && event.job.id === jobId);

describe('training a library style in chat', () => {
  let harness: Awaited<ReturnType<typeof startTestBot>>;
  let photo: UploadedImage;
  beforeAll(async () => {
    harness = await startTestBot({ ...TINY, IMPASTO_TRAINING_PHOTOS_DIR: photosDir });
    photo = { bytes: new Uint8Array(await sharp(sharedImagePath('content_dog.jpg')).resize(96).jpeg().toBuffer()), name: 'dog.jpg' };
    await addStyle(harness, 'starry');
  });
  afterAll(() => harness.stop());

  it('is for moderators, names unknown styles, and the style is fast once trained', async () => {
    expect((await harness.bot.execute('style train', { name: 'starry' }, contextFor('someone'))).refusal).toBeDefined();
    expect((await harness.bot.execute('style train', { name: 'stary' }, moderator)).text).toMatch(/There is no style "stary".*starry/);

    const reply = await harness.bot.execute('style train', { name: 'starry' }, moderator);
    expect(reply.text).toMatch(/training a fast network for "starry"/);
    const ended = await waitForEnd(harness.events, harness.bot, reply.jobId!);
    expect(ended.type === 'failed' ? ended.message : ended.type).toBe('succeeded');
    const job = harness.bot.job(reply.jobId!)!;
    expect(job.method).toBe('train');
    // A report per step (steps, loss terms), with the sample painted on the way.
    const progress = progressOf(harness.events, job.id);
    expect(progress.map((event) => event.progress.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(progress.every((event) => event.progress.terms !== undefined)).toBe(true);
    expect(progress.filter((event) => event.preview).length).toBeGreaterThan(0);
    expect(messageForJob(job).text).toMatch(/"starry" is now a fast style/);
    // The photo that did not decode was skipped, and the operator told, in the bot's log.
    const warnings = harness.logLines.map((line) => JSON.parse(line) as { level: number; msg: string; jobId?: string }).filter((line) => line.msg.startsWith('skipped the training photo'));
    expect(warnings).toEqual([expect.objectContaining({ level: 40, jobId: job.id, msg: `skipped the training photo 0-truncated.jpg: it could not be decoded (damaged or truncated, or removed from ${photosDir}); training goes on with the others` })]);

    // The sheet: the painting, the sample and the network's picture side by side; the GIF: the samples.
    const files = await harness.bot.resultFiles(job);
    const sheet = await sharp(files.png).metadata();
    expect(sheet.width!).toBeGreaterThan(2 * sheet.height!);
    expect((await sharp(files.gif, { animated: true }).metadata()).pages).toBeGreaterThan(2);
    // No checkpoint is left once it is done.
    expect(existsSync(`${job.result!.pngPath}.state`)).toBe(false);

    const style = harness.bot.library.in(moderator.requester.community).get('starry')!;
    expect(style.network).toBe('trained:web-starry');
    const painted = await harness.bot.execute('stylize', { content: photo, style_name: 'starry' }, contextFor('alice'));
    expect((await waitForEnd(harness.events, harness.bot, painted.jobId!)).type).toBe('succeeded');
    expect(harness.bot.job(painted.jobId!)).toMatchObject({ method: 'fast', options: { network: 'trained:web-starry' } });
  });

  it('trains a style once at a time: a second request, at once or later, is refused while the first is queued', async () => {
    await addStyle(harness, 'twice');
    const replies = await Promise.all([harness.bot.execute('style train', { name: 'twice' }, moderator), harness.bot.execute('style train', { name: 'twice' }, moderator)]);
    const queued = replies.filter((reply) => reply.jobId);
    expect(queued).toHaveLength(1);
    expect(replies.find((reply) => !reply.jobId)).toMatchObject({ text: '"twice" is already being trained; cancel that job first to train it again.', refusal: { field: 'name' } });
    const later = await harness.bot.execute('style train', { name: 'twice' }, moderator);
    expect(later.text).toBe(`"twice" is already being trained (job ${queued[0]!.jobId}); cancel that job first to train it again.`);
    await harness.bot.execute('cancel', { job: queued[0]!.jobId! }, moderator);
    await waitForEnd(harness.events, harness.bot, queued[0]!.jobId!);
    // Cancelled, it may be trained again.
    const again = await harness.bot.execute('style train', { name: 'twice' }, moderator);
    expect(again.jobId).toBeDefined();
    await harness.bot.execute('cancel', { job: again.jobId! }, moderator);
    await waitForEnd(harness.events, harness.bot, again.jobId!);
  });

  it('lets an interactive job go first: at most one training step while it runs', async () => {
    await addStyle(harness, 'starry-two');
    const training = await harness.bot.execute('style train', { name: 'starry-two', steps: 40 }, moderator);
    await waitForEvent(harness.events, harness.bot, (event) => event.type === 'progress' && event.job.id === training.jobId);
    // An optimisation of a few seconds: long enough for several training steps, were they not held.
    const painting = await harness.bot.execute('stylize', { content: photo, style_name: 'starry', mode: 'optimise', iterations: 12, size: 96 }, contextFor('bob'));
    await waitForEnd(harness.events, harness.bot, painting.jobId!);
    const started = harness.events.findIndex((event) => event.type === 'started' && event.job.id === painting.jobId);
    const ended = harness.events.findIndex((event) => event.job.id === painting.jobId && event.type === 'succeeded');
    expect(started).toBeGreaterThan(-1);
    // Counted from the painting's first report, not its start: the report of a training step that
    // ended just before the painting started comes through another process's pipe and may be read
    // after 'started' (seen once on a loaded machine: two reports, of one step before and one under
    // way). What may end while the painting runs is the step under way when it began.
    const firstReport = harness.events.findIndex((event) => event.type === 'progress' && event.job.id === painting.jobId);
    expect(firstReport).toBeGreaterThan(started);
    const stepsMeanwhile = harness.events.slice(firstReport, ended).filter((event) => event.type === 'progress' && event.job.id === training.jobId);
    expect(stepsMeanwhile.length).toBeLessThanOrEqual(1);
    // Once it is done, training carries on; cancelled, it keeps nothing to resume.
    const before = progressOf(harness.events, training.jobId!).length;
    await waitForEvent(harness.events, harness.bot, (event) => event.type === 'progress' && event.job.id === training.jobId && progressOf(harness.events, training.jobId!).length > before + 1);
    await harness.bot.execute('cancel', { job: training.jobId! }, moderator);
    expect((await waitForEnd(harness.events, harness.bot, training.jobId!)).type).toBe('cancelled');
    // The engine removes it as it stops (just after the bot has said so).
    await vi.waitFor(async () => expect((await readdir(join(harness.dataDir, 'results'))).filter((name) => name.endsWith('.state'))).toEqual([]), { timeout: 30_000 });
  });

  it('deletes a removed style’s network once no job needs it, and only its own', async () => {
    // "doomed" gets a copy of the network trained above; a training of it holds its name meanwhile.
    const networks = harness.bot.dirs.networks;
    const filesOf = (name: string) => [join(networks, `${name}.f32.bin`), join(networks, `${name}.json`)];
    await addStyle(harness, 'doomed');
    for (const [from, to] of filesOf('web-starry').map((path, index) => [path, filesOf('web-doomed')[index]!] as const)) await copyFile(from, to);
    const library = harness.bot.library.in(moderator.requester.community);
    harness.bot.library.linkNetwork(library.get('doomed')!, 'trained:web-doomed');
    const training = await harness.bot.execute('style train', { name: 'doomed' }, moderator);
    await waitForEvent(harness.events, harness.bot, (event) => event.type === 'progress' && event.job.id === training.jobId);

    expect((await harness.bot.execute('style remove', { name: 'doomed' }, moderator)).text).toMatch(/Removed style "doomed"/);
    // The training still runs under that name: nothing is deleted yet.
    expect(filesOf('web-doomed').every((path) => existsSync(path))).toBe(true);
    await harness.bot.execute('cancel', { job: training.jobId! }, moderator);
    await vi.waitFor(() => expect(filesOf('web-doomed').some((path) => existsSync(path))).toBe(false), { timeout: 30_000 });
    // The other style keeps its network, and is still fast.
    expect(filesOf('web-starry').every((path) => existsSync(path))).toBe(true);
    expect(library.get('starry')!.network).toBe('trained:web-starry');
  });
});

describe('training across a restart', () => {
  it('resumes from its last checkpoint, not from the first step', async () => {
    const first = await startTestBot({ ...TINY, IMPASTO_TRAINING_PHOTOS_DIR: photosDir, IMPASTO_TRAINING_STEPS: '30' });
    await addStyle(first, 'starry');
    const reply = await first.bot.execute('style train', { name: 'starry' }, moderator);
    // Checkpoints every 3 steps: stop after the 7th (its checkpoint is the 6th's).
    await waitForEvent(first.events, first.bot, (event) => event.type === 'progress' && event.job.id === reply.jobId && event.progress.iteration >= 7);
    await first.stop({ keepData: true });

    const second = await startTestBot({ ...TINY, IMPASTO_TRAINING_PHOTOS_DIR: photosDir, IMPASTO_TRAINING_STEPS: '30' }, undefined, first.dataDir);
    try {
      expect((await waitForEnd(second.events, second.bot, reply.jobId!)).type).toBe('succeeded');
      const steps = progressOf(second.events, reply.jobId!).map((event) => event.progress.iteration);
      expect(steps[0]).toBeGreaterThanOrEqual(7);
      expect(steps.at(-1)).toBe(30);
    } finally {
      await second.stop();
    }
  });
});

describe('training photos in chat', () => {
  it('says when training is not set up, or its folder has nothing to learn from (to the operator at the start too)', async () => {
    const off = await startTestBot(TINY);
    try {
      await addStyle(off, 'starry');
      expect((await off.bot.execute('style train', { name: 'starry' }, moderator)).text).toMatch(/IMPASTO_TRAINING_PHOTOS_DIR/);
    } finally {
      await off.stop();
    }
    const empty = join(photosDir, '..', `impasto-empty-${process.pid}`);
    await mkdir(empty, { recursive: true });
    const bare = await startTestBot({ ...TINY, IMPASTO_TRAINING_PHOTOS_DIR: empty });
    try {
      await addStyle(bare, 'starry');
      // The folder's path is the operator's: the moderator is told whose it is to mend, the log why.
      expect((await bare.bot.execute('style train', { name: 'starry' }, moderator)).text).toBe('Training cannot start: this bot’s training photos cannot be used right now (its operator’s log says why).');
      const warnings = bare.logLines.filter((line) => line.includes('"level":40') && line.includes(empty)).map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(warnings).toEqual([
        // Said at the start too: the operator reads that before a moderator asks.
        `IMPASTO_TRAINING_PHOTOS_DIR: The photo folder ${empty} has no JPEG or PNG photos to train on. /style train refuses until it can be used.`,
        `/style train refused: The photo folder ${empty} has no JPEG or PNG photos to train on.`,
      ]);
    } finally {
      await bare.stop();
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('fails a training whose photos, but for the sample, do not decode: with no path for the moderator, and the folder in the log', async () => {
    const damaged = await mkdtemp(join(tmpdir(), 'impasto-damaged-photos-'));
    await copyFile(sharedImagePath('content_tubingen.jpg'), join(damaged, 'a-sample.jpg'));
    await writeTruncatedPhoto('content_person.jpg', join(damaged, 'b-truncated.jpg'));
    const harness = await startTestBot({ ...TINY, IMPASTO_TRAINING_PHOTOS_DIR: damaged });
    try {
      await addStyle(harness, 'starry');
      const reply = await harness.bot.execute('style train', { name: 'starry' }, moderator);
      const ended = await waitForEnd(harness.events, harness.bot, reply.jobId!);
      expect(ended.type === 'failed' ? ended.message : ended.type).toBe('The training photos here cannot be used (the operator’s log says why).');
      expect(messageForJob(harness.bot.job(reply.jobId!)!).text).not.toContain(damaged);
      const warnings = harness.logLines.map((line) => JSON.parse(line) as { level: number; msg: string; jobId?: string }).filter((line) => line.level === 40 && line.jobId === reply.jobId);
      expect(warnings.map((line) => line.msg)).toEqual([
        `skipped the training photo b-truncated.jpg: it could not be decoded (damaged or truncated, or removed from ${damaged}); training goes on with the others`,
        `None of the 1 photos in ${damaged} can be decoded any more: give a folder of JPEG or PNG photos.`,
      ]);
    } finally {
      await harness.stop();
      await rm(damaged, { recursive: true, force: true });
    }
  });
});
