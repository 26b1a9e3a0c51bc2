import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.ts';
import { appEnv, prepareAppDirs } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/workers.ts';

/**
 * The playground of a bot on Redis, in Debian's Chromium, while `impasto worker`s come and go (a real
 * redis-server and a real worker). Its header named the last workers' engine after they had all
 * stopped, and looked no more once it had named one.
 */
let redis: TestRedis;
let app: RunningApp;
let browser: Browser;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  redis = await startRedis();
  app = await startApp(appEnv(await prepareAppDirs(), { REDIS_URL: redis.url, IMPASTO_LOG_LEVEL: 'silent' }));
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  worker?.child.kill('SIGTERM');
  await worker?.exited();
  await redis?.stop();
}, 60_000);

describe('the playground on Redis', () => {
  it('says in its header whether a worker is painting, as workers start and stop, without a reload', async () => {
    const page = await browser.newPage();
    await page.goto(app.web!.url);
    const header = () => page.textContent('#backend');
    await expect.poll(header, { timeout: 30_000 }).toBe('engine: not available: no impasto worker is taking jobs (see the server log)');

    worker = await startWorkerProcess(redis.url, 'first');
    await expect.poll(header, { timeout: 30_000 }).toBe('engine: onnxruntime on one worker');

    // The last worker stopped (a deploy): the page asks again, though it had an engine to name.
    worker.child.kill('SIGTERM');
    await worker.exited();
    await expect.poll(header, { timeout: 40_000 }).toBe('engine: not available: no impasto worker is taking jobs (see the server log)');
  }, 120_000);
});
