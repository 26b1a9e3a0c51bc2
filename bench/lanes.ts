/**
 * `npm run bench:lanes`: is an instant job instant while the bot paints? Starts the real bot (its
 * two engine processes) on a fresh data directory, then times fast jobs of the default size from
 * submission to result: alone, then while a default optimisation runs in the other lane; and the
 * optimisation alone and with fast jobs beside it. Prints a table and JSON (medians).
 *
 *   npm run bench:lanes -- [fast jobs per case=5]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBot } from '../src/bot/bot.ts';
import { loadBotEnvironment } from '../src/bot/config.ts';
import type { JobEvent } from '../src/bot/jobs/queue.ts';
import { createLogger } from '../src/bot/logger.ts';
import { commandLimitsFor } from '../src/bot/limits.ts';
import { medianOf } from './median.ts';

const count = Number(process.argv[2] ?? 5);
const images = process.env.IMPASTO_SHARED_DIR ? join(process.env.IMPASTO_SHARED_DIR, 'images') : join('..', 'shared', 'images');
const dataDir = await mkdtemp(join(tmpdir(), 'impasto-lanes-'));
const env = loadBotEnvironment({ ...process.env, IMPASTO_DATA_DIR: dataDir, IMPASTO_MAX_QUEUED_PER_USER: '50' });
const bot = createBot({ env, logger: createLogger({ level: 'silent', secrets: [] }) });
await bot.start();
const photo = { bytes: new Uint8Array(await readFile(join(images, 'content_tubingen.jpg'))), name: 'tubingen.jpg' };
const context = (user: string) => ({ requester: { platform: 'web' as const, community: 'web', userId: user, userName: user, isModerator: false }, origin: { platform: 'web' as const, channelId: 'bench' } });
const finished = (jobId: string) =>
  new Promise<JobEvent>((resolve) => {
    const stop = bot.onEvent((event) => {
      if (event.job.id === jobId && ['succeeded', 'failed', 'cancelled'].includes(event.type)) {
        stop();
        resolve(event);
      }
    });
  });

/** Submission to result of one job, in seconds. */
async function timeJob(args: Record<string, unknown>, user: string): Promise<number> {
  const start = performance.now();
  const reply = await bot.execute('stylize', { content: photo, ...args }, context(user));
  if (!reply.jobId) throw new Error(reply.text);
  const event = await finished(reply.jobId);
  if (event.type !== 'succeeded') throw new Error(`job ${reply.jobId} ${event.type}`);
  return (performance.now() - start) / 1000;
}

// The shared photos are 512 px wide, and without a size the bot paints at the photo's own size when
// it is smaller than the default: the default size is asked for, as a larger photo would get it.
const size = commandLimitsFor(env).defaultSize;
// Warm both lanes (graphs built, weights loaded) before timing.
await timeJob({ style_name: 'the-scream', size }, 'warm');
await timeJob({ style_name: 'the-scream', size: 128, iterations: 2 }, 'warm');

const alone: number[] = [];
for (let i = 0; i < count; i++) alone.push(await timeJob({ style_name: 'the-scream', size }, 'fast'));
const optimisationAlone = await timeJob({ style_name: 'starry-night', size }, 'paint');

const beside: number[] = [];
const optimisation = timeJob({ style_name: 'starry-night', size }, 'paint');
await new Promise((resolve) => setTimeout(resolve, 3000));
for (let i = 0; i < count; i++) beside.push(await timeJob({ style_name: 'the-scream', size }, 'fast'));
const optimisationBeside = await optimisation;

const rows = [
  { job: `fast, ${size} px, alone`, medianSeconds: Number(medianOf(alone).toFixed(2)) },
  { job: 'fast, while an optimisation runs', medianSeconds: Number(medianOf(beside).toFixed(2)) },
  { job: `optimisation (defaults, ${size} px), alone`, medianSeconds: Number(optimisationAlone.toFixed(1)) },
  { job: `optimisation, with ${count} fast jobs beside it`, medianSeconds: Number(optimisationBeside.toFixed(1)) },
];
console.log(`lanes · submission to result · ${bot.engineInfo()?.label ?? 'engine'} · ${cpus().length}× ${cpus()[0]?.model.trim() ?? 'CPU'}`);
console.table(rows);
console.log(JSON.stringify({ count, alone, beside, optimisationAlone, optimisationBeside }));
await bot.stop();
await rm(dataDir, { recursive: true, force: true });
