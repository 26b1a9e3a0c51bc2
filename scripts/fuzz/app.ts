/**
 * What the floods (`fuzz:web`, `fuzz:chat`) share: the real app started as `impasto start` on
 * 127.0.0.1 in a fresh data directory, with small pictures and room in the queue, its log kept, and
 * the checks every flood ends with.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeBytesOf } from '../../src/bot/files.ts';
import { clearDeveloperSettings } from '../../test/helpers/hermetic-env.ts';
import { startRedis, type TestRedis } from '../../test/helpers/redis.ts';
import { startWorkerProcess, type WorkerProcess } from '../../test/helpers/workers.ts';

export const SHARED_DIR = process.env.IMPASTO_SHARED_DIR ?? join('..', 'shared');

export interface FuzzedApp {
  /** Everything the app wrote on stdout and stderr so far (JSON lines: stdout is not a terminal). */
  log(): string;
  /** How the app ended, while it has not been stopped by `stop` or `restart`. */
  exited(): string | undefined;
  /** True from `restart`'s kill until the new process is ready (requests may fail meanwhile). */
  restarting(): boolean;
  /**
   * Kills the app as a crash or a deploy would, starts it again on the same data directory, and
   * resolves once the new process has logged each of `readyMessages`.
   */
  restart(signal: 'SIGKILL' | 'SIGTERM', readyMessages: readonly string[]): Promise<void>;
  /**
   * What every flood reports of the app itself: that it stopped, and each error line it logged (pino
   * levels 50 and 60); with a small disk, not the errors that say the disk is full (see `diskFullErrors`).
   */
  problems(): string[];
  /** With a small disk: how many error lines said the disk is full (logged, as the operator is to hear). */
  diskFullErrors(): number;
  /** With a small disk (`diskMb`): fills it up to that much room left, once the app has started. */
  fillDisk(): Promise<void>;
  /** With a small disk: deletes the filler that kept it small, so that the app has room again. */
  makeRoom(): Promise<void>;
  stop(): Promise<void>;
}

/** The shared weights, for the app and for its workers. */
const WEIGHTS_ENV = {
  IMPASTO_WEIGHTS_DIR: join(SHARED_DIR, 'weights', 'vgg19'),
  IMPASTO_FAST_WEIGHTS_DIR: join(SHARED_DIR, 'weights', 'fast'),
  IMPASTO_SEGMENTATION_WEIGHTS_DIR: join(SHARED_DIR, 'weights', 'segmentation', 'selfie'),
};

/**
 * Starts the app with the shared weights and library, small limits, and `env` on top. With
 * `redisWorkers`, it runs as on several machines: a local `redis-server` (AOF on, as the README
 * asks) and that many `impasto worker`s, each in a data directory of its own; every restart then
 * also kills one worker (in turn) and starts it again, and every third restarts Redis too.
 */
