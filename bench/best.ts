/**
 * `npm run bench:best`: does the "best" mode (Gatys started from the fast network's picture) reach a
 * lower loss than starting from the photo, at equal iterations? For each shared photo and each
 * library painting with a network, runs both starts with the same options and seed, and measures
 * every result's loss the same way, at the target size (single scale). Also measures the fast
 * picture itself (0 iterations). Prints a table and JSON. The strength is the Paint it properly
 * button's for a default fast picture (10), unless given; the loss is measured at that strength.
 *
 *   npm run bench:best -- [size=512] [iterations=20,60] [strength=10]
 */
import './huge-pages.ts';
import { cpus } from 'node:os';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadEngineEnvironment } from '../src/bot/config.ts';
import { createEngine } from '../src/engine/engine.ts';
import type { FastNetworkName } from '../src/engine/fast/network.ts';
import { decodeImage, resizeToLongSide } from '../src/engine/image.ts';
import { paintWithNetwork } from '../src/engine/methods/fast.ts';
import { STRENGTH_RANGE } from '../src/engine/options.ts';

const images = process.env.IMPASTO_SHARED_DIR ? join(process.env.IMPASTO_SHARED_DIR, 'images') : join('..', 'shared', 'images');
const size = Number(process.argv[2] ?? 512);
const iterationCounts = (process.argv[3] ?? '20,60').split(',').map(Number);
const strength = Number(process.argv[4] ?? STRENGTH_RANGE.max);
const PAIRS: readonly [string, FastNetworkName][] = [
  ['style_the_scream.jpg', 'scream'],
  ['style_great_wave.jpg', 'wave'],
  ['style_shipwreck_minotaur.jpg', 'wreck'],
];
const env = loadEngineEnvironment();
const engine = await createEngine({ backend: env.IMPASTO_BACKEND, objectiveEngine: env.IMPASTO_ENGINE, weightsDir: env.IMPASTO_WEIGHTS_DIR, download: { baseUrl: env.IMPASTO_WEIGHTS_URL } });
const load = async (name: string) => decodeImage(await readFile(join(images, name)));
const photos = (await readdir(images)).filter((name) => name.startsWith('content_')).sort();

const rows: Record<string, string | number>[] = [];
for (const photoFile of photos) {
  const content = await load(photoFile);
  for (const [styleFile, network] of PAIRS) {
    const style = await load(styleFile);
    const start = await paintWithNetwork({ fastWeightsDir: env.IMPASTO_FAST_WEIGHTS_DIR }, network, await resizeToLongSide(content, size));
    const row: Record<string, string | number> = { photo: photoFile.replace(/^content_|\.jpg$/g, ''), network };
    const pictures = [start];
    for (const iterations of iterationCounts) {
      const options = { size, iterations, seed: 1, strength };
      const fromPhoto = await engine.stylize({ content, style, options });
      const fromFast = await engine.stylize({ content, style, start, options });
      pictures.push(fromPhoto.image, fromFast.image);
    }
    const losses = await engine.measureLoss({ content, style, options: { size, multiScale: false, strength } }, pictures);
    row.fastOnly = Number(losses[0]!.total.toExponential(3));
    iterationCounts.forEach((iterations, index) => {
      row[`photo@${iterations}`] = Number(losses[1 + 2 * index]!.total.toExponential(3));
      row[`fast@${iterations}`] = Number(losses[2 + 2 * index]!.total.toExponential(3));
      row[`ratio@${iterations}`] = Number((losses[2 + 2 * index]!.total / losses[1 + 2 * index]!.total).toFixed(3));
    });
    rows.push(row);
    console.error(JSON.stringify(row));
  }
}
console.log(`best vs photo start · ${engine.objectiveEngine === 'onnx' ? 'onnxruntime' : `TensorFlow.js ${engine.backend}`} · ${cpus().length}× ${cpus()[0]?.model ?? 'CPU'} · ${size} px · strength ${strength}`);
console.table(rows);
for (const iterations of iterationCounts) {
  const ratios = rows.map((row) => row[`ratio@${iterations}`] as number).sort((a, b) => a - b);
  console.log(`${iterations} iterations: fast start / photo start, median ratio of final loss ${ratios[Math.floor(ratios.length / 2)]!.toFixed(3)}; lower in ${ratios.filter((ratio) => ratio < 1).length} of ${ratios.length}`);
}
console.log(JSON.stringify({ size, iterationCounts, strength, rows }));
engine.dispose();
