import { execFileSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadedImage } from '../../src/bot/commands/types.ts';
import type { JobEvent } from '../../src/bot/jobs/queue.ts';
import { contextFor, startTestBot, waitForEvent, endsJob } from '../helpers/bot.ts';
import { SHARED_VGG_DIR, sharedImagePath } from '../helpers/shared.ts';

let harness: Awaited<ReturnType<typeof startTestBot>>;
let content: UploadedImage;
let style: UploadedImage;

beforeAll(async () => {
  harness = await startTestBot({ IMPASTO_MAX_QUEUED_PER_USER: '5', IMPASTO_METRICS_PORT: '0' });
  content = { bytes: await readFile(sharedImagePath('content_dog.jpg')), name: 'dog.jpg' };
  style = { bytes: await readFile(sharedImagePath('style_the_scream.jpg')), name: 'scream.jpg' };
});
afterAll(() => harness.stop());

const finished = endsJob;

/** The engine's process: a child of this test process running engine-worker.ts. */
function enginePid(): number {
  const lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n');
  const line = lines.find((entry) => entry.includes('engine-worker.ts'));
  if (!line) throw new Error(`no engine process among:\n${lines.join('\n')}`);
  return Number(line.trim().split(/\s+/)[0]);
}

describe('the bot stays up', () => {
  it('answers at once while the engine is in the middle of a long iteration', async () => {
    const server = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const reply = await harness.bot.execute('stylize', { content, style, size: 384, iterations: 3, init: 'noise' }, contextFor('alice'));
    const jobId = reply.jobId!;
    await waitForEvent(harness.events, harness.bot, (event) => event.job.id === jobId && event.type === 'progress');
    // Between the first and the second progress event the engine runs one whole iteration; the
    // bot's event loop must meanwhile answer requests (as a chat platform's 3-second deadline needs).
    const roundTrips: number[] = [];
    let iterationRunning = true;
    const next = waitForEvent([], harness.bot, (event) => event.job.id === jobId && (event.type === 'progress' || event.type === 'failed')).then((event) => {
      iterationRunning = false;
      return event;
    });
    const firstProgress = harness.events.find((event) => event.job.id === jobId && event.type === 'progress') as Extract<JobEvent, { type: 'progress' }>;
    while (iterationRunning) {
      const start = performance.now();
      await (await fetch(url)).text();
      roundTrips.push(performance.now() - start);
    }
    const second = (await next) as Extract<JobEvent, { type: 'progress' }>;
    const iterationMs = second.progress.elapsedMs - firstProgress.progress.elapsedMs;
    expect(roundTrips.length).toBeGreaterThanOrEqual(3);
    // Relative, not absolute: no single answer waited anywhere near as long as the iteration took.
    expect(Math.max(...roundTrips)).toBeLessThan(iterationMs / 3);
    server.closeAllConnections();
    server.close();
    await harness.bot.execute('cancel', { job: jobId }, contextFor('alice'));
    await harness.bot.idle();
  });

  it('survives the engine process dying mid-job: that job fails clearly, the next one runs', async () => {
    const doomed = (await harness.bot.execute('stylize', { content, style, size: 128, iterations: 50 }, contextFor('bob'))).jobId!;
    const after = (await harness.bot.execute('stylize', { content, style, size: 64, iterations: 2 }, contextFor('carol'))).jobId!;
    await waitForEvent(harness.events, harness.bot, (event) => event.job.id === doomed && event.type === 'progress');
    process.kill(enginePid(), 'SIGKILL'); // what the kernel's OOM killer or a native crash looks like
    const failure = await waitForEvent(harness.events, harness.bot, finished(doomed));
    expect(failure.type).toBe('failed');
    expect(harness.bot.job(doomed)!.error).toBe('The style engine crashed while working on this job (it has been restarted). Try again, perhaps with a smaller size.');
    const next = await waitForEvent(harness.events, harness.bot, finished(after));
    expect(next.type).toBe('succeeded');
    const metrics = await (await fetch(harness.bot.metricsUrl()!)).text();
    expect(metrics).toMatch(/^impasto_engine_restarts_total\{lane="paint"\} 1$/m);
    expect(metrics).toMatch(/^impasto_jobs_finished_total\{method="optimise",outcome="failed"\} 1$/m);
    // Its own engine, restarted, serves the lane again (on Redis: the workers serving it, test/scale/no-worker.test.ts).
    expect(metrics).toMatch(/^impasto_engines\{lane="paint"\} 1$/m);
    // The room left on the data directory's disk: some, and no more than the disk holds (other tests write meanwhile).
    const free = Number(/^impasto_disk_free_bytes (\d+)$/m.exec(metrics)?.[1]);
    const { blocks, bsize } = statfsSync(harness.dataDir);
    expect(free).toBeGreaterThan(0);
    expect(free).toBeLessThanOrEqual(blocks * bsize);
  });

  it('stops a job at its time limit and says so', async () => {
    const limited = await startTestBot({ IMPASTO_JOB_TIMEOUT_MINUTES: '0.05' });
    try {
      // The limit is for painting, not for loading the weights: wait until the engine is up.
      await expect.poll(() => limited.bot.engineInfo(), { timeout: 120_000 }).toBeDefined();
      const slow = (await limited.bot.execute('stylize', { content, style, size: 128, iterations: 300 }, contextFor('dave'))).jobId!;
      const outcome = await waitForEvent(limited.events, limited.bot, finished(slow));
      expect(outcome.type).toBe('failed');
      expect(limited.bot.job(slow)!.error).toBe('The job took longer than the 3-second limit and was stopped. Try a smaller size or fewer iterations.');
      expect(limited.bot.job(slow)!.progress?.iteration ?? 0).toBeLessThan(300);
    } finally {
      await limited.stop();
    }
  });

  it('says the weights are missing, to the job and in the engine\'s state, and finds them once they are put in place', async () => {
    const weightsDir = await mkdtemp(join(tmpdir(), 'impasto-no-weights-'));
    const bare = await startTestBot({ IMPASTO_WEIGHTS_DIR: weightsDir });
    try {
      await expect.poll(() => bare.bot.engineProblem(), { timeout: 60_000 }).toBe('its VGG-19 weights are missing');
      expect(bare.bot.engineInfo()).toBeUndefined();
      const early = (await bare.bot.execute('stylize', { content, style, size: 64, iterations: 2 }, contextFor('erin'))).jobId!;
      expect((await waitForEvent(bare.events, bare.bot, finished(early))).type).toBe('failed');
      // Not "something went wrong": what is missing, and that the operator knows (the log says how to fix it).
      expect(bare.bot.job(early)!.error).toBe('The style engine is not set up yet (its VGG-19 weights are missing). An operator has been told.');
      expect(bare.logLines.some((line) => line.includes('no model.json there'))).toBe(true);

      // The operator copies the weights in without restarting the bot: the next job starts an engine that finds them.
      await cp(SHARED_VGG_DIR, weightsDir, { recursive: true });
      const later = (await bare.bot.execute('stylize', { content, style, size: 64, iterations: 2 }, contextFor('erin'))).jobId!;
      expect((await waitForEvent(bare.events, bare.bot, finished(later))).type).toBe('succeeded');
      expect(bare.bot.engineProblem()).toBeUndefined();
      expect(bare.bot.engineInfo()?.label).toBe('onnxruntime');
    } finally {
      await bare.stop();
      await rm(weightsDir, { recursive: true, force: true });
    }
  });
});
