import { beforeAll, describe, expect, it } from 'vitest';
import { toYCbCr } from '../../src/engine/color.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { InputError } from '../../src/engine/errors.ts';
import { resizeExactly, type RgbImage } from '../../src/engine/image.ts';
import { SHALLOW_LAYERS } from '../../src/engine/layers.ts';
import { scaleSchedule } from '../../src/engine/multiscale.ts';
import { maxAbs } from '../../src/engine/optimizers/objective.ts';
import { createTfObjective } from '../../src/engine/tf-objective.ts';
import { createFeatureNetwork, rgbToVggInput } from '../../src/engine/vgg.ts';
import { loadVggWeights } from '../../src/engine/weights.ts';
import { sharedEngine } from '../helpers/engine.ts';
import { loadSharedImage, SHARED_VGG_DIR } from '../helpers/shared.ts';

let engine: Engine;
let content: RgbImage;
let starry: RgbImage;
let scream: RgbImage;

beforeAll(async () => {
  engine = await sharedEngine();
  content = await loadSharedImage('content_tubingen.jpg');
  starry = await loadSharedImage('style_starry_night.jpg');
  scream = await loadSharedImage('style_the_scream.jpg');
});

/** A mask of the photo's shape: white in the left `fraction`, black elsewhere. */
function leftMask(width: number, height: number, fraction: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < Math.round(width * fraction); x++) data.fill(255, 3 * (y * width + x), 3 * (y * width + x) + 3);
  return { width, height, data };
}

function meanAbsDifference(a: Float32Array, b: Float32Array, channel: number): number {
  let sum = 0;
  for (let i = channel; i < a.length; i += 3) sum += Math.abs(a[i]! - b[i]!);
  return sum / (a.length / 3);
}

describe('multi-scale', () => {
  it('steps by about √2 from ~128 px, by 2 above 256, and spends most iterations at low resolution', () => {
    const stages = scaleSchedule(384, 100, true);
    expect(stages.map((stage) => stage.size)).toEqual([136, 192, 272, 384]);
    expect(stages.reduce((sum, stage) => sum + stage.iterations, 0)).toBe(100);
    for (let i = 1; i < stages.length; i++) expect(stages[i]!.iterations).toBeLessThan(stages[i - 1]!.iterations);
    expect(scaleSchedule(384, 100, false)).toEqual([{ size: 384, iterations: 100 }]);
    expect(scaleSchedule(100, 10, true)).toEqual([{ size: 100, iterations: 10 }]);
    expect(scaleSchedule(384, 2, true).map((stage) => stage.size)).toEqual([272, 384]);
    // HD: ×2 steps above 256 px, and the full size is the 512-px painting enlarged (no iterations).
    expect(scaleSchedule(1024, 60, true)).toEqual([
      { size: 128, iterations: 26 },
      { size: 181, iterations: 16 },
      { size: 256, iterations: 11 },
      { size: 512, iterations: 7 },
      { size: 1024, iterations: 0 },
    ]);
  });

  it('runs coarse to fine with continuous progress, and the GIF shows every scale at the final size', async () => {
    const iterations: number[] = [];
    const sizes: number[] = [];
    const result = await engine.stylize({ content, style: starry, options: { size: 192, iterations: 6, frames: 7 }, onProgress: (p) => (iterations.push(p.iteration), sizes.push(p.size)) });
    expect(result.scales.map((scale) => scale.size)).toEqual([136, 192]);
    expect(iterations).toEqual([1, 2, 3, 4, 5, 6]);
    // Each iteration says the scale it ran at: the schedule's, in order.
    expect(sizes).toEqual(result.scales.flatMap((scale) => new Array<number>(scale.iterations).fill(scale.size)));
    // And so does its loss history (the playground's chart marks where the size grew).
    expect(result.history.map((record) => record.size)).toEqual(sizes);
    expect([result.image.width, result.image.height]).toEqual([192, 144]);
    expect(result.frames.length).toBeGreaterThanOrEqual(4);
    for (const frame of result.frames) expect([frame.width, frame.height]).toEqual([192, 144]);
  });
});

