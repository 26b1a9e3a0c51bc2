import type { BackendName } from '../../engine/backend.ts';
import type { RunOutcome, RunRequest } from './engine-protocol.ts';
import type { ProgressHandler } from './lane-runner.ts';
import type { JobLane } from './queue.ts';

/** What the queue is told while a job it dispatched runs. */
export interface DispatchHooks {
  /**
   * The job has reached an engine. Answering false means it no longer wants to run (it was cancelled
   * or forgotten while it waited): the engine skips it.
   */
  readonly begin: () => boolean;
  readonly progress: ProgressHandler;
}

/** A finished run: what the engine reported, with the result files written at the request's `output`. */
export interface Dispatched {
  readonly outcome: RunOutcome;
  /** What computed it, for people: "onnxruntime" or a TensorFlow.js backend. */
  readonly backend: string;
}

/**
 * What paints optimisations, once an engine has started: for people (the playground says it) and
 * for the ETAs (whose first estimates depend on the backend).
 */
export interface PaintEngine {
  /** For people: "onnxruntime", a TensorFlow.js backend, or with workers "onnxruntime on 2 workers". */
  readonly label: string;
  readonly backend: BackendName;
  readonly objectiveEngine: 'onnx' | 'tfjs';
}

/**
 * Where admitted jobs wait and run: the engine processes of this process (`local-dispatch.ts`) or
 * `impasto worker`s on other machines through BullMQ on Redis (`redis/redis-dispatch.ts`). The queue
 * in front (`bot-queue.ts`) keeps admission, the job store and the events the same for both.
 */
export interface Dispatch {
  /**
   * Runs a stored job once an engine of its lane is free. Resolves with the run, or undefined when
   * the job did not run (`begin` declined, or it was cancelled while it waited); rejects with what
   * ended it otherwise (`CancelledError`, `JobTimedOut`, an engine failure).
   */
  run(request: RunRequest, lane: JobLane, hooks: DispatchHooks): Promise<Dispatched | undefined>;
  /** How many jobs of a lane run at once (engines serving it): the queue's ETAs count on it, and 0 (none now) says its jobs wait for one. */
  capacity(lane: JobLane): number;
  /** Stops a job, waiting or running. */
  cancel(jobId: string, lane: JobLane): void;
  /**
   * Drops the engines' shared copy of a trained network whose style is gone (Redis's; local engines
   * read the bot's own folder, which the caller cleans).
   */
  releaseNetwork(name: string): Promise<void>;
  /** Starts nothing more (shutdown). */
  pause(): void;
  stop(): Promise<void>;
}
