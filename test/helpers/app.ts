import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED_DIR, SHARED_FAST_DIR, SHARED_SEGMENTATION_DIR, SHARED_VGG_DIR } from './shared.ts';

/** A fresh data directory and a styles folder seeded with the shared paintings (copies, not commits). */
export async function prepareAppDirs(): Promise<{ dataDir: string; stylesDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'impasto-app-'));
  const stylesDir = join(root, 'styles');
  await mkdir(stylesDir);
  for (const file of await readdir(join(SHARED_DIR, 'images'))) {
    if (file.startsWith('style_')) await copyFile(join(SHARED_DIR, 'images', file), join(stylesDir, file));
  }
  return { dataDir: join(root, 'data'), stylesDir };
}

export function appEnv(dirs: { dataDir: string; stylesDir: string }, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    IMPASTO_DATA_DIR: dirs.dataDir,
    IMPASTO_STYLES_DIR: dirs.stylesDir,
    IMPASTO_WEIGHTS_DIR: SHARED_VGG_DIR,
    // Set, so that the app never tries to download the fast networks during a test.
    IMPASTO_FAST_WEIGHTS_DIR: SHARED_FAST_DIR,
    IMPASTO_SEGMENTATION_WEIGHTS_DIR: SHARED_SEGMENTATION_DIR,
    IMPASTO_WEB_PORT: '0',
    IMPASTO_LOG_LEVEL: 'warn',
    ...overrides,
  };
}

/** The `impasto` command line, as users run it. */
export const IMPASTO_BIN = fileURLToPath(new URL('../../bin/impasto.js', import.meta.url));

export interface ImpastoRunOptions {
  readonly cwd?: string;
  /** Added to this process's environment; `undefined` unsets a variable (`CI`, say). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
}

/**
 * Runs `impasto <args>` to its end, on the shared VGG weights: its exit code (null when it was
 * killed, by `timeoutMs` say) and what it wrote to stderr.
 */
export async function runImpasto(args: readonly string[], options: ImpastoRunOptions = {}): Promise<{ code: number | null; stderr: string }> {
  const { code, stderr } = await runImpastoPrinting(args, options);
  return { code, stderr };
}

/** As `runImpasto`, with what it printed on stdout too (`--help`, `--json`). */
export function runImpastoPrinting(args: readonly string[], options: ImpastoRunOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [IMPASTO_BIN, ...args], { cwd: options.cwd, env: { ...process.env, IMPASTO_WEIGHTS_DIR: SHARED_VGG_DIR, ...options.env }, timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** A server or worker a test started dies with the test process, however that ends (a failed run included). */
export function killWithTestProcess(child: ChildProcess): void {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

/**
 * A real `impasto start` as a child process (so that a crash shows as an exit, not as a broken test
 * runner). Resolves with the playground's address once it listens; `children` collects the process
 * for the caller's cleanup.
 */
export async function startAppProcess(env: Record<string, string | undefined>, children: ChildProcess[]): Promise<{ child: ChildProcess; url: string; log: string[] }> {
  // An `undefined` value removes a variable the test runner has (e.g. CI).
  const merged = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const child = spawn(process.execPath, [IMPASTO_BIN, 'start'], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const log: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /impasto playground: (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`impasto start exited (${code}) before listening:\n${stderr}`)));
  });
  return { child, url, log };
}
