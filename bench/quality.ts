/**
 * `npm run bench:quality`: is the default picture one a user would share? A fixed grid (every
 * shared content photo × three shared paintings) at the default settings and at two other
 * strengths. For each job: content fidelity (edge SSIM), style match, the wall time of the whole job
 * (the picture, its PNG and its GIF) and the GIF's size (definitions in src/engine/quality.ts).
 * Prints a table, the averages per strength and JSON, and writes a contact sheet (photo, painting,
 * results labelled with their metrics) to test-output/quality.png.
 *
 * Options: --size=N (default: the engine's default output size), --iterations=N, --strengths=3,5,7,
 * --photos=tubingen,dog (default: all), --paintings=starry_night,the_scream,great_wave.
 */
import './huge-pages.ts';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadEngineEnvironment } from '../src/bot/config.ts';
import { renderContactSheet } from '../src/bot/styles/library.ts';
import { chooseBackend } from '../src/engine/backend.ts';
import { createEngine } from '../src/engine/engine.ts';
import { encodeGif } from '../src/engine/gif.ts';
import { decodeImage, encodePng } from '../src/engine/image.ts';
import { DEFAULT_STRENGTH } from '../src/engine/options.ts';
import { edgeSimilarity, styleMatch } from '../src/engine/quality.ts';
import { createFeatureNetwork } from '../src/engine/vgg.ts';
import { loadVggWeights, locateWeights } from '../src/engine/weights.ts';

const flags = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
const list = (value: string | undefined) => value?.split(',').filter(Boolean);
const shared = resolve(process.env.IMPASTO_SHARED_DIR ?? join('..', 'shared'));
const images = join(shared, 'images');
const strengths = (list(flags.strengths) ?? [String(DEFAULT_STRENGTH - 2), String(DEFAULT_STRENGTH), String(DEFAULT_STRENGTH + 2)]).map(Number);
const photoNames = list(flags.photos) ?? (await readdir(images)).filter((file) => file.startsWith('content_')).map((file) => file.slice(8, -4)).sort();
const paintingNames = list(flags.paintings) ?? ['starry_night', 'the_scream', 'great_wave'];

const env = loadEngineEnvironment();
const engine = await createEngine({ backend: env.IMPASTO_BACKEND, objectiveEngine: env.IMPASTO_ENGINE, weightsDir: env.IMPASTO_WEIGHTS_DIR, download: { baseUrl: env.IMPASTO_WEIGHTS_URL } });
// The metric's network: TensorFlow.js on the same weights, apart from the engine being measured.
await chooseBackend('wasm');
const network = createFeatureNetwork(await loadVggWeights(await locateWeights({ explicitDir: env.IMPASTO_WEIGHTS_DIR })), 'max');
const load = async (name: string) => decodeImage(await readFile(join(images, name)));
const outDir = resolve('test-output', 'quality');
await mkdir(outDir, { recursive: true });

interface Row {
  photo: string;
  painting: string;
  strength: number;
  size: string;
  edgeSsim: number;
  styleMatch: number;
  wallSeconds: number;
  gifMB: number;
}
const rows: Row[] = [];
const tiles: { path: string; label: string }[] = [];
for (const photoName of photoNames) {
  const content = await load(`content_${photoName}.jpg`);
  for (const paintingName of paintingNames) {
    const style = await load(`style_${paintingName}.jpg`);
    tiles.push({ path: join(images, `content_${photoName}.jpg`), label: photoName }, { path: join(images, `style_${paintingName}.jpg`), label: paintingName });
    for (const strength of strengths) {
      const started = performance.now();
      const result = await engine.stylize({
        content,
        style,
        options: { strength, seed: 1, ...(flags.size ? { size: Number(flags.size) } : {}), ...(flags.iterations ? { iterations: Number(flags.iterations) } : {}) },
      });
      // The whole job as the worker runs it: the picture, then its PNG and GIF.
      const png = await encodePng(result.image);
      const gif = await encodeGif(result.frames);
      const wallSeconds = (performance.now() - started) / 1000;
      const row: Row = {
        photo: photoName,
        painting: paintingName,
        strength,
        size: `${result.image.width}×${result.image.height}`,
        edgeSsim: await edgeSimilarity(result.image, content),
        styleMatch: await styleMatch(network, result.image, content, style),
        wallSeconds,
        gifMB: gif.byteLength / 2 ** 20,
      };
      rows.push(row);
      const path = join(outDir, `${photoName}-${paintingName}-${strength}.png`);
      await writeFile(path, png);
      tiles.push({ path, label: `s${strength} · ${row.edgeSsim.toFixed(2)} · ${row.styleMatch.toFixed(2)}` });
      console.error(`${photoName} × ${paintingName} @ ${strength}: ${row.size}, edge SSIM ${row.edgeSsim.toFixed(3)}, style match ${row.styleMatch.toFixed(3)}, ${wallSeconds.toFixed(1)} s, GIF ${row.gifMB.toFixed(1)} MB`);
    }
  }
}

const sheet = join('test-output', 'quality.png');
await writeFile(sheet, await renderContactSheet(tiles, { columns: 2 + strengths.length, fit: 'contain' }));
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const summary = strengths.map((strength) => {
  const mine = rows.filter((row) => row.strength === strength);
  return {
    strength,
    edgeSsim: Number(mean(mine.map((row) => row.edgeSsim)).toFixed(3)),
    styleMatch: Number(mean(mine.map((row) => row.styleMatch)).toFixed(3)),
    medianWallSeconds: Number(mine.map((row) => row.wallSeconds).sort((a, b) => a - b)[Math.floor(mine.length / 2)]!.toFixed(1)),
    maxWallSeconds: Number(Math.max(...mine.map((row) => row.wallSeconds)).toFixed(1)),
    largestGifMB: Number(Math.max(...mine.map((row) => row.gifMB)).toFixed(2)),
  };
});
// The bench process also holds the metric's network: this is an upper bound for a job's worker.
const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}; engine: ${engine.objectiveEngine === 'onnx' ? 'onnxruntime' : `TensorFlow.js ${engine.backend}`}; layers: ${engine.availableLayers.at(-1)}`);
console.table(rows.map((row) => ({ ...row, edgeSsim: row.edgeSsim.toFixed(3), styleMatch: row.styleMatch.toFixed(3), wallSeconds: row.wallSeconds.toFixed(1), gifMB: row.gifMB.toFixed(2) })));
console.table(summary);
console.log(`peak RSS of the bench process: ${peakRssMB} MB`);
console.log(JSON.stringify({ rows, summary, peakRssMB }, null, 2));
console.log(`contact sheet: ${sheet}`);
network.dispose();
engine.dispose();
tf.disposeVariables();
