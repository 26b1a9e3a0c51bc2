import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IMPASTO_BIN } from '../helpers/app.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ConfigError, loadBotEnvironment, parseEnvironment, secretsOf, workerEnvironmentSchema } from '../../src/bot/config.ts';
import { createDataDirs, deleteExpiredFiles } from '../../src/bot/files.ts';
import { createLogger } from '../../src/bot/logger.ts';
import { startTestBot } from '../helpers/bot.ts';

function configError(env: Record<string, string>): string {
  try {
    loadBotEnvironment(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults with nothing set', () => {
    const env = loadBotEnvironment({});
    expect(env).toMatchObject({ IMPASTO_DATA_DIR: 'data', IMPASTO_WEB_HOST: '127.0.0.1', IMPASTO_MAX_QUEUED_PER_USER: 2, IMPASTO_WEB: 'auto' });
  });

  it('accepts .env.example as it is (empty values mean "unset")', async () => {
    const example = parseEnv(await readFile(new URL('../../.env.example', import.meta.url), 'utf8'));
    expect(Object.keys(example).length).toBeGreaterThan(15);
    const env = loadBotEnvironment(example);
    expect(env.IMPASTO_MAX_SIZE).toBeUndefined();
    expect(env.IMPASTO_WEB_TOKEN).toBeUndefined();
    expect(env.IMPASTO_BACKEND).toBeUndefined();
  });

  it('takes every variable set empty as unset (IMPASTO_WEB_PORT= listened on a random port, IMPASTO_MAX_QUEUED_PER_USER= was refused)', async () => {
    const example = parseEnv(await readFile(new URL('../../.env.example', import.meta.url), 'utf8'));
    const emptied = Object.fromEntries(Object.keys(example).map((name) => [name, '']));
    expect(loadBotEnvironment(emptied)).toEqual(loadBotEnvironment({}));
    expect(loadBotEnvironment({ IMPASTO_WEB_PORT: ' ', SLACK_PORT: '' })).toMatchObject({ IMPASTO_WEB_PORT: 8080, SLACK_PORT: 3000 });
  });

  it('names the variable and what it expects', () => {
    expect(configError({ IMPASTO_MAX_QUEUE: 'lots' })).toBe('Invalid configuration:\n  IMPASTO_MAX_QUEUE: expected a number (got "lots")');
    expect(configError({ IMPASTO_BACKEND: 'gpu' })).toMatch(/IMPASTO_BACKEND: expected one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu \(got "gpu"\)/);
    expect(configError({ IMPASTO_WEB_PORT: '70000' })).toBe('Invalid configuration:\n  IMPASTO_WEB_PORT: expected 65535 or less (got "70000")');
    expect(configError({ IMPASTO_JOB_TIMEOUT_MINUTES: '0' })).toBe('Invalid configuration:\n  IMPASTO_JOB_TIMEOUT_MINUTES: expected more than 0 (got "0")');
    expect(configError({ IMPASTO_WEIGHTS_URL: 'not a url' })).toMatch(/IMPASTO_WEIGHTS_URL: expected a URL/);
  });

  it('refuses a largest or clip size below the smallest a job may have, which no command could then offer', () => {
    // Discord refuses to register an option whose minimum (64) is above its maximum: the bot would not start there.
    expect(configError({ IMPASTO_MAX_SIZE: '10' })).toBe('Invalid configuration:\n  IMPASTO_MAX_SIZE: expected 64 or more (got "10")');
    expect(configError({ IMPASTO_CLIP_SIZE: '32' })).toBe('Invalid configuration:\n  IMPASTO_CLIP_SIZE: expected 64 or more (got "32")');
    expect(configError({ IMPASTO_MAX_SIZE: '4096' })).toBe('Invalid configuration:\n  IMPASTO_MAX_SIZE: expected 2048 or less (got "4096")');
    expect(loadBotEnvironment({ IMPASTO_MAX_SIZE: '64', IMPASTO_CLIP_SIZE: '64' })).toMatchObject({ IMPASTO_MAX_SIZE: 64, IMPASTO_CLIP_SIZE: 64 });
  });

  it('checks the Redis settings of the bot and of `impasto worker`', async () => {
    // One line for what is wrong, whether or not it is a URL at all.
    for (const url of ['http://queue:6379', 'queue:6379', 'not a url']) {
      expect(configError({ REDIS_URL: url })).toBe('Invalid configuration:\n  REDIS_URL: expected redis://[:password@]host:port[/db] (or rediss:// for TLS)');
    }
    expect(loadBotEnvironment({ REDIS_URL: 'redis://:pw@queue:6379/2' }).REDIS_URL).toBe('redis://:pw@queue:6379/2');
    const workerError = () => parseEnvironment(workerEnvironmentSchema, { IMPASTO_WORKER_LANES: 'paint,gpu' });
    expect(workerError).toThrow(/IMPASTO_WORKER_LANES\.1: expected one of paint, fast, train \(got "gpu"\)/);
    const example = parseEnv(await readFile(new URL('../../.env.example', import.meta.url), 'utf8'));
    expect(parseEnvironment(workerEnvironmentSchema, example)).toMatchObject({ IMPASTO_WORKER_LANES: ['paint', 'fast'], IMPASTO_WORKER_STALLED_MS: 30_000, IMPASTO_WORKER_MAX_STALLS: 2 });
    // A worker without Redis has nothing to do: one clear line, no stack.
    const run = promisify(execFile)(process.execPath, [IMPASTO_BIN, 'worker'], { env: { ...process.env, REDIS_URL: '' } });
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/^impasto: impasto worker takes its jobs from Redis: set REDIS_URL/) });
  });

  it('requires an access token before the web page may listen beyond this machine', () => {
    expect(configError({ IMPASTO_WEB_HOST: '0.0.0.0' })).toMatch(/IMPASTO_WEB_TOKEN: required when IMPASTO_WEB_HOST is not a loopback address \(it is 0\.0\.0\.0\)/);
    expect(loadBotEnvironment({ IMPASTO_WEB_HOST: '0.0.0.0', IMPASTO_WEB_TOKEN: 'a-long-enough-secret-token' }).IMPASTO_WEB_TOKEN).toBe('a-long-enough-secret-token');
  });
});

