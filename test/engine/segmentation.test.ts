import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/engine/errors.ts';
import { resizeExactly, resizeToLongSide, type RgbImage } from '../../src/engine/image.ts';
import { gramMatrix } from '../../src/engine/losses.ts';
import { maskFromImage, resizeMap } from '../../src/engine/mask.ts';
import { maskImageOf } from '../../src/engine/methods/regions.ts';
import { fastMethod } from '../../src/engine/methods/fast.ts';
import type { MethodContext } from '../../src/engine/methods/method.ts';
import { letterbox, loadPersonSegmenter, SEGMENTATION_SIZE, type PersonSegmenter } from '../../src/engine/segmentation/person.ts';
import { maskForTarget, MIN_PERSON_SHARE } from '../../src/engine/segmentation/targets.ts';
import { createFeatureNetwork, layerResolution, rgbToVggInput, type FeatureNetwork } from '../../src/engine/vgg.ts';
import { loadVggWeights } from '../../src/engine/weights.ts';
import { downloadSegmentationModel, hasSegmentationModel, readSegmentationModel } from '../../src/engine/segmentation/weights.ts';
import { sharedEngine } from '../helpers/engine.ts';
import { greyPng, greyPngRgb, iou } from '../helpers/masks.ts';
import { startStaticServer } from '../helpers/static-server.ts';
import { loadSharedImage, SHARED_FAST_DIR, SHARED_SEGMENTATION_DIR, SHARED_VGG_DIR } from '../helpers/shared.ts';

/** The genuine MediaPipe selfie model from ../shared (never committed), on TensorFlow.js wasm. */
const MODEL_DIR = SHARED_SEGMENTATION_DIR;
let segmenter: PersonSegmenter;
let person: RgbImage;
let houses: RgbImage;

beforeAll(async () => {
  await sharedEngine(); // selects the wasm backend, as the engine process does
  segmenter = await loadPersonSegmenter(MODEL_DIR);
  person = await loadSharedImage('content_person.jpg');
  houses = await loadSharedImage('content_tubingen.jpg');
});
afterAll(() => segmenter?.dispose());

