import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { remainingMs, type Engine, type Progress } from '../../src/engine/engine.ts';
import { CancelledError, InputError } from '../../src/engine/errors.ts';
import { encodeGif } from '../../src/engine/gif.ts';
import { encodePng, type RgbImage } from '../../src/engine/image.ts';
import { sharedEngine } from '../helpers/engine.ts';
import { loadSharedImage } from '../helpers/shared.ts';

let content: RgbImage;
let style: RgbImage;

beforeAll(async () => {
  content = await loadSharedImage('content_tubingen.jpg');
  style = await loadSharedImage('style_starry_night.jpg');
});

// The same contract on both objective engines: TensorFlow.js and the native onnxruntime graph.
describe.each(['tfjs', 'onnx'] as const)('stylize on the %s engine (64 px, a few iterations)', (kind) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await sharedEngine(kind);
    expect(engine.objectiveEngine).toBe(kind);
  });

  it('lowers the loss, reports progress every iteration, and keeps GIF frames', async () => {
    const progress: Progress[] = [];
    const result = await engine.stylize({ content, style, options: { size: 64, iterations: 8, frames: 5 }, onProgress: (p) => progress.push(p) });
    expect([result.image.width, result.image.height]).toEqual([64, 48]);
    expect(result.layers).toEqual({ content: ['conv3_2'], style: ['conv1_1', 'conv2_1', 'conv3_1'] });
    expect(progress.map((p) => p.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(progress.every((p) => p.totalIterations === 8)).toBe(true);
    expect(progress.at(-1)!.etaMs).toBe(0);
    expect(result.history.at(-1)!.total).toBeLessThan(result.history[0]!.total);
    // The style term falls the most: that is the image taking on the painting's texture.
    expect(result.history.at(-1)!.style).toBeLessThan(0.5 * result.history[0]!.style);
    // A frame at the start, every 2nd iteration, and the end (iteration 8 is both).
    expect(result.frames).toHaveLength(5);
    expect(progress.filter((p) => p.frame).map((p) => p.iteration)).toEqual([2, 4, 6, 8]);
    expect(result.frames.at(-1)).toBe(result.image);
    expect(result.frames[0]!.data).not.toEqual(result.image.data);

    const png = await sharp(await encodePng(result.image)).metadata();
    expect([png.format, png.width, png.height]).toEqual(['png', 64, 48]);
    const gif = await sharp(await encodeGif(result.frames), { animated: true }).metadata();
    expect([gif.format, gif.pages, gif.pageHeight, gif.loop]).toEqual(['gif', 5, 48, 0]);
    expect(gif.delay!.at(-1)).toBeGreaterThan(gif.delay![0]!);
  });

  it('keeps pixels in range while optimising: the saved picture has the loss last reported (within 2%)', async () => {
    // Strong style, single scale: the setting that drove pixels furthest out of range unbounded.
    const request = { content, style, options: { size: 96, iterations: 15, multiScale: false, contentWeight: 1e4, styleWeight: 1e6 } };
    const result = await engine.stylize(request);
    const [saved] = await engine.measureLoss(request, [result.image]);
    const last = result.history.at(-1)!.total;
    expect(Math.abs(saved!.total - last) / last).toBeLessThan(0.02);
  });

  it('leaks no tensors: the count is flat across iterations and back to where it was after', async () => {
    const before = tf.memory().numTensors;
    const during: number[] = [];
    await engine.stylize({ content, style, options: { size: 64, iterations: 6 }, onProgress: () => during.push(tf.memory().numTensors) });
    expect(new Set(during.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops within one iteration of an abort, and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: number[] = [];
    const run = engine.stylize({
      content,
      style,
      options: { size: 64, iterations: 50 },
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.iteration);
        if (p.iteration === 2) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(seen).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same image for the same seed, and another for another seed', async () => {
    const run = (seed: number) => engine.stylize({ content, style, options: { size: 64, iterations: 3, init: 'noise', optimizer: 'adam', seed } });
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
  });

  it('starts from the style image when asked', async () => {
    const result = await engine.stylize({ content, style, options: { size: 64, iterations: 4, init: 'style', frames: 5 } });
    // The first frame is the style image squeezed to the photo's size, not the photo.
    const fromContent = await engine.stylize({ content, style, options: { size: 64, iterations: 1 } });
    expect(Buffer.from(result.frames[0]!.data).equals(Buffer.from(fromContent.frames[0]!.data))).toBe(false);
    expect(result.history.at(-1)!.total).toBeLessThan(result.history[0]!.total);
  });

  it('runs Adam: one evaluation per iteration, and the loss comes down', async () => {
    const result = await engine.stylize({ content, style, options: { size: 64, iterations: 8, optimizer: 'adam' } });
    expect(result.evaluations).toBe(8);
    expect(result.history.at(-1)!.total).toBeLessThan(0.5 * result.history[0]!.total);
  });

  it('uses the layers it is given, with average pooling', async () => {
    const result = await engine.stylize({ content, style, options: { size: 64, iterations: 2, pooling: 'avg', contentLayers: ['conv2_2'], styleLayers: ['conv1_1', 'conv1_2'] } });
    expect(result.layers).toEqual({ content: ['conv2_2'], style: ['conv1_1', 'conv1_2'] });
  });

  it('says which layers exist when asked for one the weights lack', async () => {
    const run = engine.stylize({ content, style, options: { size: 64, iterations: 2, contentLayers: ['conv4_2'] } });
    await expect(run).rejects.toBeInstanceOf(InputError);
    await expect(run).rejects.toThrow('conv4_2 is not available; the loaded weights have conv1_1 … conv3_4.');
  });

  it('refuses a strip of a photo, paints a narrow one, and the engine keeps working after both', async () => {
    const strip = { width: 2000, height: 2, data: new Uint8Array(2000 * 2 * 3).fill(128) };
    await expect(engine.stylize({ content: strip, style, options: { size: 64, iterations: 2 } })).rejects.toThrow('The content image is 2000×2: too narrow to paint.');
    // 8:1, asked at the smallest size: refused with the size that would work.
    const narrow = { width: 640, height: 80, data: new Uint8Array(640 * 80 * 3).fill(90) };
    await expect(engine.stylize({ content: narrow, style, options: { size: 64, iterations: 2 } })).rejects.toThrow('ask for size 128 or more');
    // A narrow painting is enlarged enough to keep pixels at every layer.
    const narrowStyle = { width: 300, height: 30, data: new Uint8Array(300 * 30 * 3).fill(200) };
    const result = await engine.stylize({ content: narrow, style: narrowStyle, options: { size: 256, iterations: 2 } });
    expect([result.image.width, result.image.height]).toEqual([256, 32]);
    expect(result.scales.every((scale) => scale.size >= 128)).toBe(true);
    // 1599×100 is within 16:1; shrunk to 260 px by the bot or the command line it is 260×16 (16.25:1).
    const banner = { width: 260, height: 16, data: new Uint8Array(260 * 16 * 3).fill(60) };
    const painted = await engine.stylize({ content: banner, style, options: { size: 260, iterations: 2, multiScale: false } });
    expect([painted.image.width, painted.image.height]).toEqual([260, 16]);
    const after = await engine.stylize({ content, style, options: { size: 64, iterations: 2 } });
    expect(after.iterations).toBe(2);
  });
});

describe('the time left of an optimisation', () => {
  it('counts the steps left at the measured rate per pixel-iteration, a stage’s extra cost by its size, and its fixed cost apart', () => {
    // One stage of 100 pixels so far: 2 s preparing it, and 10 steps taking 1.2 s, its first as three
    // of the later ones (0.3 s against 0.1): 1 ms per unit of work once the first step's extra is counted.
    const spent = { stepsMs: 1_200, setupMs: 2_000, workDone: 10 * 100, stages: 1, stagePixels: 100 };
    // Left: 5 iterations of a stage of 400 pixels: its steps (2 s), its first step's extra and its
    // feature passes as three steps at its size (1.2 s), and preparing's fixed part (2 s less the
    // first stage's feature passes, one step of 100 pixels).
    expect(remainingMs(spent, { work: 5 * 400, stages: 1, stagePixels: 400 })).toBe(2_000 + 1_200 + 1_900);
    // The same stage at four times the size costs four times as much but for the fixed part: a last
    // stage of one iteration at 1024 px was said to take 9.5 s of the 25 it took.
    expect(remainingMs(spent, { work: 5 * 1_600, stages: 1, stagePixels: 1_600 })).toBe(4 * (2_000 + 1_200) + 1_900);
    // Nothing left: nothing to wait for; no step yet: no rate to tell by.
    expect(remainingMs({ ...spent, stages: 3, stagePixels: 300 }, { work: 0, stages: 0, stagePixels: 0 })).toBe(0);
    expect(remainingMs({ ...spent, stepsMs: 0, workDone: 0 }, { work: 900, stages: 2, stagePixels: 200 })).toBe(0);
  });
});