describe('logs', () => {
  it('never contain a configured secret, wherever it hides', () => {
    const env = loadBotEnvironment({ IMPASTO_WEB_HOST: '0.0.0.0', IMPASTO_WEB_TOKEN: 'sUp3r-s3cret-web-token' });
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', secrets: secretsOf(env), destination: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }) });
    logger.info({ url: `http://x/?token=${env.IMPASTO_WEB_TOKEN}` }, 'request');
    logger.error({ err: new Error(`auth failed for ${env.IMPASTO_WEB_TOKEN}`) }, 'oops');
    logger.warn({ headers: { authorization: 'Bearer abc.def' }, token: 'xoxb-123-456', nested: { password: 'hunter2' } }, 'credentials');
    logger.debug(`plain message with ${env.IMPASTO_WEB_TOKEN}`);
    const output = lines.join('');
    expect(lines).toHaveLength(4);
    expect(output).not.toContain('sUp3r-s3cret-web-token');
    expect(output).not.toContain('Bearer abc.def');
    expect(output).not.toContain('xoxb-123-456');
    expect(output).not.toContain('hunter2');
    expect(output.match(/\[REDACTED\]/g)!.length).toBeGreaterThanOrEqual(6);
  });

  it('never contain the Redis password', () => {
    const env = loadBotEnvironment({ REDIS_URL: 'redis://impasto:r3dis%2Fpass-word@queue.internal:6379' });
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', secrets: secretsOf(env), destination: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }) });
    logger.warn({ err: new Error(`cannot reach ${env.REDIS_URL}`) }, 'Redis connection error');
    logger.info(`password was r3dis/pass-word`);
    const output = lines.join('');
    expect(output).not.toContain('r3dis%2Fpass-word');
    expect(output).not.toContain('r3dis/pass-word');
    expect(output).toContain('queue.internal');
  });
});

