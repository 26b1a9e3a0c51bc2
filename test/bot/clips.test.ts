import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadedImage } from '../../src/bot/commands/types.ts';
import { messageForEvent, messageForJob } from '../../src/bot/job-messages.ts';
import { syntheticClip } from '../../src/engine/clip/synthetic.ts';
import { encodeGif } from '../../src/engine/gif.ts';
import { decodeClip } from '../../src/engine/clip/decode.ts';
import { encodeMp4 } from '../../src/engine/clip/encode.ts';
import { animatedAvif } from '../helpers/avif.ts';
import { contextFor, startTestBot, waitForEvent, waitForEnd } from '../helpers/bot.ts';
import { loadSharedImage } from '../helpers/shared.ts';

// The real bot and engine workers with the shipped library; a GIF made here from the shared photos.
let harness: Awaited<ReturnType<typeof startTestBot>>;
let gif: UploadedImage;
const DELAYS = [80, 80, 160, 80, 80, 400];

beforeAll(async () => {
  harness = await startTestBot({ IMPASTO_DEFAULT_LIBRARY: 'true', IMPASTO_MAX_ITERATIONS: '6', IMPASTO_CLIP_MAX_FRAMES: '8', IMPASTO_PROGRESS_INTERVAL_MS: '0' });
  const clip = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 6, width: 96, height: 72 });
  gif = { bytes: await encodeGif(clip.frames, { delaysMs: DELAYS, maxSide: 96 }), name: 'street.gif' };
});
afterAll(() => harness.stop());

const finished = (jobId: string) => waitForEnd(harness.events, harness.bot, jobId);

