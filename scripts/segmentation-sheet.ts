/**
 * `npm run segmentation:sheet`: content_person.jpg painted everywhere, only the person, only the
 * background, and split between two paintings, with a fast network and by optimisation, beside the
 * photo and what the segmentation found. Arguments: size (384), iterations (150). Writes test-output/segmentation.png (git-ignored).
 * Needs IMPASTO_WEIGHTS_DIR, IMPASTO_FAST_WEIGHTS_DIR and IMPASTO_SEGMENTATION_WEIGHTS_DIR (or the caches).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadEngineEnvironment } from '../src/bot/config.ts';
import { renderContactSheet } from '../src/bot/styles/library.ts';
import { createEngine } from '../src/engine/engine.ts';
import { decodeImage, encodePng, resizeToLongSide, type RgbImage } from '../src/engine/image.ts';
import { fastMethod } from '../src/engine/methods/fast.ts';
import type { MethodContext } from '../src/engine/methods/method.ts';
import { optimiseMethod } from '../src/engine/methods/optimise.ts';
import { overlayOf } from '../src/engine/methods/regions.ts';
import { lazySegmenter } from '../src/engine/segmentation/lazy.ts';
import { SEGMENTATION_CACHE_DIR } from '../src/engine/segmentation/weights.ts';

const images = process.env.IMPASTO_SHARED_DIR ? join(process.env.IMPASTO_SHARED_DIR, 'images') : join('..', 'shared', 'images');
const size = Number(process.argv[2] ?? 384);
const iterations = Number(process.argv[3] ?? 150);
const env = loadEngineEnvironment();
const engine = await createEngine({ backend: env.IMPASTO_BACKEND, objectiveEngine: env.IMPASTO_ENGINE, weightsDir: env.IMPASTO_WEIGHTS_DIR });
const segmenter = lazySegmenter(env.IMPASTO_SEGMENTATION_WEIGHTS_DIR ?? SEGMENTATION_CACHE_DIR);
const context: MethodContext = { engine: async () => engine, fastWeightsDir: env.IMPASTO_FAST_WEIGHTS_DIR, segmenter };
const load = async (name: string) => decodeImage(await readFile(join(images, name)));
const [content, scream, wave] = await Promise.all([load('content_person.jpg'), load('style_the_scream.jpg'), load('style_great_wave.jpg')]);
const photo = await resizeToLongSide(content, size);

const outputDir = resolve('test-output', 'segmentation');
await mkdir(outputDir, { recursive: true });
const tiles: { path: string; label: string }[] = [];
const add = async (name: string, label: string, image: RgbImage) => {
  const path = join(outputDir, `${name}.png`);
  await writeFile(path, await encodePng(image));
  tiles.push({ path, label });
};
const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await work();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(2)} s`);
  return result;
};

// Row one: the photo and the fast network; row two: what was found and the optimisation.
await add('photo', 'photo', photo);
const fast = (options: Record<string, unknown>) => fastMethod.run(context, { inputs: { content, styles: [] }, options: { network: 'scream', size, ...options } });
const optimise = (background: boolean, target: string) =>
  optimiseMethod.run(context, {
    inputs: { content, styles: [{ image: scream, weight: 1 }], ...(background ? { background: [{ image: wave, weight: 1 }] } : {}) },
    options: { size, iterations, target, seed: 1 },
  });
for (const target of ['everything', 'person', 'background'] as const) {
  await add(`fast-${target}`, `fast · ${target}`, (await timed(`fast, ${target}`, () => fast({ target }))).image);
}
await add('fast-split', 'fast · scream / wave', (await timed('fast, split', () => fast({ backgroundNetwork: 'wave' }))).image);
const found = await timed(`segmentation at ${photo.width}×${photo.height}`, async () => (await segmenter()).segment(photo));
await add('found', `person found (${(found.personShare * 100).toFixed(1)}%)`, overlayOf(photo, found.mask));
for (const target of ['everything', 'person', 'background'] as const) {
  await add(`gatys-${target}`, `Gatys · ${target}`, (await timed(`Gatys, ${target}`, () => optimise(false, target))).image);
}
await add('gatys-split', 'Gatys · scream / wave', (await timed('Gatys, split', () => optimise(true, 'everything'))).image);

const sheet = resolve('test-output', 'segmentation.png');
await writeFile(sheet, await renderContactSheet(tiles, { columns: 5, fit: 'contain' }));
console.log(`contact sheet: ${sheet}`);
engine.dispose();