describe('log format', () => {
  const capture = (terminal: boolean) => {
    const lines: string[] = [];
    const destination = Object.assign(new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }), terminal ? { isTTY: true } : {});
    return { lines, destination };
  };

  it('is for people on a terminal (auto), and JSON lines elsewhere, as services and tests read them', () => {
    const terminal = capture(true);
    createLogger({ level: 'info', secrets: ['sUp3r-s3cret-web-token'], destination: terminal.destination, format: 'auto' }).warn({ url: 'http://x/?token=sUp3r-s3cret-web-token' }, 'web playground listening');
    const printed = terminal.lines.join('');
    expect(printed).toMatch(/WARN.*web playground listening/);
    expect(printed).not.toMatch(/^\{/);
    // Scrubbed before it is formatted.
    expect(printed).toContain('[REDACTED]');
    expect(printed).not.toContain('sUp3r-s3cret-web-token');

    const piped = capture(false);
    createLogger({ level: 'info', secrets: [], destination: piped.destination, format: 'auto' }).info('web playground listening');
    expect(JSON.parse(piped.lines.join(''))).toMatchObject({ level: 30, msg: 'web playground listening' });
  });

  it('follows IMPASTO_LOG_FORMAT, and refuses a format it does not know', () => {
    expect(loadBotEnvironment({}).IMPASTO_LOG_FORMAT).toBe('auto');
    expect(loadBotEnvironment({ IMPASTO_LOG_FORMAT: 'json' }).IMPASTO_LOG_FORMAT).toBe('json');
    expect(() => loadBotEnvironment({ IMPASTO_LOG_FORMAT: 'xml' })).toThrow(/IMPASTO_LOG_FORMAT/);
  });
});

describe('retention', () => {
  it('deletes old uploads and results but never a file a live job needs', async () => {
    const root = await mkdtemp(join(tmpdir(), 'impasto-retention-'));
    const dirs = createDataDirs(root);
    const old = Date.now() / 1000 - 10 * 86_400;
    const files = { oldUpload: join(dirs.uploads, 'old.png'), liveUpload: join(dirs.uploads, 'live.png'), oldResult: join(dirs.results, 'old.gif'), fresh: join(dirs.results, 'new.png') };
    for (const path of Object.values(files)) await writeFile(path, 'x');
    // Resume folders (a clip's finished frames): one of a job gone, one of a job that waits, and a folder that is no one's.
    const folders = { orphan: join(dirs.results, 'gone.png.frames'), waiting: join(dirs.results, 'waiting.png.frames'), stray: join(dirs.results, 'stray') };
    for (const folder of Object.values(folders)) {
      await mkdir(folder);
      await writeFile(join(folder, '0001.png'), 'x');
      await utimes(folder, old, old);
    }
    for (const path of [files.oldUpload, files.liveUpload, files.oldResult]) await utimes(path, old, old);
    const removed = await deleteExpiredFiles(dirs, new Set([files.liveUpload, join(dirs.results, 'waiting.png')]), 7 * 86_400_000);
    expect(removed).toBe(3);
    expect((await readdir(dirs.uploads)).sort()).toEqual(['live.png']);
    expect((await readdir(dirs.results)).sort()).toEqual(['new.png', 'stray', 'waiting.png.frames']);
    await rm(root, { recursive: true, force: true });
  });
});

describe('the data directory', () => {
  it('is held by one bot at a time, and taken again once that bot stops; a damaged lock file is made again', async () => {
    const first = await startTestBot({}, undefined, undefined, { start: false });
    try {
      // A second bot on the same folder would paint every job twice.
      await expect(startTestBot({}, undefined, first.dataDir, { start: false })).rejects.toThrow(new ConfigError(`Another impasto bot is running on ${first.dataDir}: stop it first, or give this one a data directory of its own (IMPASTO_DATA_DIR).`));
    } finally {
      await first.stop({ keepData: true });
    }
    // A damaged lock file holds nothing: it is made again.
    await writeFile(createDataDirs(first.dataDir).lock, 'not a database'.repeat(100));
    const second = await startTestBot({}, undefined, first.dataDir, { start: false });
    await second.stop();
  });

  it('refuses, in a line, a store that is not a database, and leaves the file as it was', async () => {
    const root = await mkdtemp(join(tmpdir(), 'impasto-damaged-'));
    const database = createDataDirs(root).database;
    await writeFile(database, 'not a database, but long enough for SQLite to read a header from it'.repeat(100));
    await expect(startTestBot({}, undefined, root, { start: false })).rejects.toThrow(/ is not a database impasto can read \(SQLite: file is not a database\)\. Move it aside to start with an empty store/);
    expect((await readFile(database, 'utf8')).startsWith('not a database')).toBe(true);
    // And the folder is not left held by the start that failed.
    await writeFile(database, '');
    const bot = await startTestBot({}, undefined, root, { start: false });
    await bot.stop();
  });
});
