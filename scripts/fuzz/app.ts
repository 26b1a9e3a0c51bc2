/**
 * What the floods (`fuzz:web`, `fuzz:chat`) share: the real app started as `impasto start` on
 * 127.0.0.1 in a fresh data directory, with small pictures and room in the queue, its log kept, and
 * the checks every flood ends with.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SHARED_DIR = process.env.IMPASTO_SHARED_DIR ?? join('..', 'shared');

export interface FuzzedApp {
  /** Everything the app wrote on stdout and stderr so far (JSON lines: stdout is not a terminal). */
  log(): string;
  /** How the app ended, while it has not been stopped by `stop`. */
  exited(): string | undefined;
  /** The app's error lines (pino levels 50 and 60). */
  errorsLogged(): string[];
  stop(): Promise<void>;
}

/** Starts the app with the shared weights and library, small limits, and `env` on top. */
export async function startFuzzedApp(env: Record<string, string>): Promise<FuzzedApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'impasto-fuzz-'));
  const app = spawn(process.execPath, ['bin/impasto.js', 'start'], {
    env: {
      ...process.env,
      IMPASTO_DATA_DIR: dataDir,
      IMPASTO_WEIGHTS_DIR: join(SHARED_DIR, 'weights', 'vgg19'),
      IMPASTO_FAST_WEIGHTS_DIR: join(SHARED_DIR, 'weights', 'fast'),
      IMPASTO_SEGMENTATION_WEIGHTS_DIR: join(SHARED_DIR, 'weights', 'segmentation', 'selfie'),
      // Small pictures and room in the queue: a flood is about the bot, not the engine's speed.
      IMPASTO_MAX_SIZE: '96',
      IMPASTO_MAX_QUEUE: '200',
      IMPASTO_MAX_QUEUED_PER_USER: '100',
      IMPASTO_MAX_QUEUED_PER_COMMUNITY: '200',
      IMPASTO_DAILY_JOBS_PER_USER: '100000',
      IMPASTO_DAILY_JOBS_PER_COMMUNITY: '100000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  app.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  app.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  let exited: string | undefined;
  let stopping = false;
  app.on('exit', (code, signal) => (exited = stopping ? undefined : `exit ${code ?? signal}`));
  return {
    log: () => log,
    exited: () => exited,
    errorsLogged: () => log.split('\n').filter((line) => /"level":(50|60)/.test(line)),
    async stop() {
      stopping = true;
      if (app.exitCode === null && app.signalCode === null) {
        app.kill('SIGTERM');
        await new Promise((resolve) => app.once('exit', resolve));
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the app's log has a line with `message`; throws with the log if it stops first. */
export async function waitForLogLine(app: FuzzedApp, message: string, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (app.log().includes(`"msg":"${message}"`)) return;
    if (app.exited()) break;
    await sleep(200);
  }
  throw new Error(`the app did not log "${message}" (${app.exited() ?? 'still running'}):\n${app.log()}`);
}

export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
