import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadedImage } from '../../src/bot/commands/types.ts';
import { messageForJob } from '../../src/bot/job-messages.ts';
import { contextFor, startTestBot, waitForEnd } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';

// The real bot and engine workers, the shipped library with its fast networks, and the shared selfie model.
let harness: Awaited<ReturnType<typeof startTestBot>>;
let person: UploadedImage;
let houses: UploadedImage;

beforeAll(async () => {
  harness = await startTestBot({ IMPASTO_DEFAULT_LIBRARY: 'true', IMPASTO_MAX_ITERATIONS: '4' });
  const small = async (name: string) => new Uint8Array(await sharp(sharedImagePath(name)).resize(192).jpeg().toBuffer());
  person = { bytes: await small('content_person.jpg'), name: 'person.jpg' };
  houses = { bytes: await small('content_tubingen.jpg'), name: 'houses.jpg' };
});
afterAll(() => harness.stop());

const finished = (jobId: string) => waitForEnd(harness.events, harness.bot, jobId);

describe('target and background_style in chat', () => {
  it('paints only the person with a fast style, and says so with the result', async () => {
    const reply = await harness.bot.execute('stylize', { content: person, style_name: 'the-scream', target: 'person' }, contextFor('alice'));
    expect(reply.refusal).toBeUndefined();
    expect((await finished(reply.jobId!)).type).toBe('succeeded');
    const job = harness.bot.job(reply.jobId!)!;
    expect(job.options).toMatchObject({ network: 'scream', target: 'person' });
    expect(messageForJob(job).details).toMatch(/one pass of the scream network · strength 10 · the person only$/);
  });

  it('paints the person and the background in two fast styles', async () => {
    const reply = await harness.bot.execute('stylize', { content: person, style_name: 'the-scream', background_style: 'great-wave' }, contextFor('bob'));
    expect((await finished(reply.jobId!)).type).toBe('succeeded');
    const job = harness.bot.job(reply.jobId!)!;
    expect(job.method).toBe('fast');
    expect(job.options).toMatchObject({ network: 'scream', backgroundNetwork: 'wave' });
    expect(job.styleLabel).toBe('the-scream on the person, great-wave behind');
    expect(messageForJob(job).details).toMatch(/one pass of the scream and wave networks/);
    // Its GIF opens on what the segmentation found: one frame more than a plain fast job's wipe.
    const gif = await sharp((await harness.bot.resultFiles(job)).gif, { animated: true }).metadata();
    expect(gif.pages).toBe(13);
  });

  it('paints a split by optimisation when the background style has no network', async () => {
    const reply = await harness.bot.execute('stylize', { content: person, style_name: 'the-scream', background_style: 'starry-night' }, contextFor('carol'));
    expect((await finished(reply.jobId!)).type).toBe('succeeded');
    const job = harness.bot.job(reply.jobId!)!;
    expect(job.method).toBe('optimise');
    expect(job.background).toHaveLength(1);
    // Mode fast cannot: it says which style is missing a network.
    const refused = await harness.bot.execute('stylize', { content: person, style_name: 'the-scream', background_style: 'starry-night', mode: 'fast' }, contextFor('carol'));
    expect(refused.refusal?.field).toBe('background_style');
    expect(refused.text).toMatch(/"starry-night" has no fast network/);
  });

  it('tells the user when there is no person in the photo, and refuses a mask with a target', async () => {
    const reply = await harness.bot.execute('stylize', { content: houses, style_name: 'the-scream', target: 'person' }, contextFor('dan'));
    const event = await finished(reply.jobId!);
    expect(event.type).toBe('failed');
    expect(messageForJob(harness.bot.job(reply.jobId!)!).text).toMatch(/failed: I couldn't find a person in this photo/);

    const both = await harness.bot.execute('stylize', { content: person, style_name: 'the-scream', target: 'background', mask: person }, contextFor('dan'));
    expect(both.refusal?.field).toBe('mask');
    const unknown = await harness.bot.execute('stylize', { content: person, style_name: 'the-scream', background_style: 'no-such-style' }, contextFor('dan'));
    expect(unknown.refusal?.field).toBe('background_style');
  });

  it('refuses a target or a background style at once where no person model is installed, beside the option given (always target: it has a default), and paints the rest', async () => {
    const bare = await startTestBot({ IMPASTO_DEFAULT_LIBRARY: 'true', IMPASTO_SEGMENTATION_WEIGHTS_DIR: join(tmpdir(), `impasto-no-model-${process.pid}`) });
    try {
      const refusal = 'This bot has no person-segmentation model installed, so it cannot find the person in a photo (its operator can run `impasto weights download`). Leave target and background_style empty.';
      const targeted = await bare.bot.execute('stylize', { content: person, style_name: 'the-scream', target: 'person' }, contextFor('erin'));
      expect(targeted).toMatchObject({ text: refusal, refusal: { field: 'target' } });
      const split = await bare.bot.execute('stylize', { content: person, style_name: 'the-scream', background_style: 'great-wave' }, contextFor('erin'));
      expect(split).toMatchObject({ text: refusal, refusal: { field: 'background_style' } });
      // A mask of one's own needs no model; nor does painting everything.
      const masked = await bare.bot.execute('stylize', { content: person, style_name: 'the-scream', mask: person }, contextFor('erin'));
      const everything = await bare.bot.execute('stylize', { content: person, style_name: 'the-scream', target: 'everything' }, contextFor('fay'));
      for (const reply of [masked, everything]) expect(reply.text).toMatch(/^Queued job /);
      expect(bare.bot.jobsOf('web', 'erin')).toHaveLength(1);
    } finally {
      await bare.stop();
    }
  });
});
