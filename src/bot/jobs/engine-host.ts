import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { BackendName } from '../../engine/backend.ts';
import { CancelledError, WeightsError } from '../../engine/errors.ts';
import { withHugePages } from '../../engine/huge-pages.ts';
import type { EngineWorkerData, RunOutcome, RunRequest, WorkerMessage } from './engine-protocol.ts';
import type { BotEnvironment } from '../config.ts';
import type { JobLane } from './queue.ts';
import type { JobProgress } from './store.ts';
import { makeFolderSync } from '../../make-folder.ts';

/** The engine failed a job for a reason that is not the user's (a crash, a bug, out of memory). */
export class EngineFailure extends Error {
  override readonly name = 'EngineFailure';
  constructor(
    message: string,
    readonly userMessage: string,
    /** The job's own input caused it (see `isInputFault`), as the engine process judged. */
    readonly byInput = false,
  ) {
    super(message);
  }
}

type EngineSettingsEnvironment = Pick<BotEnvironment, 'IMPASTO_BACKEND' | 'IMPASTO_ENGINE' | 'IMPASTO_WEIGHTS_DIR' | 'IMPASTO_WEIGHTS_URL' | 'IMPASTO_FAST_WEIGHTS_DIR' | 'IMPASTO_TRAINED_NETWORKS_DIR' | 'IMPASTO_SEGMENTATION_WEIGHTS_DIR' | 'IMPASTO_TRAINING_PHOTOS_DIR'>;

/** What an engine process of a lane starts with, from the environment (the bot's own lanes and workers alike). */
export function engineSettingsOf(env: EngineSettingsEnvironment, lane: JobLane): EngineWorkerData {
  return {
    backend: env.IMPASTO_BACKEND,
    objectiveEngine: env.IMPASTO_ENGINE,
    weightsDir: env.IMPASTO_WEIGHTS_DIR,
    weightsUrl: env.IMPASTO_WEIGHTS_URL,
    fastWeightsDir: env.IMPASTO_FAST_WEIGHTS_DIR,
    trainedNetworksDir: env.IMPASTO_TRAINED_NETWORKS_DIR,
    segmentationWeightsDir: env.IMPASTO_SEGMENTATION_WEIGHTS_DIR,
    fastOnly: lane === 'fast',
    trainOnly: lane === 'train',
    trainingPhotosDir: env.IMPASTO_TRAINING_PHOTOS_DIR,
  };
}

export interface EngineInfo {
  readonly backend: BackendName;
  readonly objectiveEngine: 'onnx' | 'tfjs';
  /** What computes the stylizations, for people: "onnxruntime" or the TensorFlow.js backend. */
  readonly label: string;
  readonly reasons: readonly string[];
  readonly availableLayers: readonly string[];
}

export interface EngineHostOptions {
  readonly workerData: EngineWorkerData;
  readonly logger: Logger;
  /** The worker module; the real engine worker unless a test substitutes another. */
  readonly workerUrl?: URL;
  /**
   * The worker's TMPDIR: its scratch (tsx's compile cache) stays inside the data directory. The
   * empty `mat-debug-<pid>.log` files onnxruntime's telemetry left there before it was turned off
   * (`engine/onnx/runtime.ts`) are removed at each start.
   */
  readonly tempDir?: string;
  /** Told each time the engine process dies, or is killed by `restart` (metrics count engine restarts). */
  readonly onCrash?: (reason: string) => void;
  /**
   * Told each time a worker starts, or fails to (a job starts one again after a failure: weights put
   * in place meanwhile are found then), so that what the bot says of its engine stays true.
   */
  readonly onStart?: (outcome: { readonly info: EngineInfo } | { readonly error: Error }) => void;
}

interface PendingRun {
  readonly request: RunRequest;
  readonly onProgress: (progress: JobProgress, preview?: Uint8Array) => void;
  readonly resolve: (outcome: RunOutcome) => void;
  readonly reject: (error: Error) => void;
}

const DEFAULT_WORKER_URL = new URL('./engine-worker.ts', import.meta.url);
// tsx's loader (what `node --import tsx` loads), resolved from here so any working directory works.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Runs the engine in a child process and restarts it when it dies. A separate process (rather than
 * a worker thread) means a native crash or an out-of-memory kill in TensorFlow takes down only the
 * engine: the job that was running fails, and the next job gets a fresh worker.
 */
export class EngineHost {
  private worker: ChildProcess | undefined;
  private ready: Promise<EngineInfo> | undefined;
  private current: PendingRun | undefined;
  /**
   * The job waiting for the worker to start (it loads weights for seconds: after a restart, or a
   * crash), and whether it was cancelled meanwhile: such a job must not be sent once the worker is up.
   */
  private starting: { readonly jobId: string; cancelled: boolean } | undefined;
  private stopping = false;
  /** Whether the worker's training should wait (sent again to a restarted worker). */
  private held = false;

  constructor(private readonly options: EngineHostOptions) {}

  /** Starts the worker (loading weights) if it is not running; resolves when it can take a job. */
  start(): Promise<EngineInfo> {
    if (!this.ready) {
      this.ready = this.spawn();
      this.ready.then(
        (info) => this.options.onStart?.({ info }),
        (error: unknown) => this.options.onStart?.({ error: error instanceof Error ? error : new Error(String(error)) }),
      );
    }
    return this.ready;
  }

