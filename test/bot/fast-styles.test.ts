import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadedImage } from '../../src/bot/commands/types.ts';
import { messageForJob } from '../../src/bot/job-messages.ts';
import { contextFor, startTestBot, waitForEvent, waitForEnd } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';

// The real bot, engine workers (both lanes) and shipped library, with the shared fast networks.
let harness: Awaited<ReturnType<typeof startTestBot>>;
let photo: UploadedImage;

beforeAll(async () => {
  harness = await startTestBot({ IMPASTO_DEFAULT_LIBRARY: 'true' });
  // A small photo: fast results are painted at the photo's own size when it is below the default.
  photo = { bytes: new Uint8Array(await sharp(sharedImagePath('content_dog.jpg')).resize(128).jpeg().toBuffer()), name: 'dog.jpg' };
});
afterAll(() => harness.stop());

const finished = (jobId: string) => waitForEnd(harness.events, harness.bot, jobId);

describe('fast styles in chat', () => {
  it('answers a style marked fast with the network’s picture first, offering to paint it properly', async () => {
    const reply = await harness.bot.execute('stylize', { content: photo, style_name: 'the-scream' }, contextFor('alice'));
    expect(reply.refusal).toBeUndefined();
    const event = await finished(reply.jobId!);
    expect(event.type).toBe('succeeded');
    const job = harness.bot.job(reply.jobId!)!;
    expect(job.method).toBe('fast');
    expect(job.options).toEqual({ network: 'scream', size: 128, preserveColors: false });
    expect(job.result).toMatchObject({ width: 128, height: 96, iterations: 1 });
    const message = messageForJob(job);
    expect(message.details).toMatch(/one pass of the scream network · strength 10/);
    // Full strength: less of it, or the optimisation; no "more" and no seed for a network.
    expect(message.actions.map((action) => action.kind === 'rerun' && action.label)).toEqual(['Less style', 'Paint it properly']);
    const gif = await sharp((await harness.bot.resultFiles(job)).gif, { animated: true }).metadata();
    expect(gif.pages).toBeGreaterThan(2);
  });

  it('paints it properly: the optimisation of the same photo and painting, started from the network’s picture', async () => {
    const fast = await harness.bot.execute('stylize', { content: photo, style_name: 'great-wave' }, contextFor('bob'));
    await finished(fast.jobId!);
    const best = await harness.bot.rerun(fast.jobId!, contextFor('bob'), 'best');
    expect(best.text).toMatch(/painted properly from the fast picture/);
    expect((await finished(best.jobId!)).type).toBe('succeeded');
    const job = harness.bot.job(best.jobId!)!;
    expect(job.method).toBe('best');
    // The fast picture's strength (10, the network alone): at the optimisation's default of 5 it
    // pulled the picture most of the way back to the photo.
    expect(job.options).toMatchObject({ network: 'wave', size: 128, iterations: 60, strength: 10 });
    expect(job.styleLabel).toBe('great-wave');
    expect(messageForJob(job).details).toMatch(/started from the wave network's picture/);
    // A finished optimisation offers the usual buttons again, but no "more" past the top.
    expect(messageForJob(job).actions.map((action) => action.kind === 'rerun' && action.change)).toEqual(['less', 'seed']);
    // A fast result cannot take "more" than the network alone.
    const refused = await harness.bot.rerun(fast.jobId!, contextFor('bob'), 'more');
    expect(refused.refusal).toBeDefined();
  });

  it('paints by optimisation when an optimisation option is given, and says which does not apply to mode fast', async () => {
    const optimised = await harness.bot.execute('stylize', { content: photo, style_name: 'the-scream', iterations: 4 }, contextFor('carol'));
    expect(harness.bot.job(optimised.jobId!)!.method).toBe('optimise');
    const refused = await harness.bot.execute('stylize', { content: photo, style_name: 'the-scream', mode: 'fast', optimizer: 'adam' }, contextFor('carol'));
    expect(refused.refusal?.field).toBe('optimizer');
    expect(refused.text).toMatch(/optimizer does not apply to mode fast/);
    const noNetwork = await harness.bot.execute('stylize', { content: photo, style_name: 'starry-night', mode: 'best' }, contextFor('carol'));
    expect(noNetwork.refusal?.field).toBe('mode');
    await finished(optimised.jobId!);
  });

  it('runs a fast job in its own lane: submitted while an optimisation runs, it finishes first', async () => {
    const long = await harness.bot.execute('stylize', { content: photo, style_name: 'starry-night', size: 256, iterations: 300 }, contextFor('dave'));
    expect(long.refusal).toBeUndefined();
    await waitForEvent(harness.events, harness.bot, (event) => event.job.id === long.jobId && event.type === 'progress');
    const fast = await harness.bot.execute('stylize', { content: photo, style_name: 'the-scream' }, contextFor('erin'));
    // Its own lane: it does not wait behind the optimisation.
    expect(fast.text).toMatch(/It starts next/);
    expect((await finished(fast.jobId!)).type).toBe('succeeded');
    expect(harness.bot.job(long.jobId!)!.status).toBe('running');
    const queue = await harness.bot.execute('queue', {}, contextFor('dave'));
    expect(queue.text).toMatch(/running/);
    await harness.bot.execute('cancel', { job: long.jobId! }, contextFor('dave'));
    expect((await finished(long.jobId!)).type).toBe('cancelled');
  });
});
