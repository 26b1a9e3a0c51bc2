import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPASTO_BIN } from '../helpers/app.ts';
import type { UploadedImage } from '../../src/bot/commands/types.ts';
import { FINAL_EVENTS, type JobEvent } from '../../src/bot/jobs/queue.ts';
import type { ClusterStatus } from '../../src/bot/jobs/redis/status.ts';
import { contextFor, startTestBot, waitForEnd, waitForEvent } from '../helpers/bot.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { loadSharedImage, sharedImagePath } from '../helpers/shared.ts';
import { syntheticClip } from '../../src/engine/clip/synthetic.ts';
import { encodeGif } from '../../src/engine/gif.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/workers.ts';

/**
 * Scale-out through BullMQ: a real Debian redis-server, the bot in this process with REDIS_URL set,
 * and two real `impasto worker` processes. Workers are killed with SIGKILL and Redis is restarted
 * and emptied while jobs wait; every accepted job must end exactly once.
 */
// Shortened from 30 s so that a dead worker's job moves on within the test.
const WORKER_ENV = { IMPASTO_WORKER_STALLED_MS: '3000', IMPASTO_WORKER_MAX_STALLS: '1' };
const BOT_ENV = { IMPASTO_MAX_QUEUED_PER_USER: '3', IMPASTO_METRICS_PORT: '0' };

let redis: TestRedis;
let harness: Awaited<ReturnType<typeof startTestBot>>;
const workers = new Map<string, WorkerProcess>();
let bull: Redis;
let paintQueue: Queue;
let content: UploadedImage;
let style: UploadedImage;

beforeAll(async () => {
  redis = await startRedis();
  harness = await startTestBot({ REDIS_URL: redis.url, ...BOT_ENV });
  for (const name of ['w1', 'w2']) workers.set(name, await startWorkerProcess(redis.url, name, WORKER_ENV));
  bull = new Redis(redis.url, { maxRetriesPerRequest: null });
  bull.on('error', () => undefined); // the Redis restarts below are intended
  paintQueue = new Queue('paint', { connection: bull, prefix: 'impasto' });
  paintQueue.on('error', () => undefined);
  content = { bytes: await readFile(sharedImagePath('content_tubingen.jpg')), name: 'tubingen.jpg' };
  style = { bytes: await readFile(sharedImagePath('style_starry_night.jpg')), name: 'starry.jpg' };
}, 120_000);

afterAll(async () => {
  await harness?.stop();
  for (const worker of workers.values()) {
    worker.child.kill('SIGTERM');
    await worker.exited();
  }
  await paintQueue?.close();
  bull?.disconnect();
  await redis?.stop();
}, 60_000);

async function submit(userId: string, options: { size?: number; iterations?: number } = {}): Promise<string> {
  const reply = await harness.bot.execute('stylize', { content, style, size: options.size ?? 64, iterations: options.iterations ?? 5 }, contextFor(userId));
  if (!reply.jobId) throw new Error(`not queued: ${reply.text}`);
  return reply.jobId;
}

const finalEventsOf = (jobId: string) => harness.events.filter((event) => event.job.id === jobId && FINAL_EVENTS.has(event.type));
const collectedBy = () =>
  harness.logLines
    .map((line) => JSON.parse(line) as { msg: string; jobId?: string; worker?: string })
    .filter((line) => line.msg === 'collected a job from a worker')
    .map(({ jobId, worker }) => ({ jobId: jobId!, worker: worker! }));