describe('person segmentation', () => {
  it('matches the reference mask when fed the reference input as is', async () => {
    const input = await greyPngRgb(join(MODEL_DIR, 'reference', 'input_content_person_256x256.png'));
    const expected = await greyPng(join(MODEL_DIR, 'reference', 'mask_content_person_256x256.png'));
    const actual = await segmenter.probabilities(input);
    const meanError = actual.reduce((sum, value, i) => sum + Math.abs(value - expected[i]!), 0) / actual.length;
    // The reference is an 8-bit PNG: half a grey level is 0.002.
    expect(meanError).toBeLessThan(0.005);
    expect(iou(actual, expected)).toBeGreaterThan(0.98);
  });

  it('letterboxes: the photo keeps its aspect inside the square, centred, padded with black', async () => {
    const { input, box } = await letterbox(person);
    expect(box.width).toBe(SEGMENTATION_SIZE);
    expect(box.width / box.height).toBeCloseTo(person.width / person.height, 1);
    expect(box.top).toBe(Math.floor((SEGMENTATION_SIZE - box.height) / 2));
    const topRow = input.subarray(0, SEGMENTATION_SIZE * 3);
    expect(Math.max(...topRow)).toBe(0);
    const middle = input.subarray(3 * SEGMENTATION_SIZE * (SEGMENTATION_SIZE / 2), 3 * SEGMENTATION_SIZE * (SEGMENTATION_SIZE / 2 + 1));
    expect(Math.max(...middle)).toBeGreaterThan(0.2);
  });

  it('finds the same person in a photo of any aspect: the mask is the photo’s size and does not move', async () => {
    const own = await segmenter.segment(person);
    expect([own.mask.width, own.mask.height]).toEqual([person.width, person.height]);
    // The same photo in a canvas 1.5 times as wide (grey beside it): the mask over the photo must agree.
    const side = person.width / 4;
    const wide = await sharp(person.data, { raw: { width: person.width, height: person.height, channels: 3 } })
      .extend({ left: side, right: side, background: { r: 128, g: 128, b: 128 } })
      .raw()
      .toBuffer();
    const wideWidth = person.width + 2 * side;
    const inWide = await segmenter.segment({ width: wideWidth, height: person.height, data: wide });
    expect([inWide.mask.width, inWide.mask.height]).toEqual([wideWidth, person.height]);
    const cropped = new Float32Array(person.width * person.height);
    for (let y = 0; y < person.height; y++) for (let x = 0; x < person.width; x++) cropped[y * person.width + x] = inWide.mask.values[y * wideWidth + side + x]!;
    expect(iou(own.mask.values, cropped)).toBeGreaterThan(0.8);
    expect(own.personShare).toBeGreaterThan(MIN_PERSON_SHARE * 3);
  });

  it('says so when there is no person to paint, instead of returning the photo unchanged', async () => {
    const found = await segmenter.segment(houses);
    expect(found.personShare).toBeLessThan(MIN_PERSON_SHARE);
    for (const target of ['person', 'background'] as const) {
      expect(() => maskForTarget(found, target)).toThrow(InputError);
      expect(() => maskForTarget(found, target)).toThrow(/^I couldn't find a person in this photo/);
    }
    // Through a method, before any painting.
    const context: MethodContext = { engine: () => sharedEngine(), segmenter: async () => segmenter, fastWeightsDir: SHARED_FAST_DIR };
    await expect(fastMethod.run(context, { inputs: { content: houses, styles: [] }, options: { network: 'udnie', size: 128, target: 'person' } })).rejects.toMatchObject({ code: 'no_person', field: 'target' });
  });

  it('paints only the person, or only the background, with a fast network', async () => {
    const context: MethodContext = { engine: () => sharedEngine(), segmenter: async () => segmenter, fastWeightsDir: SHARED_FAST_DIR };
    const photo = await resizeToLongSide(person, 256);
    const mask = await methodMaskAt(photo);
    const changeWhere = async (target: 'person' | 'background') => {
      const { image, frames } = await fastMethod.run(context, { inputs: { content: person, styles: [] }, options: { network: 'scream', size: 256, target } });
      // The GIF opens on what the segmentation found.
      expect(frames.length).toBeGreaterThan(2);
      let inside = 0;
      let outside = 0;
      let [nIn, nOut] = [0, 0];
      for (let p = 0; p < mask.length; p++) {
        const change = Math.abs(image.data[3 * p]! - photo.data[3 * p]!) + Math.abs(image.data[3 * p + 1]! - photo.data[3 * p + 1]!) + Math.abs(image.data[3 * p + 2]! - photo.data[3 * p + 2]!);
        // Well inside and well outside the feathered edge.
        if (mask[p]! > 0.99) [inside, nIn] = [inside + change, nIn + 1];
        if (mask[p]! < 0.01) [outside, nOut] = [outside + change, nOut + 1];
      }
      return { inside: inside / nIn, outside: outside / nOut };
    };
    const personOnly = await changeWhere('person');
    expect(personOnly.inside).toBeGreaterThan(20);
    expect(personOnly.outside).toBeLessThan(1);
    const backgroundOnly = await changeWhere('background');
    expect(backgroundOnly.outside).toBeGreaterThan(20);
    expect(backgroundOnly.inside).toBeLessThan(1);
  });
});

describe('the segmentation model’s files', () => {
  it('downloads both files from the pinned source (a local stand-in here), checks their sha256, and refuses a changed one', async () => {
    const server = await startStaticServer(MODEL_DIR);
    const corrupted = await startStaticServer(MODEL_DIR, { 'selfie.bin': new Uint8Array(212_886) });
    const dir = await mkdtemp(join(tmpdir(), 'impasto-segmentation-'));
    try {
      expect(hasSegmentationModel(dir)).toBe(false);
      await downloadSegmentationModel(dir, { baseUrl: server.url });
      expect(server.requests).toEqual(['selfie.json', 'selfie.bin']);
      expect(hasSegmentationModel(dir)).toBe(true);
      await expect(readSegmentationModel(dir)).resolves.toBeDefined();

      const other = join(dir, 'other');
      await expect(downloadSegmentationModel(other, { baseUrl: corrupted.url })).rejects.toThrow(/selfie\.bin failed its sha256 check/);
      expect(hasSegmentationModel(other)).toBe(false);
      // A file changed on disk after the download is refused when read.
      await writeFile(join(dir, 'selfie.bin'), new Uint8Array(212_886));
      await expect(readSegmentationModel(dir)).rejects.toThrow(/is not the published selfie\.bin/);
    } finally {
      await Promise.all([server.close(), corrupted.close(), rm(dir, { recursive: true, force: true })]);
    }
  });
});

describe('two styles split along the person’s outline', () => {
  let network: FeatureNetwork;
  beforeAll(async () => {
    network = createFeatureNetwork(await loadVggWeights(SHARED_VGG_DIR), 'max');
  });
  afterAll(() => network?.dispose());

  /** Σ over layers of ‖G(image inside the mask) − G(style)‖² / ‖G(style)‖²: Gatys' guided Gram distance. */
  function maskedGramDistance(image: RgbImage, mask: Float32Array, style: RgbImage): number {
    const layers = ['conv1_1', 'conv2_1', 'conv3_1'];
    return tf.tidy(() => {
      const features = network.extract(tf.tensor4d(rgbToVggInput(image), [1, image.height, image.width, 3]), new Set(layers));
      const styleFeatures = network.extract(tf.tensor4d(rgbToVggInput(style), [1, style.height, style.width, 3]), new Set(layers));
      let total = 0;
      for (const name of layers) {
        const { width, height } = layerResolution(name, image.width, image.height);
        const guide = resizeMap(mask, image.width, image.height, width, height);
        const scale = (width * height) / guide.reduce((sum, value) => sum + value, 0);
        const guided = tf.mul(gramMatrix(tf.mul(features.get(name)!, tf.tensor4d(guide, [1, height, width, 1])) as tf.Tensor4D), scale);
        const target = gramMatrix(styleFeatures.get(name)!);
        total += tf.sum(tf.squaredDifference(guided, target)).dataSync()[0]! / tf.sum(tf.square(target)).dataSync()[0]!;
      }
      return total;
    });
  }

  it('follows the first painting inside the mask and the second outside (Gatys, guided Grams on both sides)', async () => {
    const [scream, wave] = await Promise.all([loadSharedImage('style_the_scream.jpg'), loadSharedImage('style_great_wave.jpg')]);
    const engine = await sharedEngine('onnx');
    const photo = await resizeExactly(houses, 160, 120);
    // Left half: the first painting; right half: the second.
    const half = { width: 160, height: 120, data: new Uint8Array(160 * 120 * 3).map((_, i) => (Math.floor(i / 3) % 160 < 80 ? 255 : 0)) };
    const { image } = await engine.stylize({ content: photo, styles: [{ image: scream, weight: 1 }], background: [{ image: wave, weight: 1 }], mask: half, options: { size: 160, iterations: 40, strength: 8, multiScale: false } });
    // Away from the split (its receptive fields cross it).
    const left = Float32Array.from({ length: 160 * 120 }, (_, p) => (p % 160 < 64 ? 1 : 0));
    const right = Float32Array.from({ length: 160 * 120 }, (_, p) => (p % 160 >= 96 ? 1 : 0));
    const [screamSized, waveSized] = await Promise.all([resizeToLongSide(scream, 160), resizeToLongSide(wave, 160)]);
    const distances = {
      leftToScream: maskedGramDistance(image, left, screamSized),
      leftToWave: maskedGramDistance(image, left, waveSized),
      rightToScream: maskedGramDistance(image, right, screamSized),
      rightToWave: maskedGramDistance(image, right, waveSized),
    };
    console.log('masked Gram distances (two-style split)', distances);
    expect(distances.leftToScream).toBeLessThan(distances.leftToWave);
    expect(distances.rightToWave).toBeLessThan(distances.rightToScream);
  });

  it('splits a photo along the person found in it: each side is its network’s picture (fast)', async () => {
    const context: MethodContext = { engine: () => sharedEngine(), segmenter: async () => segmenter, fastWeightsDir: SHARED_FAST_DIR };
    const paint = (options: Record<string, unknown>) => fastMethod.run(context, { inputs: { content: person, styles: [] }, options: { size: 256, ...options } });
    const [split, scream, wave] = await Promise.all([paint({ network: 'scream', backgroundNetwork: 'wave' }), paint({ network: 'scream' }), paint({ network: 'wave' })]);
    const mask = await methodMaskAt(await resizeToLongSide(person, 256));
    const meanDifference = (a: { image: RgbImage }, b: { image: RgbImage }, where: (m: number) => boolean) => {
      let [sum, count] = [0, 0];
      for (let p = 0; p < mask.length; p++) {
        if (!where(mask[p]!)) continue;
        for (let c = 0; c < 3; c++) sum += Math.abs(a.image.data[3 * p + c]! - b.image.data[3 * p + c]!);
        count += 3;
      }
      return sum / count;
    };
    expect(meanDifference(split, scream, (m) => m > 0.99)).toBeLessThan(1);
    expect(meanDifference(split, wave, (m) => m < 0.01)).toBeLessThan(1);
    expect(meanDifference(split, wave, (m) => m > 0.99)).toBeGreaterThan(20);
    // The GIF opens on the overlay of what was found.
    expect(split.frames.length).toBe(scream.frames.length + 1);
  });
});

/** The person's mask as the methods use it: found in the whole photo, then resized to the picture. */
async function methodMaskAt(picture: RgbImage): Promise<Float32Array> {
  return (await maskFromImage(maskImageOf((await segmenter.segment(person)).mask), picture.width, picture.height)).values;
}
