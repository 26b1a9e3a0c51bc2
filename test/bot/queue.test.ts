import { readFile, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadedImage } from '../../src/bot/commands/types.ts';
import { messageForEvent } from '../../src/bot/job-messages.ts';
import { finalEventOf, type JobEvent } from '../../src/bot/jobs/queue.ts';
import { contextFor, startTestBot, waitForEvent } from '../helpers/bot.ts';
import { heicOf } from '../helpers/heic.ts';
import { sharedImagePath } from '../helpers/shared.ts';

let harness: Awaited<ReturnType<typeof startTestBot>>;
let content: UploadedImage;
let style: UploadedImage;

beforeAll(async () => {
  harness = await startTestBot({ IMPASTO_MAX_QUEUED_PER_USER: '2', IMPASTO_MAX_QUEUE: '4' });
  content = { bytes: await readFile(sharedImagePath('content_tubingen.jpg')), name: 'tubingen.jpg' };
  style = { bytes: await readFile(sharedImagePath('style_starry_night.jpg')), name: 'starry.jpg' };
});
afterAll(() => harness.stop());

const small = { size: 64, iterations: 3 };
const eventsOf = (jobId: string) => harness.events.filter((event) => event.job.id === jobId);

describe('jobs through the queue and the engine worker', () => {
  it('runs a job: queued with position and ETA, started, progress, then a PNG and an animated GIF', async () => {
    const reply = await harness.bot.execute('stylize', { content, style, ...small }, contextFor('alice'));
    expect(reply.text).toMatch(/^Queued job \S+ \(uploaded image\)\. It starts next; done in about \d+ (s|min)\.$/);
    const jobId = reply.jobId!;
    await waitForEvent(harness.events, harness.bot, (event) => event.job.id === jobId && ['succeeded', 'failed'].includes(event.type));
    const types = eventsOf(jobId).map((event) => event.type);
    expect(types[0]).toBe('queued');
    expect(types[1]).toBe('started');
    expect(types.filter((type) => type === 'progress').length).toBe(3);
    expect(types.at(-1)).toBe('succeeded');
    const job = harness.bot.job(jobId)!;
    expect(job.status).toBe('succeeded');
    expect(job.options).toMatchObject({ size: 64, iterations: 3, strength: 5, optimizer: 'lbfgs' });
    expect(job.result).toMatchObject({ width: 64, height: 48, iterations: 3, backend: 'onnxruntime' });
    const files = await harness.bot.resultFiles(job);
    expect((await sharp(files.png).metadata()).format).toBe('png');
    const gif = await sharp(files.gif, { animated: true }).metadata();
    expect(gif.format).toBe('gif');
    expect(gif.pages).toBeGreaterThan(1);
    const progress = eventsOf(jobId).filter((event): event is Extract<JobEvent, { type: 'progress' }> => event.type === 'progress');
    expect(progress.map((event) => event.progress.iteration)).toEqual([1, 2, 3]);
    expect(progress.some((event) => event.preview && event.preview.byteLength > 0)).toBe(true);
  });

  it('refuses a job over the per-user limit, saying what the limit is', async () => {
    const ids: string[] = [];
    // One runs, two wait: the limit is two waiting per person.
    for (let i = 0; i < 3; i++) ids.push((await harness.bot.execute('stylize', { content, style, size: 64, iterations: 40 }, contextFor('bob'))).jobId!);
    const refused = await harness.bot.execute('stylize', { content, style, ...small }, contextFor('bob'));
    expect(refused.ephemeral).toBe(true);
    expect(refused.text).toBe('You already have 2 jobs waiting; the limit is 2 per person. Wait for one to finish, or cancel one.');
    // A different user still gets in, and the queue shows everyone in order.
    const carol = await harness.bot.execute('stylize', { content, style, ...small }, contextFor('carol'));
    expect(carol.text).toMatch(/Position 3 in the queue/);
    const queue = await harness.bot.execute('queue', {}, contextFor('carol'));
    const lines = queue.text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^running .* by user-bob/);
    expect(lines[3]).toMatch(/^#3 · job \S+ by user-carol \(yours\)/);

    // The global cap: four waiting in all.
    const dave = await harness.bot.execute('stylize', { content, style, ...small }, contextFor('dave'));
    expect(dave.jobId).toBeDefined();
    const erin = await harness.bot.execute('stylize', { content, style, ...small }, contextFor('erin'));
    expect(erin.text).toBe('The queue is full (4 jobs waiting). Try again in a few minutes.');

    // Cancel: a waiting job leaves the queue and never starts; the running one stops within an iteration.
    const cancelQueued = await harness.bot.execute('cancel', { job: ids[2]! }, contextFor('bob'));
    expect(cancelQueued.text).toBe(`Cancelled job ${ids[2]}.`);
    const notYours = await harness.bot.execute('cancel', { job: ids[1]! }, contextFor('carol'));
    expect(notYours.text).toBe("You can cancel only your own jobs (moderators can cancel anyone's here).");
    await waitForEvent(harness.events, harness.bot, (event) => event.job.id === ids[0] && event.type === 'progress');
    const byModerator = await harness.bot.execute('cancel', { job: ids[0]! }, contextFor('mod', { isModerator: true }));
    expect(byModerator.text).toBe(`Cancelled job ${ids[0]}.`);
    await harness.bot.idle();
    expect(harness.bot.job(ids[0]!)!.status).toBe('cancelled');
    expect(harness.bot.job(ids[0]!)!.progress!.iteration).toBeLessThan(40);
    expect(eventsOf(ids[2]!).map((event) => event.type)).toEqual(['queued', 'cancelled']);
    // Who cancelled is kept with the job: its answer says so, and so does one sent again by a restarted bot.
    const cancelledText = (id: string) => [messageForEvent(eventsOf(id).at(-1)!).text, messageForEvent(finalEventOf(harness.bot.job(id)!)!).text];
    expect(cancelledText(ids[0]!)).toEqual(Array(2).fill(`Job ${ids[0]} was cancelled by a moderator.`));
    expect(cancelledText(ids[2]!)).toEqual(Array(2).fill(`Job ${ids[2]} was cancelled.`));
    expect(harness.bot.job(ids[1]!)!.status).toBe('succeeded');
    expect(harness.bot.job(carol.jobId!)!.status).toBe('succeeded');
  });

  it('fails a job whose input broke on disk with a clear message, and goes on with the next', async () => {
    // A first job keeps the engine busy while the second one's file is damaged.
    await harness.bot.execute('stylize', { content, style, size: 64, iterations: 20 }, contextFor('eve'));
    const broken = await harness.bot.execute('stylize', { content, style, ...small }, contextFor('frank'));
    const next = await harness.bot.execute('stylize', { content, style, ...small }, contextFor('grace'));
    await writeFile(harness.bot.job(broken.jobId!)!.contentPath, 'not a png any more');
    await harness.bot.idle();
    const failed = harness.bot.job(broken.jobId!)!;
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe('The style engine failed on this job. Try again, perhaps with a smaller size.');
    expect(harness.bot.job(next.jobId!)!.status).toBe('succeeded');
  });

  it('checks uploads before queueing: a text file named .jpg is refused with a specific message', async () => {
    const fake = { bytes: new TextEncoder().encode('<html>not an image</html>'), name: 'photo.jpg' };
    const reply = await harness.bot.execute('stylize', { content: fake, style, ...small }, contextFor('heidi'));
    expect(reply).toEqual({ text: 'The content image is not an image; send a JPEG, PNG, WebP, HEIC, AVIF or GIF.', ephemeral: true, refusal: { field: 'content', code: 'not_an_image' } });
    // An empty file is told as such, not failed as the bot's own error.
    const empty = await harness.bot.execute('stylize', { content: { bytes: new Uint8Array(0), name: 'photo.jpg' }, style, ...small }, contextFor('heidi'));
    expect(empty).toEqual({ text: 'The content image is an empty file.', ephemeral: true, refusal: { field: 'content', code: 'empty_file' } });
  });

  it('paints an iPhone’s HEIC photo with a HEIC painting, as it paints a JPEG', async () => {
    const [photo, painting] = await Promise.all([heicOf(content.bytes), heicOf(style.bytes)]);
    const reply = await harness.bot.execute('stylize', { content: { bytes: photo, name: 'IMG_0042.HEIC' }, style: { bytes: painting, name: 'starry.heic' }, ...small }, contextFor('ivan'));
    const ended = await waitForEvent(harness.events, harness.bot, (event) => event.job.id === reply.jobId && ['succeeded', 'failed'].includes(event.type));
    expect(ended.type).toBe('succeeded');
    expect(harness.bot.job(reply.jobId!)!.result).toMatchObject({ width: 64, height: 48 });
  });

  it('asks for a style when none is given, and refuses two', async () => {
    // On the playground, where no style can be saved, without the chats' word on saving one.
    expect((await harness.bot.execute('stylize', { content }, contextFor('ivan'))).text).toBe('Which style? Upload a style image, or name a library style with style_name (see /styles).');
    expect((await harness.bot.execute('stylize', { content, style, style_name: 'x' }, contextFor('ivan'))).text).toBe('Give either a style image or a style_name, not both.');
  });

  it('paints at the default size, but never upscales a smaller photo unless asked', async () => {
    const tiny = { bytes: await sharp(content.bytes).resize(200).jpeg().toBuffer(), name: 'tiny.jpg' };
    const byDefault = await harness.bot.execute('stylize', { content: tiny, style, iterations: 1 }, contextFor('judy'));
    expect(harness.bot.job(byDefault.jobId!)!.options.size).toBe(200);
    const asked = await harness.bot.execute('stylize', { content: tiny, style, iterations: 1, size: 300 }, contextFor('judy'));
    expect(harness.bot.job(asked.jobId!)!.options.size).toBe(300);
    const large = await harness.bot.execute('stylize', { content, style, iterations: 1 }, contextFor('karl'));
    expect(harness.bot.job(large.jobId!)!.options.size).toBe(512);
    for (const reply of [byDefault, asked, large]) await harness.bot.execute('cancel', { job: reply.jobId! }, contextFor(reply === large ? 'karl' : 'judy'));
    await harness.bot.idle();
  });

  it('keeps the photo at the size it paints: a large one is shrunk as it is decoded, a small one is not enlarged', async () => {
    const large = { bytes: await sharp(content.bytes).resize(2400, 1800).jpeg({ quality: 90 }).toBuffer(), name: 'phone.jpg' };
    const tiny = { bytes: await sharp(content.bytes).resize(200).jpeg().toBuffer(), name: 'tiny.jpg' };
    const shrunk = await harness.bot.execute('stylize', { content: large, style, iterations: 1, size: 300 }, contextFor('liam'));
    const kept = await harness.bot.execute('stylize', { content: tiny, style, iterations: 1, size: 300 }, contextFor('mona'));
    const sizeOf = async (jobId: string) => {
      const { width, height } = await sharp(harness.bot.job(jobId)!.contentPath).metadata();
      return [width, height];
    };
    expect(await sizeOf(shrunk.jobId!)).toEqual([300, 225]);
    expect(await sizeOf(kept.jobId!)).toEqual([200, 150]);
    await harness.bot.execute('cancel', { job: shrunk.jobId! }, contextFor('liam'));
    await harness.bot.execute('cancel', { job: kept.jobId! }, contextFor('mona'));
    await harness.bot.idle();
  });
});