export async function startFuzzedApp(env: Record<string, string>, { redisWorkers = 0, diskMb = 0 }: { readonly redisWorkers?: number; readonly diskMb?: number } = {}): Promise<FuzzedApp> {
  // The bot and the workers fuzzed here start with this process's environment: your settings (the
  // bot's real tokens among them) stay out of it, as they do of the tests'.
  clearDeveloperSettings();
  const dataDir = await mkdtemp(join(tmpdir(), 'impasto-fuzz-'));
  // A small disk: a tmpfs of its own (mount needs root), its room cut to `diskMb` by `fillDisk`.
  if (diskMb > 0) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1g', 'tmpfs', dataDir]);
  const filler = join(dataDir, 'filler');
  const redis = redisWorkers > 0 ? await startRedis() : undefined;
  const appEnv = {
    ...process.env,
    IMPASTO_DATA_DIR: dataDir,
    ...WEIGHTS_ENV,
    ...(redis ? { REDIS_URL: redis.url } : {}),
    // Small pictures and room in the queue: a flood is about the bot, not the engine's speed.
    IMPASTO_MAX_SIZE: '96',
    IMPASTO_MAX_QUEUE: '200',
    IMPASTO_MAX_QUEUED_PER_USER: '100',
    IMPASTO_MAX_QUEUED_PER_COMMUNITY: '200',
    IMPASTO_DAILY_JOBS_PER_USER: '100000',
    IMPASTO_DAILY_JOBS_PER_COMMUNITY: '100000',
    ...env,
  };
  let log = '';
  let exited: string | undefined;
  let expectingExit = false;
  const launch = () => {
    const child = spawn(process.execPath, ['bin/impasto.js', 'start'], { env: appEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.on('exit', (code, signal) => (exited = expectingExit ? undefined : `exit ${code ?? signal}`));
    return child;
  };
  let restarting = false;
  const kill = async (signal: 'SIGKILL' | 'SIGTERM') => {
    expectingExit = true;
    restarting = true;
    if (app.exitCode === null && app.signalCode === null) {
      app.kill(signal);
      await new Promise((resolve) => app.once('exit', resolve));
    }
  };
  let app = launch();
  const workers = redis ? await startWorkers(redis, redisWorkers) : undefined;
  let restarts = 0;
  const isDiskFull = (line: string) => diskMb > 0 && /ENOSPC|SQLITE_FULL|disk is full|no space left/i.test(line);
  const errorLines = () => [log, ...(workers?.logs() ?? [])].join('\n').split('\n').filter((line) => /"level":(50|60)/.test(line));
  const fuzzed: FuzzedApp = {
    log: () => log,
    exited: () => exited,
    restarting: () => restarting,
    problems: () => [...(exited ? [`the app stopped (${exited}); its last log line: ${lastLineOf(log)}`] : []), ...errorLines().filter((line) => !isDiskFull(line)).map(describeErrorLine)],
    diskFullErrors: () => errorLines().filter(isDiskFull).length,
    async fillDisk() {
      if (diskMb === 0) return;
      const free = () => freeBytesOf(dataDir);
      // The app writes meanwhile: a filler cut short by the disk filling is as good, then trimmed back
      // until `diskMb` is free.
      await writeFile(filler, Buffer.alloc(Math.max(0, free() - diskMb * 2 ** 20))).catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== 'ENOSPC') throw error;
      });
      const room = diskMb * 2 ** 20;
      if (free() < room) await truncate(filler, Math.max(0, (await stat(filler)).size - (room - free())));
    },
    makeRoom: () => rm(filler, { force: true }),
    async restart(signal, readyMessages) {
      restarts++;
      await kill(signal);
      log += `--- ${signal}, restarted ---\n`;
      if (workers) await workers.restart(restarts % workers.count, signal);
      if (redis && restarts % 3 === 0) {
        await redis.restart({ downMs: 1000 });
        log += '--- Redis restarted ---\n';
      }
      const from = log.length;
      expectingExit = false;
      app = launch();
      for (const message of readyMessages) await waitForLogLine(fuzzed, message, { from });
      restarting = false;
    },
    async stop() {
      await kill('SIGTERM');
      await workers?.stop();
      await redis?.stop();
      if (diskMb > 0) execFileSync('umount', [dataDir]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return fuzzed;
}

interface FuzzedWorkers {
  readonly count: number;
  /** Kills worker `index` and starts it again on its data directory, resolving once it takes jobs. */
  restart(index: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** What each worker wrote so far (JSON lines, pino), its earlier processes first; a worker that stopped by itself, as an error line. */
  logs(): string[];
  stop(): Promise<void>;
}

/**
 * `count` `impasto worker`s on `redis` (the tests' `startWorkerProcess`), each in a data directory of
 * its own, kept apart from the app's log (chunks of two processes would interleave mid-line).
 * Resolves once all take jobs.
 */
async function startWorkers(redis: TestRedis, count: number): Promise<FuzzedWorkers> {
  const dataDirs = await Promise.all(Array.from({ length: count }, () => mkdtemp(join(tmpdir(), 'impasto-fuzz-worker-'))));
  // What each worker's earlier processes wrote, and the lines that stand for an exit nobody asked for.
  const earlier = dataDirs.map(() => '');
  const expected = new Set<ChildProcess>();
  const launch = async (index: number): Promise<WorkerProcess> => {
    const worker = await startWorkerProcess(redis.url, `fuzz-${index}`, { IMPASTO_DATA_DIR: dataDirs[index]!, IMPASTO_WORKER_STALLED_MS: '5000' });
    worker.child.on('exit', (code, signal) => {
      if (!expected.has(worker.child)) earlier[index] += `\n{"level":60,"msg":"worker ${index} stopped (${code ?? signal})"}\n`;
    });
    return worker;
  };
  const workers = await Promise.all(dataDirs.map((_, index) => launch(index)));
  const stop = async (worker: WorkerProcess, signal: 'SIGKILL' | 'SIGTERM') => {
    expected.add(worker.child);
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill(signal);
    await worker.exited();
  };
  return {
    count,
    async restart(index, signal) {
      const old = workers[index]!;
      await stop(old, signal);
      earlier[index] += `${old.log.join('')}\n--- ${signal}, restarted ---\n`;
      workers[index] = await launch(index);
    },
    logs: () => workers.map((worker, index) => earlier[index] + worker.log.join('')),
    async stop() {
      await Promise.all(workers.map((worker) => stop(worker, 'SIGTERM')));
      await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** A flood's command line: `[seconds] [workers] [--restarts=N] [--redis=W]` (W engine workers on a local Redis). */
export function floodArguments(defaults: { readonly seconds: number; readonly workers: number }): { seconds: number; workers: number; restarts: number; redisWorkers: number; diskMb: number } {
  const [seconds = defaults.seconds, workers = defaults.workers] = process.argv.slice(2).filter((arg) => !arg.startsWith('--')).map(Number);
  const flag = (name: string) => Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? 0);
  const disk = flag('disk');
  if (disk > 0 && flag('restarts') > 0) throw new Error('--disk and --restarts do not go together: a bot whose disk is full does not start again (it says so, and stops)');
  return { seconds, workers, restarts: flag('restarts'), redisWorkers: flag('redis'), diskMb: disk };
}

/**
 * Kills the app `restarts` times, evenly spread over `seconds`, by turns as a crash (SIGKILL) and
 * as a deploy (SIGTERM); `restarted` hears of each once the new process has logged `readyMessages`.
 */
export async function restartDuringFlood(app: FuzzedApp, options: { readonly seconds: number; readonly restarts: number; readonly readyMessages: readonly string[]; readonly restarted?: (signal: 'SIGKILL' | 'SIGTERM', killedAt: number) => void }): Promise<void> {
  for (let index = 1; index <= options.restarts && !app.exited(); index++) {
    await sleep((options.seconds * 1000) / (options.restarts + 1));
    const signal = index % 2 === 1 ? 'SIGKILL' : 'SIGTERM';
    const killedAt = Date.now();
    await app.restart(signal, options.readyMessages);
    options.restarted?.(signal, killedAt);
  }
}

/**
 * Waits until the app's log has a line with `message` (after its first `from` characters: a restart
 * waits for the new process's lines); throws with that log if the app stops first.
 */
export async function waitForLogLine(app: FuzzedApp, message: string, { timeoutMs = 60_000, from = 0 }: { readonly timeoutMs?: number; readonly from?: number } = {}): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (app.log().includes(`"msg":"${message}"`, from)) return;
    if (app.exited()) break;
    await sleep(200);
  }
  throw new Error(`the app did not log "${message}" (${app.exited() ?? 'still running'}):\n${app.log().slice(from)}`);
}

export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The app's last log line, short: what it said as it stopped (a signal someone sent it names the
 * signal: a run stopped from outside, by a stray `pkill` say, is not the app's fault).
 */
function lastLineOf(log: string): string {
  const line = log.trimEnd().split('\n').at(-1) ?? '';
  try {
    const { msg, signal } = JSON.parse(line) as { msg?: unknown; signal?: unknown };
    return `"${String(msg)}"${signal ? ` (on ${String(signal)})` : ''}`;
  } catch {
    return `"${line.slice(0, 300)}"`;
  }
}

/**
 * An error line as a finding: its message (pino's `msg`), the error's type and words, and where it
 * passed through this project's code (the first frames under src/: the cut-off line stopped inside a
 * library's frames, before the listener that had called it); then the line itself, cut short.
 */
function describeErrorLine(line: string): string {
  let logged: { msg?: unknown; err?: { type?: unknown; message?: unknown; stack?: unknown } } | undefined;
  try {
    logged = JSON.parse(line) as typeof logged;
  } catch {
    // Not JSON: the line alone says what there is.
  }
  const err = logged?.err;
  const ours = typeof err?.stack === 'string' ? err.stack.split('\n').filter((frame) => /\/src\//.test(frame) && !frame.includes('node_modules')).slice(0, 4).map((frame) => frame.trim()) : [];
  const error = err ? `\n  ${String(err.type)}: ${String(err.message)}${ours.map((frame) => `\n    ${frame}`).join('')}` : '';
  return `logged "${logged ? String(logged.msg) : '(not JSON)'}"${error}\n  ${line.slice(0, 600)}`;
}
