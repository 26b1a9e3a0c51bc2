/**
 * `npm run bench:scale`: the cost and the correctness of running jobs through BullMQ on Redis. The
 * same queue of small optimisation jobs runs on the embedded default (the bot's own engine), then
 * through a real redis-server with 1 and with 2 `impasto worker` processes (one engine thread each).
 * On a 2-vCPU machine this measures the overhead of the distributed queue, not scaling: two workers
 * share the same two cores. Prints a table and JSON (medians of the runs).
 *
 *   npm run bench:scale -- [jobs per run=12] [runs=3]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBot, type Bot } from '../src/bot/bot.ts';
import { loadBotEnvironment } from '../src/bot/config.ts';
import { FINAL_EVENTS, type JobEvent } from '../src/bot/jobs/queue.ts';
import { createLogger } from '../src/bot/logger.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { SHARED_FAST_DIR, SHARED_VGG_DIR, sharedImagePath } from '../test/helpers/shared.ts';
import { startWorkerProcess, type WorkerProcess } from '../test/helpers/workers.ts';
import { medianOf } from './median.ts';

const jobsPerRun = Number(process.argv[2] ?? 12);
const runs = Number(process.argv[3] ?? 3);
const job = { size: 96, iterations: 20 };
const photo = { bytes: new Uint8Array(await readFile(sharedImagePath('content_tubingen.jpg'))), name: 'tubingen.jpg' };
const painting = { bytes: new Uint8Array(await readFile(sharedImagePath('style_starry_night.jpg'))), name: 'starry.jpg' };
const context = (user: string) => ({ requester: { platform: 'web' as const, community: 'web', userId: user, userName: user, isModerator: false }, origin: { platform: 'web' as const, channelId: 'bench' } });

function ended(bot: Bot, jobId: string): Promise<JobEvent> {
  return new Promise((resolve) => {
    const stop = bot.onEvent((event) => {
      if (event.job.id === jobId && FINAL_EVENTS.has(event.type)) {
        stop();
        resolve(event);
      }
    });
  });
}

/** Submits `count` jobs at once and waits for all: jobs per minute, and each job's wait before it started. */
async function runQueue(bot: Bot, count: number): Promise<{ jobsPerMinute: number; waitsS: number[] }> {
  const start = performance.now();
  const ids: string[] = [];
  const ends: Promise<JobEvent>[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await bot.execute('stylize', { content: photo, style: painting, ...job }, context(`user-${i}`));
    if (!reply.jobId) throw new Error(reply.text);
    ids.push(reply.jobId);
    ends.push(ended(bot, reply.jobId));
  }
  const events = await Promise.all(ends);
  const failed = events.filter((event) => event.type !== 'succeeded');
  if (failed.length > 0) throw new Error(`${failed.length} jobs did not succeed`);
  const minutes = (performance.now() - start) / 60_000;
  const waitsS = ids.map((id) => {
    const stored = bot.job(id)!;
    return (stored.startedAt! - stored.createdAt) / 1000;
  });
  return { jobsPerMinute: count / minutes, waitsS };
}

async function measure(label: string, extraEnv: Record<string, string>, before?: () => Promise<void>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'impasto-scale-'));
  const env = loadBotEnvironment({ ...process.env, IMPASTO_DATA_DIR: dataDir, IMPASTO_WEIGHTS_DIR: SHARED_VGG_DIR, IMPASTO_FAST_WEIGHTS_DIR: SHARED_FAST_DIR, IMPASTO_BACKEND: 'wasm', IMPASTO_DEFAULT_LIBRARY: 'false', IMPASTO_MAX_QUEUE: '1000', IMPASTO_MAX_QUEUED_PER_COMMUNITY: '1000', ...extraEnv });
  const bot = createBot({ env, logger: createLogger({ level: 'silent', secrets: [] }) });
  await bot.start();
  await before?.();
  await runQueue(bot, 2); // warm: graphs built, weights loaded
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await runQueue(bot, jobsPerRun));
  await bot.stop();
  await rm(dataDir, { recursive: true, force: true });
  const waits = results.flatMap((result) => result.waitsS);
  return {
    setup: label,
    jobsPerMinute: Number(medianOf(results.map((result) => result.jobsPerMinute)).toFixed(1)),
    medianWaitS: Number(medianOf(waits).toFixed(1)),
    maxWaitS: Number(Math.max(...waits).toFixed(1)),
  };
}

const rows = [await measure('embedded (no Redis)', {})];
for (const count of [1, 2]) {
  const redis = await startRedis();
  const workers: WorkerProcess[] = [];
  rows.push(
    await measure(`Redis + ${count} worker${count > 1 ? 's' : ''}`, { REDIS_URL: redis.url }, async () => {
      for (let i = 0; i < count; i++) workers.push(await startWorkerProcess(redis.url, `bench-${i + 1}`, { IMPASTO_METRICS_PORT: '' }));
    }),
  );
  for (const worker of workers) {
    worker.child.kill('SIGTERM');
    await worker.exited();
  }
  await redis.stop();
}
console.log(`scale-out · ${jobsPerRun} jobs of ${job.size} px × ${job.iterations} iterations per run, median of ${runs} runs · onnxruntime · ${cpus().length}× ${cpus()[0]?.model.trim() ?? 'CPU'}`);
console.table(rows);
console.log(JSON.stringify({ jobsPerRun, runs, job, rows }));