describe('clips in chat', () => {
  it('paints a GIF frame by frame with a fast style, keeping its timing', async () => {
    const reply = await harness.bot.execute('stylize', { content: gif, style_name: 'the-scream' }, contextFor('alice'));
    expect(reply.refusal).toBeUndefined();
    expect((await finished(reply.jobId!)).type).toBe('succeeded');
    const job = harness.bot.job(reply.jobId!)!;
    expect(job.options).toMatchObject({ network: 'scream', clipFrames: 6, size: 96 });
    expect(messageForJob(job).details).toMatch(/one pass of the scream network · strength 10 · 6 frames$/);
    const animation = await sharp((await harness.bot.resultFiles(job)).gif, { animated: true }).metadata();
    expect(animation.pages).toBe(6);
    expect(animation.delay).toEqual(DELAYS);
  });

  it('paints a GIF by optimisation, each frame from the one before, counting frames as it goes', async () => {
    const reply = await harness.bot.execute('stylize', { content: gif, style_name: 'starry-night', iterations: 4 }, contextFor('bob'));
    const progress = await waitForEvent(harness.events, harness.bot, (event) => event.job.id === reply.jobId && event.type === 'progress');
    expect(messageForEvent(progress).text).toMatch(/· frame \d\/6 \(iteration \d\/\d\) ·/);
    expect((await finished(reply.jobId!)).type).toBe('succeeded');
    const job = harness.bot.job(reply.jobId!)!;
    expect(job.method).toBe('optimise');
    expect(messageForJob(job).details).toMatch(/6 frames, each from the one before \(temporally consistent\)/);
    expect((await sharp((await harness.bot.resultFiles(job)).gif, { animated: true }).metadata()).pages).toBe(6);
  });

  it('answers a video with a video (and the GIF), at the same frame count', async () => {
    const clip = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 5, width: 96, height: 72 });
    const video = { bytes: await encodeMp4(clip.frames, clip.frames.map(() => 100)), name: 'street.mp4' };
    const reply = await harness.bot.execute('stylize', { content: video, style_name: 'the-scream' }, contextFor('dora'));
    expect((await finished(reply.jobId!)).type).toBe('succeeded');
    const job = harness.bot.job(reply.jobId!)!;
    expect(messageForJob(job).files.map((file) => file.kind)).toEqual(['png', 'gif', 'mp4']);
    const files = await harness.bot.resultFiles(job);
    const answered = await decodeClip(files.mp4!);
    expect(answered.kind).toBe('video');
    expect(answered.frames).toHaveLength(5);
    expect((await sharp(files.gif, { animated: true }).metadata()).pages).toBe(5);
  });

  it('answers an animated AVIF with an animation: the GIF, and no MP4', async () => {
    const clip = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 4, width: 96, height: 72 });
    const avif = { bytes: await animatedAvif(clip.frames, 8), name: 'street.avif' };
    const reply = await harness.bot.execute('stylize', { content: avif, style_name: 'the-scream' }, contextFor('eli'));
    expect((await finished(reply.jobId!)).type).toBe('succeeded');
    const job = harness.bot.job(reply.jobId!)!;
    expect(job.options).toMatchObject({ clipFrames: 4 });
    expect(messageForJob(job).files.map((file) => file.kind)).toEqual(['png', 'gif']);
    const animation = await sharp((await harness.bot.resultFiles(job)).gif, { animated: true }).metadata();
    expect(animation.pages).toBe(4);
    // 8 frames a second: 125 ms each, which a GIF (in hundredths) keeps as 120.
    expect(animation.delay).toEqual([120, 120, 120, 120]);
  });

  it('paints only the person in a clip, found in every frame', async () => {
    // The standing person, with the dog photo's patch sliding past beside them.
    const clip = await syntheticClip(await loadSharedImage('content_person.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 4, width: 192, height: 128, speed: 6 });
    const reply = await harness.bot.execute('stylize', { content: { bytes: await encodeGif(clip.frames, { maxSide: 192 }), name: 'walk.gif' }, style_name: 'the-scream', target: 'person' }, contextFor('erin'));
    expect((await finished(reply.jobId!)).type).toBe('succeeded');
    const job = harness.bot.job(reply.jobId!)!;
    expect(messageForJob(job).details).toMatch(/· the person only · 4 frames$/);
    // The background stays the photo: the result's first frame is close to the input's far from the person.
    const { data } = await sharp((await harness.bot.resultFiles(job)).png).raw().toBuffer({ resolveWithObject: true });
    let change = 0;
    for (let y = 0; y < 20; y++) for (let x = 0; x < 192; x++) for (let c = 0; c < 3; c++) change += Math.abs(data[3 * (y * 192 + x) + c]! - clip.frames[0]!.data[3 * (y * 192 + x) + c]!);
    expect(change / (20 * 192 * 3)).toBeLessThan(4);
  });

  it('paints a fast clip properly from its button: by optimisation, the first frame from the network’s picture', async () => {
    const fast = await harness.bot.execute('stylize', { content: gif, style_name: 'the-scream' }, contextFor('carol'));
    await finished(fast.jobId!);
    const best = await harness.bot.rerun(fast.jobId!, contextFor('carol'), 'best');
    expect((await finished(best.jobId!)).type).toBe('succeeded');
    const job = harness.bot.job(best.jobId!)!;
    expect(job.method).toBe('best');
    expect(job.options).toMatchObject({ network: 'scream', clipFrames: 6 });
    expect(messageForJob(job).details).toMatch(/started from the scream network's picture .* 6 frames, each from the one before/);
    expect((await sharp((await harness.bot.resultFiles(job)).gif, { animated: true }).metadata()).pages).toBe(6);
  });

  it('refuses a clip past the frame limit, or too narrow to paint, at once', async () => {
    const long = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 10, width: 64, height: 48 });
    const tooLong = await harness.bot.execute('stylize', { content: { bytes: await encodeGif(long.frames, { maxSide: 64 }), name: 'long.gif' }, style_name: 'the-scream' }, contextFor('frank'));
    expect(tooLong.refusal?.field).toBe('content');
    expect(tooLong.text).toBe('The animation has 10 frames; clips may have up to 8.');
    const strip = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 2, width: 680, height: 40 });
    const tooNarrow = await harness.bot.execute('stylize', { content: { bytes: await encodeGif(strip.frames, { maxSide: 680 }), name: 'strip.gif' }, style_name: 'the-scream' }, contextFor('frank'));
    expect(tooNarrow.text).toBe('The clip is 680×40: too narrow to paint. Its long side may be at most 16 times its short side; crop it.');
    expect(harness.bot.jobsOf('web', 'frank')).toHaveLength(0);
  });

  it('refuses a video where ffmpeg is missing in a chat’s words: send a GIF instead', async () => {
    const clip = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 3, width: 64, height: 48 });
    const video = { bytes: await encodeMp4(clip.frames, clip.frames.map(() => 100)), name: 'street.mp4' };
    // ffmpeg is looked up on PATH: emptied here, in this test's process only, for the one command.
    const path = process.env.PATH;
    process.env.PATH = '';
    const refused = await harness.bot.execute('stylize', { content: video, style_name: 'the-scream' }, contextFor('gina')).finally(() => {
      process.env.PATH = path;
    });
    expect(refused.refusal?.field).toBe('content');
    expect(refused.text).toBe('Videos and animated AVIFs need ffmpeg, which is not installed where this bot runs: send the clip as an animated GIF instead.');
    expect(harness.bot.jobsOf('web', 'gina')).toHaveLength(0);
  });
});
