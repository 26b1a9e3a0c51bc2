/**
 * `npm run bench:clip`: a 2-second clip (24 frames at 12 fps) at 256 px, made from the shared photos
 * (a patch of the dog photo sliding over Tübingen, with a little sensor noise), painted three ways:
 * a fast network frame by frame, Gatys frame by frame, and Gatys with temporal consistency. Prints
 * each one's wall time and flicker (the stylized change on still pixels ÷ the input's). Not a test.
 * Arguments: frames (24), size (256), iterations (60).
 */
import './huge-pages.ts';
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadEngineEnvironment } from '../src/bot/config.ts';
import { measureFlicker } from '../src/engine/clip/flicker.ts';
import { stylizeClip, type ClipRequest } from '../src/engine/clip/stylize-clip.ts';
import { syntheticClip } from '../src/engine/clip/synthetic.ts';
import { LATER_FRAME_ITERATIONS } from '../src/engine/clip/temporal.ts';
import { createEngine } from '../src/engine/engine.ts';
import { decodeImage } from '../src/engine/image.ts';

const [frames = 24, size = 256, iterations = 60] = process.argv.slice(2).map(Number);
const images = process.env.IMPASTO_SHARED_DIR ? join(process.env.IMPASTO_SHARED_DIR, 'images') : join('..', 'shared', 'images');
const load = async (name: string) => decodeImage(await readFile(join(images, name)));
const env = loadEngineEnvironment();
const engine = await createEngine({ backend: env.IMPASTO_BACKEND, objectiveEngine: env.IMPASTO_ENGINE, weightsDir: env.IMPASTO_WEIGHTS_DIR });
const context = { engine: async () => engine, fastWeightsDir: env.IMPASTO_FAST_WEIGHTS_DIR };
// 4:3 at `size`, moving 4 px a frame at 12 fps: a slow pan's worth of motion.
const clip = await syntheticClip(await load('content_tubingen.jpg'), await load('content_dog.jpg'), { frames, width: size, height: Math.round((size * 3) / 4), speed: 4, delayMs: Math.round(1000 / 12) });
const styles = [{ image: await load('style_starry_night.jpg'), weight: 1 }];

const runs: [string, Omit<ClipRequest, 'clip' | 'styles'>][] = [
  ['fast (udnie), frame by frame', { method: 'fast', options: { network: 'udnie', size } }],
  ['Gatys, frame by frame', { method: 'optimise', temporal: false, options: { size, iterations, seed: 1 } }],
  ['Gatys, temporally consistent', { method: 'optimise', options: { size, iterations, seed: 1 } }],
];
const rows = [];
for (const [label, request] of runs) {
  const started = performance.now();
  const result = await stylizeClip(context, { clip, styles, ...request });
  const seconds = (performance.now() - started) / 1000;
  const flicker = await measureFlicker(clip.frames, result.frames);
  rows.push({ method: label, frames, size: `${clip.frames[0]!.width}×${clip.frames[0]!.height}`, wallSeconds: Number(seconds.toFixed(1)), flickerRatio: Number(flicker.ratio.toFixed(2)), stylizedChange: Number(flicker.stylized.toFixed(2)), inputChange: Number(flicker.input.toFixed(2)) });
  console.log(`${label}: ${seconds.toFixed(1)} s, flicker ${flicker.ratio.toFixed(2)}`);
}
console.log(`\nclip benchmark — ${engine.objectiveEngine === 'onnx' ? 'onnxruntime' : `TensorFlow.js ${engine.backend}`}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log(`${frames} frames (${((frames * 1000) / 12 / 1000).toFixed(1)} s at 12 fps), Gatys ${iterations} iterations on the first frame and ${Math.round(iterations * LATER_FRAME_ITERATIONS)} on each later one (temporal) or ${iterations} on every frame`);
console.table(rows);
engine.dispose();
