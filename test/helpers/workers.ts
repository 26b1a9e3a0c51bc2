import { spawn, type ChildProcess } from 'node:child_process';
import { IMPASTO_BIN, killWithTestProcess } from './app.ts';
import { SHARED_FAST_DIR, SHARED_SEGMENTATION_DIR, SHARED_VGG_DIR } from './shared.ts';


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
  const child = spawn(process.execPath, [IMPASTO_BIN, 'worker'], {
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
  // Rather than waiting on a Redis that is gone.
  killWithTestProcess(child);
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