describe('an enlarged last stage', () => {
  it('paints up to the stage below a final size above 512 px, then enlarges it with the photo’s detail, no iteration there', async () => {
    const progress: { iteration: number; size: number; etaMs: number }[] = [];
    const result = await engine.stylize({ content, style: starry, options: { size: 600, iterations: 4 }, onProgress: (p) => progress.push({ iteration: p.iteration, size: p.size, etaMs: p.etaMs }) });
    expect(result.scales).toEqual([
      { size: 150, iterations: 2 },
      { size: 212, iterations: 1 },
      { size: 300, iterations: 1 },
      { size: 600, iterations: 0 },
    ]);
    expect(progress.map((p) => [p.iteration, p.size])).toEqual([[1, 150], [2, 150], [3, 212], [4, 300]]);
    // Nothing is left once the last painted stage ends: the enlargement is not counted as a stage to come.
    expect(progress.at(-1)!.etaMs).toBe(0);
    expect(progress[2]!.etaMs).toBeGreaterThan(0);
    expect([result.image.width, result.image.height]).toEqual([600, 450]);
    // Enlarged with the photo's own detail at 600 px: sharper than the 300-px painting blown up.
    const blownUp = await resizeExactly(await resizeExactly(result.image, 300, 225), 600, 450);
    expect(meanAbsDifference(Float32Array.from(result.image.data), Float32Array.from(blownUp.data), 0)).toBeGreaterThan(1);
    expect(result.frames.every((frame) => frame.width === 600 && frame.height === 450)).toBe(true);
  });
});

describe('colour preservation', () => {
  it('keeps the photo’s chroma and changes its luminance', async () => {
    const preserved = await engine.stylize({ content, style: starry, options: { size: 64, iterations: 8, preserveColors: true } });
    const plain = await engine.stylize({ content, style: starry, options: { size: 64, iterations: 8 } });
    const photo = toYCbCr(await resizeExactly(content, 64, 48));
    const kept = toYCbCr(preserved.image);
    const free = toYCbCr(plain.image);
    // Cb and Cr match the photo's to rounding (and clipping at the gamut's edge).
    expect(meanAbsDifference(kept, photo, 1)).toBeLessThan(2);
    expect(meanAbsDifference(kept, photo, 2)).toBeLessThan(2);
    // The luminance is the stylized one: far from the photo's.
    expect(meanAbsDifference(kept, photo, 0)).toBeGreaterThan(10);
    expect(meanAbsDifference(kept, free, 0)).toBeLessThan(2);
    // Without the option the colours are the painting's.
    expect(meanAbsDifference(free, photo, 1) + meanAbsDifference(free, photo, 2)).toBeGreaterThan(10);
  });
});

describe('style blends', () => {
  it('mix the Gram targets: the loss of style A falls as (1 − w)² with A’s weight w', async () => {
    const network = createFeatureNetwork(await loadVggWeights(SHARED_VGG_DIR), 'max');
    const a = await resizeExactly(starry, 48, 32);
    const b = await resizeExactly(scream, 48, 32);
    const input = (image: RgbImage) => ({ x: rgbToVggInput(image), width: image.width, height: image.height });
    const losses: number[] = [];
    for (const w of [0, 0.25, 0.5, 0.75, 1]) {
      const objective = await createTfObjective({
        network,
        layers: SHALLOW_LAYERS,
        content: input(a),
        styles: [{ input: input(a), weight: w }, { input: input(b), weight: 1 - w }],
        weights: { content: 0, style: 1, tv: 0 },
      });
      losses.push((await objective.evaluate(rgbToVggInput(a))).terms.style);
      objective.dispose();
    }
    network.dispose();
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1]!);
    expect(losses[2]! / losses[0]!).toBeCloseTo(0.25, 2);
    expect(losses[1]! / losses[0]!).toBeCloseTo(0.5625, 2);
    expect(losses[4]! / losses[0]!).toBeLessThan(1e-6);
  });

  it('normalise the weights, and refuse a weight that is not above 0', async () => {
    const options = { size: 64, iterations: 2 };
    const a = await engine.stylize({ content, styles: [{ image: starry, weight: 2 }, { image: scream, weight: 2 }], options });
    const b = await engine.stylize({ content, styles: [{ image: starry, weight: 0.5 }, { image: scream, weight: 0.5 }], options });
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    // Too large to add up: their sum was Infinity, each share 0, and the picture the photo's.
    const huge = await engine.stylize({ content, styles: [{ image: starry, weight: 1e308 }, { image: scream, weight: 1e308 }], options });
    expect(Buffer.from(huge.image.data).equals(Buffer.from(a.image.data))).toBe(true);
    await expect(engine.stylize({ content, styles: [{ image: starry, weight: 1 }, { image: scream, weight: 0 }], options })).rejects.toThrow('Every style in a blend needs a weight above 0.');
  });
});

