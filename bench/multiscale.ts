/**
 * `npm run bench:multiscale`: does coarse-to-fine pay off? Runs single-scale for a number of
 * iterations, then multi-scale for about the same wall time (estimated from pixel counts, then
 * corrected once from the measured time), and compares the final loss of both images measured the
 * same way, at the target size. Prints a table and JSON.
 */
import './huge-pages.ts';
import { cpus } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadEngineEnvironment } from '../src/bot/config.ts';
import { createEngine } from '../src/engine/engine.ts';
import { decodeImage } from '../src/engine/image.ts';
import { scaleSchedule } from '../src/engine/multiscale.ts';

const images = process.env.IMPASTO_SHARED_DIR ? join(process.env.IMPASTO_SHARED_DIR, 'images') : join('..', 'shared', 'images');
const size = Number(process.argv[2] ?? 256);
const singleIterations = Number(process.argv[3] ?? 40);
const env = loadEngineEnvironment();
const engine = await createEngine({ backend: env.IMPASTO_BACKEND, objectiveEngine: env.IMPASTO_ENGINE, weightsDir: env.IMPASTO_WEIGHTS_DIR, download: { baseUrl: env.IMPASTO_WEIGHTS_URL } });
const load = async (name: string) => decodeImage(await readFile(join(images, name)));
const [content, style] = await Promise.all([load('content_tubingen.jpg'), load('style_starry_night.jpg')]);

const single = await engine.stylize({ content, style, options: { size, iterations: singleIterations, multiScale: false, seed: 1 } });
// Iterations at scale s cost about (s/size)² of one at full size: give multi-scale the same budget.
let multiIterations = singleIterations;
for (;;) {
  const work = scaleSchedule(size, multiIterations + 1, true).reduce((sum, stage) => sum + stage.iterations * (stage.size / size) ** 2, 0);
  if (work > singleIterations) break;
  multiIterations += 1;
}
let multi = await engine.stylize({ content, style, options: { size, iterations: multiIterations, seed: 1 } });
// The pixel-count model ignores per-iteration overheads; one correction from the measured time
// brings the two runs to about the same wall time.
multiIterations = Math.max(1, Math.round((multiIterations * single.elapsedMs) / multi.elapsedMs));
multi = await engine.stylize({ content, style, options: { size, iterations: multiIterations, seed: 1 } });
const measure = await engine.measureLoss({ content, style, options: { size, multiScale: false } }, [single.image, multi.image]);
const rows = [
  { run: 'single-scale', iterations: singleIterations, wallSeconds: Number((single.elapsedMs / 1000).toFixed(1)), finalLossAtTarget: Number(measure[0]!.total.toExponential(3)) },
  { run: `multi-scale ${multi.scales.map((stage) => `${stage.size}:${stage.iterations}`).join(' ')}`, iterations: multiIterations, wallSeconds: Number((multi.elapsedMs / 1000).toFixed(1)), finalLossAtTarget: Number(measure[1]!.total.toExponential(3)) },
];
console.log(`multi-scale vs single-scale at ${size} px, backend ${engine.backend}, ${cpus().length} × ${cpus()[0]?.model.trim()}`);
console.table(rows);
console.log(JSON.stringify({ size, backend: engine.backend, rows }, null, 2));
engine.dispose();