/** The worker running a job, once BullMQ has given it to one. */
async function workerRunning(jobId: string): Promise<WorkerProcess> {
  for (;;) {
    const job = await paintQueue.getJob(jobId);
    if (job?.processedBy && (await job.getState()) === 'active') {
      const worker = workers.get(job.processedBy);
      if (worker) return worker;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function killWorker(worker: WorkerProcess): Promise<void> {
  worker.child.kill('SIGKILL');
  await worker.exited();
  workers.delete(worker.name);
}

async function status(): Promise<ClusterStatus> {
  const { stdout } = await promisify(execFile)(process.execPath, [IMPASTO_BIN, 'status', '--json'], { env: { ...process.env, REDIS_URL: redis.url, IMPASTO_DATA_DIR: harness.dataDir } });
  return JSON.parse(stdout) as ClusterStatus;
}

describe('jobs through BullMQ on Redis', () => {
  it('spreads jobs across both workers, with progress, results, metrics and status', async () => {
    const ids = await Promise.all(['ann', 'ben', 'cat', 'dan'].map((user) => submit(user)));
    const ends = await Promise.all(ids.map((id) => waitForEnd(harness.events, harness.bot, id)));
    expect(ends.map((event) => event.type)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    for (const id of ids) {
      const types = harness.events.filter((event) => event.job.id === id).map((event) => event.type);
      expect(types[0]).toBe('queued');
      expect(types.filter((type) => type === 'started')).toHaveLength(1);
      expect(types.filter((type) => type === 'progress').length).toBeGreaterThanOrEqual(1);
      expect(finalEventsOf(id)).toHaveLength(1);
      const job = harness.bot.job(id)!;
      expect(job.result).toMatchObject({ width: 64, height: 48, iterations: 5, backend: 'onnxruntime' });
      const files = await harness.bot.resultFiles(job);
      expect((await sharp(files.png).metadata()).format).toBe('png');
      expect((await sharp(files.gif, { animated: true }).metadata()).pages).toBeGreaterThan(1);
    }
    // Progress carried the preview frames across Redis.
    const progress = harness.events.filter((event): event is Extract<JobEvent, { type: 'progress' }> => event.type === 'progress' && ids.includes(event.job.id));
    expect(progress.some((event) => (event.preview?.byteLength ?? 0) > 0)).toBe(true);
    expect(new Set(collectedBy().filter(({ jobId }) => ids.includes(jobId)).map(({ worker }) => worker))).toEqual(new Set(['w1', 'w2']));

    // Nothing of the finished jobs is left in Redis.
    expect(await bull.keys('impasto:files:*')).toEqual([]);
    expect(await paintQueue.getJobCounts('completed', 'failed', 'waiting', 'active')).toEqual({ completed: 0, failed: 0, waiting: 0, active: 0 });

    const botMetrics = await (await fetch(harness.bot.metricsUrl()!)).text();
    expect(botMetrics).toMatch(/^impasto_jobs_finished_total\{method="optimise",outcome="succeeded"\} 4$/m);
    expect(botMetrics).toMatch(/^impasto_queue_wait_seconds_count\{lane="paint"\} 4$/m);
    const workerMetrics = await Promise.all([...workers.values()].map(async (worker) => (await fetch(worker.metricsUrl)).text()));
    const workerCounts = workerMetrics.map((text) => Number(/^impasto_worker_jobs_total\{lane="paint",outcome="succeeded"\} (\d+)$/m.exec(text)?.[1] ?? 0));
    expect(workerCounts.reduce((sum, count) => sum + count, 0)).toBe(4);
    // Each worker says how much room its scratch folder's disk has left.
    for (const text of workerMetrics) expect(Number(/^impasto_disk_free_bytes (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);

    const cluster = await status();
    expect(cluster.workers.map((worker) => worker.name)).toEqual(['w1', 'w2']);
    expect(cluster.workers.every((worker) => worker.backend === 'onnxruntime' && worker.lanes.includes('paint'))).toBe(true);
    // What paints, as the playground says it (and the ETAs follow): the workers' engine.
    expect(cluster.workers.every((worker) => worker.paintEngine?.objectiveEngine === 'onnx')).toBe(true);
    await expect.poll(() => harness.bot.engineInfo()?.label, { timeout: 10_000 }).toBe('onnxruntime on 2 workers');
  }, 120_000);

  it('cancels a waiting job and a running one through Redis', async () => {
    const running = await submit('eve', { size: 128, iterations: 300 });
    const other = await submit('fay', { size: 128, iterations: 300 });
    const waiting = await submit('eve', { size: 64, iterations: 5 });
    await Promise.all([running, other].map((id) => waitForEvent(harness.events, harness.bot, (event) => event.job.id === id && event.type === 'progress')));
    for (const id of [waiting, running, other]) await harness.bot.execute('cancel', { job: id }, contextFor(id === other ? 'fay' : 'eve'));
    for (const id of [waiting, running, other]) expect((await waitForEnd(harness.events, harness.bot, id)).type).toBe('cancelled');
    await harness.bot.idle();
    for (const id of [waiting, running, other]) expect(finalEventsOf(id)).toHaveLength(1);
    // The workers are free again: a new job runs.
    const next = await submit('eve');
    expect((await waitForEnd(harness.events, harness.bot, next)).type).toBe('succeeded');
  }, 120_000);

  it('finishes a job on the other worker when its worker is killed (-9) mid-job, and announces it once', async () => {
    const id = await submit('gus', { size: 96, iterations: 40 });
    await waitForEvent(harness.events, harness.bot, (event) => event.job.id === id && event.type === 'progress' && event.progress.iteration >= 2);
    const victim = await workerRunning(id);
    await killWorker(victim);
    const end = await waitForEnd(harness.events, harness.bot, id);
    expect(end.type).toBe('succeeded');
    expect(harness.bot.job(id)!.result?.iterations).toBe(40);
    expect(collectedBy().find(({ jobId }) => jobId === id)?.worker).not.toBe(victim.name);
    const types = harness.events.filter((event) => event.job.id === id).map((event) => event.type);
    expect(types.filter((type) => type === 'started')).toHaveLength(1);
    expect(finalEventsOf(id)).toHaveLength(1);
    workers.set(victim.name, await startWorkerProcess(redis.url, victim.name, WORKER_ENV));
  }, 180_000);

  it('gives a job back at once when its worker is stopped (SIGTERM), and it finishes on the other', async () => {
    const id = await submit('ida', { size: 96, iterations: 40 });
    await waitForEvent(harness.events, harness.bot, (event) => event.job.id === id && event.type === 'progress' && event.progress.iteration >= 2);
    const stopped = await workerRunning(id);
    stopped.child.kill('SIGTERM');
    await stopped.exited();
    expect(stopped.child.exitCode).toBe(0);
    workers.delete(stopped.name);
    // Back in the queue without waiting for its lock to expire: not counted as a stall.
    const job = await paintQueue.getJob(id);
    expect(['waiting', 'active']).toContain(await job?.getState());
    expect(job?.stalledCounter ?? 0).toBe(0);
    expect((await waitForEnd(harness.events, harness.bot, id)).type).toBe('succeeded');
    expect(collectedBy().find(({ jobId }) => jobId === id)?.worker).not.toBe(stopped.name);
    expect(finalEventsOf(id)).toHaveLength(1);
    workers.set(stopped.name, await startWorkerProcess(redis.url, stopped.name, WORKER_ENV));
  }, 180_000);

  it('resumes a clip on the other worker after the frames the killed one finished', async () => {
    const clip = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 6, width: 96, height: 72 });
    const gif = { bytes: await encodeGif(clip.frames, { maxSide: 96 }), name: 'street.gif' };
    const reply = await harness.bot.execute('stylize', { content: gif, style, iterations: 30 }, contextFor('kit'));
    const id = reply.jobId!;
    // Two frames finished (a clip's progress counts frames), and kept in Redis by the worker.
    await waitForEvent(harness.events, harness.bot, (event) => event.job.id === id && event.type === 'progress' && event.progress.iteration >= 2);
    const victim = await workerRunning(id);
    while ((await bull.hlen(`impasto:files:resume:${id}`)) < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    await killWorker(victim);
    const mark = harness.events.length;
    const end = await waitForEnd(harness.events, harness.bot, id);
    expect(end.type).toBe('succeeded');
    expect(collectedBy().find(({ jobId }) => jobId === id)?.worker).not.toBe(victim.name);
    // Painted again from the start, the new worker's first reports would count from frame 0.
    const framesAfterKill = harness.events.slice(mark).filter((event) => event.job.id === id && event.type === 'progress').map((event) => (event.type === 'progress' ? event.progress.iteration : -1));
    expect(framesAfterKill.length).toBeGreaterThan(0);
    expect(Math.min(...framesAfterKill)).toBeGreaterThanOrEqual(2);
    expect((await sharp((await harness.bot.resultFiles(harness.bot.job(id)!)).gif, { animated: true }).metadata()).pages).toBe(6);
    // The bot deleted what the job kept in Redis when it ended.
    await expect.poll(() => bull.exists(`impasto:files:resume:${id}`)).toBe(0);
    workers.set(victim.name, await startWorkerProcess(redis.url, victim.name, WORKER_ENV));
  }, 180_000);

  it('gives up a job that kills every worker that takes it, with a clear message, after a bounded number of tries', async () => {
    // The test plays the poison input: whichever worker takes the job is killed, as an input that
    // crashes the whole worker process would; a supervisor (here, the test) starts a new one.
    const id = await submit('hal', { size: 128, iterations: 300 });
    const ended = waitForEnd(harness.events, harness.bot, id);
    let kills = 0;
    for (;;) {
      // Killed only once it paints (reports progress) on its new worker.
      const mark = harness.events.length;
      const painting = waitForEvent(harness.events, harness.bot, (event) => event.job.id === id && event.type === 'progress' && harness.events.indexOf(event) >= mark);
      if ((await Promise.race([painting, ended])).type !== 'progress') break;
      const victim = await workerRunning(id);
      await killWorker(victim);
      kills++;
      workers.set(victim.name, await startWorkerProcess(redis.url, victim.name, WORKER_ENV));
    }
    const end = await ended;
    expect(end.type).toBe('failed');
    expect(end.type === 'failed' && end.message).toMatch(/^Each worker that took this job died while painting it, so it was given up\./);
    // IMPASTO_WORKER_MAX_STALLS=1: painted twice, never a third time (BullMQ fails it as the third worker takes it).
    expect(kills).toBe(2);
    expect(finalEventsOf(id)).toHaveLength(1);
    const next = await submit('hal');
    expect((await waitForEnd(harness.events, harness.bot, next)).type).toBe('succeeded');
  }, 240_000);

  it('loses no job when Redis restarts mid-queue', async () => {
    const ids = await Promise.all(['ivy', 'jon', 'kim', 'lou', 'ivy', 'jon'].map((user) => submit(user, { iterations: 20 })));
    await waitForEvent(harness.events, harness.bot, (event) => ids.includes(event.job.id) && event.type === 'progress');
    const linesBefore = harness.logLines.length;
    await redis.restart({ downMs: 1500 });
    const ends = await Promise.all(ids.map((id) => waitForEnd(harness.events, harness.bot, id)));
    expect(ends.map((event) => event.type)).toEqual(ids.map(() => 'succeeded'));
    for (const id of ids) expect(finalEventsOf(id)).toHaveLength(1);
    // The outage is said, and its end, each once (one warning, where every connection's retries were
    // many lines a second); should connections come back at different moments, each gap is a pair.
    const said = harness.logLines
      .slice(linesBefore)
      .filter((line) => /"level":(40|50)/.test(line) || line.includes('Redis answers again'))
      .map((line) => ((JSON.parse(line) as { msg: string }).msg.endsWith('further errors are logged at debug level.)') ? 'outage' : (JSON.parse(line) as { msg: string }).msg));
    expect(said.length).toBeGreaterThanOrEqual(2);
    expect(said).toEqual(said.map((_, index) => (index % 2 === 0 ? 'outage' : 'Redis answers again')));
  }, 240_000);

  it('adds back, from the job store, jobs that Redis lost entirely', async () => {
    const ids = await Promise.all(['max', 'ned', 'oli', 'pam'].map((user) => submit(user, { iterations: 20 })));
    await waitForEvent(harness.events, harness.bot, (event) => ids.includes(event.job.id) && event.type === 'progress');
    // As after a crash of Redis without persistence: every queued and running job gone.
    await bull.flushall();
    const ends = await Promise.all(ids.map((id) => waitForEnd(harness.events, harness.bot, id)));
    expect(ends.map((event) => event.type)).toEqual(ids.map(() => 'succeeded'));
    for (const id of ids) expect(finalEventsOf(id)).toHaveLength(1);
  }, 240_000);

  it('fails, once and in words for its painter, a job whose photo was deleted before it reached Redis again', async () => {
    const id = await submit('pia', { iterations: 20 });
    await waitForEvent(harness.events, harness.bot, (event) => event.job.id === id && event.type === 'progress');
    // Its photo deleted (as by a race with Remove), then Redis loses the job: the bot cannot send it again.
    await rm(harness.bot.job(id)!.contentPath);
    await bull.flushall();
    const end = await waitForEnd(harness.events, harness.bot, id);
    expect(end).toMatchObject({ type: 'failed', message: 'The photo or painting of this job was deleted before it could be painted; send it again.' });
    expect(finalEventsOf(id)).toHaveLength(1);
    expect(harness.logLines.filter((line) => /"level":(50|60)/.test(line) && line.includes(id))).toEqual([]);
  }, 240_000);

  it('keeps the per-user limit under simultaneous submissions and across restarts of the bot, which lose no job', async () => {
    await harness.bot.idle();
    // Paused, the workers take nothing: every accepted job is still waiting when the next one asks.
    await paintQueue.pause();
    const submitQuinn = () => harness.bot.execute('stylize', { content, style, size: 64, iterations: 30 }, contextFor('quinn'));
    const replies = await Promise.all(Array.from({ length: 8 }, submitQuinn));
    const accepted = replies.filter((reply) => reply.jobId).map((reply) => reply.jobId!);
    expect(accepted).toHaveLength(3);
    for (const reply of replies.filter((candidate) => !candidate.jobId)) expect(reply.text).toBe('You already have 3 jobs waiting; the limit is 3 per person. Wait for one to finish, or cancel one.');
    // Their ETAs count on both workers: two start at once, the third after one of them. (The bot
    // counts workers from their heartbeats at each sweep: after the FLUSHALL above, a worker is
    // counted again once it has written its next one.)
    const etaShape = () => {
      const [first, second, third] = accepted.map((id) => harness.bot.queueEntry(id)!.etaMs).sort((a, b) => a - b);
      return [second! / first!, third! / first!];
    };
    await expect.poll(etaShape, { timeout: 20_000 }).toEqual([1, 2]);

    const restartBot = async () => {
      const { dataDir } = harness;
      await harness.stop({ keepData: true });
      harness = await startTestBot({ REDIS_URL: redis.url, ...BOT_ENV }, undefined, dataDir);
      return harness.events;
    };
    const eventsOfEachBot = [harness.events, await restartBot()];
    // The new bot counts the same three waiting jobs, from its store.
    expect((await submitQuinn()).text).toMatch(/^You already have 3 jobs waiting/);

    // Restarted again while a worker paints one: the workers carry on, and the bot collects everything.
    await paintQueue.resume();
    await waitForEvent(harness.events, harness.bot, (event) => accepted.includes(event.job.id) && event.type === 'progress');
    eventsOfEachBot.push(await restartBot());
    for (;;) {
      if (accepted.every((id) => FINAL_EVENTS.has(harness.bot.job(id)!.status as JobEvent['type']))) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(accepted.map((id) => harness.bot.job(id)!.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const finals = eventsOfEachBot.flat().filter((event) => accepted.includes(event.job.id) && FINAL_EVENTS.has(event.type));
    expect(finals.map((event) => event.type)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  }, 240_000);
});
