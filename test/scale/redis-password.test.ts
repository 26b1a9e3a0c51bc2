import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPASTO_BIN, killWithTestProcess } from '../helpers/app.ts';
import { contextFor, startTestBot } from '../helpers/bot.ts';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.ts';
import { SHARED_VGG_DIR, sharedImagePath } from '../helpers/shared.ts';
import { startWorkerProcess } from '../helpers/workers.ts';

/**
 * A Redis that asks for a password (a real Debian redis-server with requirepass), given the wrong
 * one, or not there at all: each process says what is wrong and stops when told, where the worker
 * said "the engine could not start" and stayed up, and the bot's stop waited for Redis for ever.
 */
let redis: TestRedis;
const PASSWORD = 'the-right-password';

beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD });
});
afterAll(() => redis?.stop());

const withPassword = (password: string) => `redis://:${password}@127.0.0.1:${redis.port}`;

describe('Redis credentials', () => {
  it('a worker given the wrong password says so in one line and exits, without repeating it', async () => {
    const child = spawn(process.execPath, [IMPASTO_BIN, 'worker'], {
      env: { ...process.env, REDIS_URL: withPassword('not-the-password'), IMPASTO_WEIGHTS_DIR: SHARED_VGG_DIR, IMPASTO_WORKER_LANES: 'paint', IMPASTO_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    killWithTestProcess(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    // Redis's answer to AUTH (WRONGPASS), or to a command sent on a connection whose AUTH failed (NOAUTH), whichever comes first.
    expect(stderr).toMatch(/^impasto: Redis refused the password in REDIS_URL \((WRONGPASS invalid username-password pair or user is disabled|NOAUTH Authentication required)\): use the one Redis was given/m);
    expect(stderr).not.toContain('not-the-password');
  });

  it('impasto status answers in one line, with the wrong password and with no Redis, rather than waiting', async () => {
    const wrong = await runStatus(withPassword('not-the-password'));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^impasto: Redis refused the password in REDIS_URL \((WRONGPASS|NOAUTH) [^)]*\): use the one Redis was given \(its requirepass, or its ACL user's\), as redis:\/\/:password@host:6379\.\n$/);
    const port = await freePort();
    const nowhere = await runStatus(`redis://127.0.0.1:${port}`);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toBe(`impasto: Could not reach Redis at 127.0.0.1:${port} (ECONNREFUSED): is it running, and is REDIS_URL right?\n`);
    const right = await runStatus(redis.url);
    expect(right.code).toBe(0);
    expect(right.stdout).toMatch(/^paint: 0 running, 0 waiting/);
  });

  it('a worker given the right one starts', async () => {
    const worker = await startWorkerProcess(redis.url, 'keyholder', { IMPASTO_WORKER_LANES: 'paint' });
    expect(redis.url).toContain(PASSWORD);
    worker.child.kill('SIGTERM');
    await worker.exited();
    expect([worker.child.exitCode, worker.child.signalCode]).toEqual([0, null]);
  });

  it('the bot given the wrong password logs it as an error, once, and still stops; so it does with no Redis at all', async () => {
    const refused = await startTestBot({ REDIS_URL: withPassword('not-the-password') });
    await expect.poll(() => refused.logLines.filter((line) => line.includes('Redis refused the password in REDIS_URL'))).toHaveLength(1);
    expect(refused.logLines.find((line) => line.includes('Redis refused the password'))).toMatch(/"level":50/);
    expect(refused.logLines.join('\n')).not.toContain('not-the-password');
    await refused.stop();

    const nowhere = await startTestBot({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const port = new URL(nowhere.env.REDIS_URL!).port;
    // Where it looked, what waits, and what to check, as Redis has never answered this bot.
    await expect.poll(() => nowhere.logLines.some((line) => line.includes(`Redis connection error at 127.0.0.1:${port}: no job reaches a worker until it answers. Is it running, and is REDIS_URL right?`))).toBe(true);
    // A job is still taken (it is in the bot's store), and said to wait: no worker can be handed it.
    const picture = async (file: string) => ({ bytes: await readFile(sharedImagePath(file)), name: file });
    const queued = await nowhere.bot.execute('stylize', { content: await picture('content_dog.jpg'), style: await picture('style_udnie.jpg'), size: 64, iterations: 2 }, contextFor('ann'));
    expect(queued.text).toBe(`Queued job ${queued.jobId} (uploaded image). It is next, but no engine is taking these jobs right now: it starts when one is.`);
    await nowhere.stop();
  });
});

/** `impasto status` to its end. */
async function runStatus(url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [IMPASTO_BIN, 'status'], { env: { ...process.env, REDIS_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
  killWithTestProcess(child);
  let [stdout, stderr] = ['', ''];
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}