describe('style scale', () => {
  it('changes the result, and is range-checked', async () => {
    const fine = await engine.stylize({ content, style: starry, options: { size: 64, iterations: 3, styleScale: 0.5 } });
    const normal = await engine.stylize({ content, style: starry, options: { size: 64, iterations: 3 } });
    expect(Buffer.from(fine.image.data).equals(Buffer.from(normal.image.data))).toBe(false);
    await expect(engine.stylize({ content, style: starry, options: { styleScale: 10 } })).rejects.toThrow('styleScale must be at most 4.');
  });
});

describe('spatial masks', () => {
  it('keep the photo where the mask is black, and stylize where it is white', async () => {
    const result = await engine.stylize({ content, style: starry, mask: leftMask(512, 384, 0.5), options: { size: 64, iterations: 6 } });
    const photo = await resizeExactly(content, 64, 48);
    let keptDifference = 0;
    let styledDifference = 0;
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 64; x++) {
        for (let c = 0; c < 3; c++) {
          const i = 3 * (y * 64 + x) + c;
          const difference = Math.abs(result.image.data[i]! - photo.data[i]!);
          if (x >= 34) keptDifference = Math.max(keptDifference, difference);
          if (x < 30) styledDifference += difference;
        }
      }
    }
    expect(keptDifference).toBeLessThanOrEqual(1);
    expect(styledDifference / (30 * 48 * 3)).toBeGreaterThan(10);
  });

  it('guide the style loss: pixels far outside the mask get no style gradient', async () => {
    const network = createFeatureNetwork(await loadVggWeights(SHARED_VGG_DIR), 'max');
    const photo = await resizeExactly(content, 128, 64);
    const mask = new Float32Array(128 * 64);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 32; x++) mask[y * 128 + x] = 1;
    const spec = { network, layers: SHALLOW_LAYERS, content: { x: rgbToVggInput(photo), width: 128, height: 64 }, styles: [{ input: { x: rgbToVggInput(await resizeExactly(starry, 64, 40)), width: 64, height: 40 }, weight: 1 }], weights: { content: 0, style: 1, tv: 0 } };
    const guided = await createTfObjective({ ...spec, mask });
    const unguided = await createTfObjective(spec);
    const gradientOf = async (objective: typeof guided) => (await objective.evaluate(rgbToVggInput(photo))).gradient;
    const [withMask, withoutMask] = [await gradientOf(guided), await gradientOf(unguided)];
    const farRight = (gradient: Float32Array) => {
      let max = 0;
      for (let y = 0; y < 64; y++) for (let x = 100; x < 128; x++) for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(gradient[3 * (y * 128 + x) + c]!));
      return max;
    };
    expect(farRight(withoutMask)).toBeGreaterThan(1e-3 * maxAbs(withoutMask));
    expect(farRight(withMask)).toBeLessThanOrEqual(1e-6 * maxAbs(withMask));
    guided.dispose();
    unguided.dispose();
    network.dispose();
  });

  it('must have the photo’s shape', async () => {
    const run = engine.stylize({ content, style: starry, mask: leftMask(100, 100, 0.5), options: { size: 64, iterations: 1 } });
    await expect(run).rejects.toBeInstanceOf(InputError);
    await expect(run).rejects.toThrow("The mask is 100×100 but the photo is 512×384: give a mask of the photo's shape (white = stylize, black = keep).");
  });
});
