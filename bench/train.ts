/**
 * `npm run bench:train`: the time of one training step of a fast network (forward, perceptual
 * losses, backward, Adam) at 256-px crops, batches of 4 and of 1, from random weights, on the
 * training engine chosen as the bot would (IMPASTO_ENGINE, IMPASTO_BACKEND: TensorFlow.js on a GPU,
 * else onnxruntime); the median of several steps after a warm-up, and the process's peak RSS. Not a
 * test. Arguments: steps measured (5), crop size (256).
 */
import './huge-pages.ts';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { loadEngineEnvironment } from '../src/bot/config.ts';
import { decodeImage } from '../src/engine/image.ts';
import { openTrainingPhotos } from '../src/engine/train/photos.ts';
import { trainStyleNetwork } from '../src/engine/train/trainer.ts';
import { createTrainContext } from '../src/engine/train/choose.ts';

const [measured = 5, size = 256] = process.argv.slice(2).map(Number);
const images = process.env.IMPASTO_SHARED_DIR ? join(process.env.IMPASTO_SHARED_DIR, 'images') : join('..', 'shared', 'images');
const env = loadEngineEnvironment();
const context = await createTrainContext({ weightsDir: env.IMPASTO_WEIGHTS_DIR, fastWeightsDir: env.IMPASTO_FAST_WEIGHTS_DIR, backend: env.IMPASTO_BACKEND, engine: env.IMPASTO_ENGINE });
const folder = await mkdtemp(join(tmpdir(), 'impasto-bench-train-'));
for (const name of ['content_beach_kites.jpg', 'content_dog.jpg', 'content_person.jpg']) await symlink(join(images, name), join(folder, name));
const painting = await decodeImage(await readFile(join(images, 'style_starry_night.jpg')));
const photos = await openTrainingPhotos(folder);

const rows = [];
for (const batch of [4, 1]) {
  const times: number[] = [];
  let last = performance.now();
  await trainStyleNetwork(
    context,
    { painting, photos, checkpointPath: join(folder, `bench-${batch}.checkpoint`), options: { steps: measured + 1, size, batch, checkpointEvery: 100_000, sampleEvery: 100_000 } },
    {
      onStep: ({ step }) => {
        const now = performance.now();
        // The first step builds the sessions: not counted.
        if (step > 1) times.push(now - last);
        last = now;
      },
    },
  );
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  rows.push({ crops: `${batch} × ${size}²`, medianStepSeconds: Number((median / 1000).toFixed(2)), cropsPerSecond: Number(((batch * 1000) / median).toFixed(2)), steps: times.length });
}
await rm(folder, { recursive: true, force: true });
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`;
console.log(`training a fast network: ${context.engine.label} on ${machine}`);
console.table(rows);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
