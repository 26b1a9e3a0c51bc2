import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SHARED_FAST_DIR, SHARED_SEGMENTATION_DIR, SHARED_VGG_DIR } from './shared.ts';

const BIN = fileURLToPath(new URL('../../bin/impasto.js', import.meta.url));

export interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Empty when the worker serves no metrics (IMPASTO_METRICS_PORT unset). */
  readonly metricsUrl: string;
  readonly log: string[];
  /** Waits until the process has exited. */
  exited(): Promise<void>;
}

/** A real `impasto worker` process on the shared weights, resolved once it takes jobs. */
export async function startWorkerProcess(redisUrl: string, name: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [BIN, 'worker'], {
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      IMPASTO_WORKER_NAME: name,
      IMPASTO_WEIGHTS_DIR: SHARED_VGG_DIR,
      IMPASTO_FAST_WEIGHTS_DIR: SHARED_FAST_DIR,
      IMPASTO_SEGMENTATION_WEIGHTS_DIR: SHARED_SEGMENTATION_DIR,
      IMPASTO_BACKEND: 'wasm',
      IMPASTO_METRICS_PORT: '0',
      IMPASTO_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Stops with the test process however it ends, rather than waiting on a Redis that is gone.
  const stopWithUs = () => child.kill('SIGKILL');
  process.once('exit', stopWithUs);
  child.once('exit', () => process.off('exit', stopWithUs));
  const log: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const metricsUrl = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /impasto worker \S+: taking [^;\n]*(?:; metrics at (\S+))?\n/.exec(stderr);
      if (match) resolve(match[1] ?? '');
    });
    void exit.then(() => reject(new Error(`impasto worker ${name} exited before it was ready:\n${stderr}`)));
  });
  return { name, child, metricsUrl, log, exited: () => exit };
}