  async run(request: RunRequest, onProgress: PendingRun['onProgress']): Promise<RunOutcome> {
    const starting = { jobId: request.jobId, cancelled: false };
    this.starting = starting;
    try {
      await this.start();
    } finally {
      if (this.starting === starting) this.starting = undefined;
    }
    if (starting.cancelled) throw new CancelledError();
    if (this.current) throw new Error('EngineHost runs one job at a time');
    return new Promise<RunOutcome>((resolve, reject) => {
      this.current = { request, onProgress, resolve, reject };
      this.worker!.send(request);
    });
  }

  /** Tells a training job to wait after its current step (`hold`) or to carry on (`go`). */
  setHeld(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    if (this.worker?.connected) this.worker.send({ type: held ? 'hold' : 'go' });
  }

  cancel(jobId: string): void {
    if (this.starting?.jobId === jobId) this.starting.cancelled = true;
    else if (this.current?.request.jobId === jobId && this.worker?.connected) this.worker.send({ type: 'cancel', jobId });
  }

  /** Kills the worker outright (a job that will not stop); the next `run` starts a new one. */
  async restart(reason: string): Promise<void> {
    this.options.logger.warn({ reason }, 'restarting the engine worker');
    const worker = this.worker;
    this.fail(new EngineFailure(reason, reason));
    this.worker = undefined;
    this.ready = undefined;
    await terminate(worker);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await terminate(this.worker);
  }

  private spawn(): Promise<EngineInfo> {
    const { tempDir } = this.options;
    if (tempDir) {
      makeFolderSync(tempDir);
      // Logs of earlier versions' workers, which ran the telemetry: garbage (tsx's compile cache beside them is kept).
      for (const name of readdirSync(tempDir)) if (/^mat-debug-\d+\.log$/.test(name)) rmSync(join(tempDir, name), { force: true });
    }
    const worker = fork(fileURLToPath(this.options.workerUrl ?? DEFAULT_WORKER_URL), [JSON.stringify(this.options.workerData)], {
      execArgv: ['--import', TSX_LOADER],
      env: withHugePages({ ...process.env, ...(tempDir ? { TMPDIR: tempDir } : {}) }),
      // 'advanced' carries Uint8Arrays (preview frames) without base64.
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.worker = worker;
    return new Promise<EngineInfo>((resolve, reject) => {
      let started = false;
      worker.on('message', (message: WorkerMessage) => {
        switch (message.type) {
          case 'ready':
            started = true;
            if (this.held) worker.send({ type: 'hold' });
            this.options.logger.info({ backend: message.backend, objective: message.objectiveEngine, reasons: message.reasons, layers: message.availableLayers }, 'engine ready');
            resolve({
              backend: message.backend,
              objectiveEngine: message.objectiveEngine,
              label: message.objectiveEngine === 'onnx' ? 'onnxruntime' : `TensorFlow.js ${message.backend}`,
              reasons: message.reasons,
              availableLayers: message.availableLayers,
            });
            break;
          case 'startup-failed':
            // Let go of it now, though it is still exiting: a start meanwhile (weights put in place,
            // a job) must spawn a new worker, not be handed this failure again (a loaded CI run did).
            if (this.worker === worker) {
              this.worker = undefined;
              this.ready = undefined;
            }
            // Its kind crosses the process boundary, so that a job waiting on it says what is missing.
            reject(message.missingWeights ? new WeightsError(message.message) : new Error(message.message));
            break;
          case 'progress':
            if (this.current?.request.jobId === message.jobId) this.current.onProgress(message.progress, message.preview);
            break;
          case 'done':
            if (this.current?.request.jobId === message.jobId) this.settle().resolve(message.outcome);
            break;
          case 'warning':
            this.options.logger.warn({ jobId: message.jobId }, message.message);
            break;
          case 'failed':
            if (this.current?.request.jobId !== message.jobId) break;
            if (message.cancelled) this.settle().reject(new CancelledError());
            else this.settle().reject(new EngineFailure(message.message, message.userMessage ?? 'The style engine failed on this job. Try again, perhaps with a smaller size.', message.byInput));
            break;
        }
      });
      worker.on('error', (error) => this.options.logger.error({ err: error }, 'engine worker error'));
      worker.on('exit', (code, signal) => {
        const current = this.worker === worker;
        if (current) {
          this.worker = undefined;
          this.ready = undefined;
        }
        const how = signal ?? `code ${code}`;
        if (!started) reject(new Error(`the engine worker exited (${how}) before it was ready`));
        if (this.stopping) return;
        this.options.logger.error({ code, signal }, 'engine worker exited');
        this.options.onCrash?.(`exited (${how})`);
        // A worker already let go (restarted, or its start failed) has no job: the one running now is another worker's.
        if (current) this.fail(new EngineFailure(`engine worker exited (${how})`, 'The style engine crashed while working on this job (it has been restarted). Try again, perhaps with a smaller size.'));
      });
    });
  }

  private settle(): PendingRun {
    const current = this.current!;
    this.current = undefined;
    return current;
  }

  private fail(error: Error): void {
    if (this.current) this.settle().reject(error);
  }
}

async function terminate(worker: ChildProcess | undefined): Promise<void> {
  if (!worker || worker.exitCode !== null || worker.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    worker.once('exit', () => resolve());
    worker.kill('SIGKILL');
  });
}