describe('/queue with a long queue', () => {
  it('lists its head and the asker’s own jobs further back, and counts the rest', async () => {
    // Not started: nothing runs, so every job waits where it was put.
    const long = await startTestBot({ IMPASTO_MAX_QUEUE: '100', IMPASTO_MAX_QUEUED_PER_COMMUNITY: '100' }, undefined, undefined, { start: false });
    try {
      for (let i = 0; i < 14; i++) await long.bot.execute('stylize', { content, style, ...small }, contextFor(`member${i}`));
      await long.bot.execute('stylize', { content, style, ...small }, contextFor('carol'));
      await long.bot.execute('stylize', { content, style, ...small }, contextFor('member99'));
      const lines = (await long.bot.execute('queue', {}, contextFor('carol'))).text.split('\n');
      expect(lines).toHaveLength(12);
      expect(lines.slice(0, 10).map((line) => /by (\S+)/.exec(line)![1])).toEqual(Array.from({ length: 10 }, (_, i) => `user-member${i}`));
      expect(lines[10]).toBe('…and 5 more jobs waiting');
      // Positions count from the job at the head (#0 would be running).
      expect(lines[11]).toMatch(/^#14 · job \S+ by user-carol \(yours\) · /);
      // One whose jobs are all in the head sees the head and the count.
      expect((await long.bot.execute('queue', {}, contextFor('member0'))).text.split('\n').slice(9)).toEqual([expect.stringMatching(/by user-member9 ·/), '…and 6 more jobs waiting']);
    } finally {
      await long.stop();
    }
  });
});
