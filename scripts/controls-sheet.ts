/**
 * `npm run controls:sheet`: one picture showing what each engine control does, on tubingen ×
 * Starry Night: single- vs multi-scale, colours preserved or not, two blends, two style scales.
 * Writes test-output/controls.png (git-ignored) and prints its path.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderContactSheet } from '../src/bot/styles/library.ts';
import { loadEngineEnvironment } from '../src/bot/config.ts';
import { createEngine, type StylizeRequest } from '../src/engine/engine.ts';
import { decodeImage, encodePng } from '../src/engine/image.ts';

const images = process.env.IMPASTO_SHARED_DIR ? join(process.env.IMPASTO_SHARED_DIR, 'images') : join('..', 'shared', 'images');
const size = Number(process.argv[2] ?? 256);
const iterations = Number(process.argv[3] ?? 60);
const env = loadEngineEnvironment();
const engine = await createEngine({ backend: env.IMPASTO_BACKEND, objectiveEngine: env.IMPASTO_ENGINE, weightsDir: env.IMPASTO_WEIGHTS_DIR, download: { baseUrl: env.IMPASTO_WEIGHTS_URL } });
const load = async (name: string) => decodeImage(await readFile(join(images, name)));
const [content, starry, scream] = await Promise.all([load('content_tubingen.jpg'), load('style_starry_night.jpg'), load('style_the_scream.jpg')]);

const variants: [string, Omit<StylizeRequest, 'content'>][] = [
  ['single-scale', { style: starry, options: { multiScale: false } }],
  ['multi-scale (default)', { style: starry, options: {} }],
  ['colours preserved', { style: starry, options: { preserveColors: true } }],
  ['starry 0.7 + scream 0.3', { styles: [{ image: starry, weight: 0.7 }, { image: scream, weight: 0.3 }], options: {} }],
  ['starry 0.3 + scream 0.7', { styles: [{ image: starry, weight: 0.3 }, { image: scream, weight: 0.7 }], options: {} }],
  ['style scale 0.5', { style: starry, options: { styleScale: 0.5 } }],
  ['style scale 2', { style: starry, options: { styleScale: 2 } }],
];
const outputDir = resolve('test-output', 'controls');
await mkdir(outputDir, { recursive: true });
const tiles: { path: string; label: string }[] = [];
for (const [index, [label, request]] of variants.entries()) {
  const started = performance.now();
  const result = await engine.stylize({ content, ...request, options: { size, iterations, seed: 1, ...request.options } });
  const path = join(outputDir, `${index}.png`);
  await writeFile(path, await encodePng(result.image));
  tiles.push({ path, label });
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(0)} s, final loss ${result.history.at(-1)!.total.toExponential(3)}`);
}
const sheet = resolve('test-output', 'controls.png');
await writeFile(sheet, await renderContactSheet(tiles, { columns: 4, fit: 'contain' }));
console.log(`contact sheet: ${sheet}`);
engine.dispose();
