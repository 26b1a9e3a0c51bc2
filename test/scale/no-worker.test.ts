import { readFile } from 'node:fs/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadedImage } from '../../src/bot/commands/types.ts';
import { contextFor, startTestBot, waitForEnd } from '../helpers/bot.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { sharedImagePath } from '../helpers/shared.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/workers.ts';

/**
 * The bot on Redis while no `impasto worker` runs (all stopped for a deploy, or crashed): a real
 * redis-server, the bot in this process, and a real worker started later. Users were told "It starts
 * next; done in about 30 s" of a job that nothing would take.
 */
let redis: TestRedis;
let harness: Awaited<ReturnType<typeof startTestBot>>;
let worker: WorkerProcess | undefined;
let content: UploadedImage;
let style: UploadedImage;

beforeAll(async () => {
  redis = await startRedis();
  harness = await startTestBot({ REDIS_URL: redis.url, IMPASTO_METRICS_PORT: '0' });
  content = { bytes: await readFile(sharedImagePath('content_tubingen.jpg')), name: 'tubingen.jpg' };
  style = { bytes: await readFile(sharedImagePath('style_starry_night.jpg')), name: 'starry.jpg' };
}, 60_000);

afterAll(async () => {
  await harness?.stop();
  worker?.child.kill('SIGTERM');
  await worker?.exited();
  await redis?.stop();
}, 60_000);

/** The bot's `impasto_engines` gauge, lane by lane, for an operator's alert. */
async function enginesMetric(): Promise<Record<string, number>> {
  const text = await (await fetch(harness.bot.metricsUrl()!)).text();
  return Object.fromEntries([...text.matchAll(/^impasto_engines\{lane="(\w+)"\} (\d+)$/gm)].map(([, lane, count]) => [lane!, Number(count)]));
}

/** The bot's log lines whose message has `part`, with their level. */
function logOf(part: string): { level: number; msg: string }[] {
  return harness.logLines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.msg.includes(part)).map(({ level, msg }) => ({ level, msg }));
}

const stylize = (userId: string) => harness.bot.execute('stylize', { content, style, size: 64, iterations: 3 }, contextFor(userId));

describe('jobs while no worker runs', () => {
  it('are said to wait for an engine, with no estimate, and are painted once a worker starts', async () => {
    const first = await stylize('ann');
    // Once the bot has counted the workers (none).
    await expect.poll(() => harness.bot.queueEntry(first.jobId!)?.waitsForEngine, { timeout: 20_000 }).toBe(true);
    // The playground's header says why nothing paints; the operator's log says which jobs wait.
    expect(harness.bot.engineProblem()).toBe('no impasto worker is taking jobs');
    expect(logOf('no worker takes')).toEqual([{ level: 30, msg: 'no worker takes paint, fast, or train jobs yet: they wait for an `impasto worker` whose IMPASTO_WORKER_LANES includes paint, fast, or train' }]);
    const second = await stylize('bea');
    expect(second.text).toBe(`Queued job ${second.jobId} (uploaded image). Position 2 in the queue, but no engine is taking these jobs right now: it starts when one is.`);
    const queued = harness.events.find((event) => event.job.id === second.jobId && event.type === 'queued');
    expect(queued).toMatchObject({ position: 2, waitsForEngine: true });
    expect(await enginesMetric()).toEqual({ paint: 0, fast: 0, train: 0 });
    expect((await harness.bot.execute('queue', {}, contextFor('ann'))).text).toMatch(/^#1 · job \S+ by user-ann \(yours\) · uploaded image, 64 px · waiting: no engine is taking these jobs right now\n#2 · job /);

    worker = await startWorkerProcess(redis.url, 'late');
    const ends = await Promise.all([first.jobId!, second.jobId!].map((id) => waitForEnd(harness.events, harness.bot, id)));
    expect(ends.map((event) => event.type)).toEqual(['succeeded', 'succeeded']);
    // Once the bot has counted the worker (at its next look, within 2 s), a job has an estimate again.
    // Paused, the worker takes nothing, so the job waits to be looked at.
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const paintQueue = new Queue('paint', { connection, prefix: 'impasto' });
    try {
      await paintQueue.pause();
      const third = await stylize('cy');
      await expect.poll(() => harness.bot.queueEntry(third.jobId!)?.waitsForEngine, { timeout: 20_000 }).toBe(false);
      expect(harness.bot.queueEntry(third.jobId!)).toMatchObject({ position: 1, waitsForEngine: false });
      // A worker takes the paint and fast lanes unless told otherwise; training waits for one that takes it.
      expect(await enginesMetric()).toEqual({ paint: 1, fast: 1, train: 0 });
      expect(harness.bot.engineProblem()).toBeUndefined();
      expect(logOf('jobs have a worker now').map((line) => line.msg)).toEqual(['paint jobs have a worker now', 'fast jobs have a worker now']);
      await paintQueue.resume();
      expect((await waitForEnd(harness.events, harness.bot, third.jobId!)).type).toBe('succeeded');

      // The last worker stopped (a deploy): a warning, since nothing else fails; once that has lasted a
      // worker's heartbeat (after a Redis restart, workers announce themselves again within one).
      worker.child.kill('SIGTERM');
      await worker.exited();
      await expect.poll(() => harness.bot.engineProblem(), { timeout: 20_000 }).toBe('no impasto worker is taking jobs');
      await expect.poll(() => logOf('any more').length, { timeout: 20_000 }).toBe(2);
      expect(logOf('any more')).toEqual([
        { level: 40, msg: 'no worker takes paint jobs any more: they wait for an `impasto worker` whose IMPASTO_WORKER_LANES includes paint' },
        { level: 40, msg: 'no worker takes fast jobs any more: they wait for an `impasto worker` whose IMPASTO_WORKER_LANES includes fast' },
      ]);
    } finally {
      await paintQueue.close();
      connection.disconnect();
    }
  }, 180_000);
});
