import { CancelledError } from '../../engine/errors.ts';
import { describeFailure, isInputFault } from '../errors.ts';
import { EngineFailure, type EngineHost, type EngineInfo } from './engine-host.ts';
import type { RunOutcome, RunRequest } from './engine-protocol.ts';
import type { JobLane } from './queue.ts';
import type { JobProgress } from './store.ts';

/** A lane's time limit for one job: training's in hours, the others' in minutes (the bot's lanes and workers alike). */
export function jobTimeoutMsOf(env: { readonly IMPASTO_JOB_TIMEOUT_MINUTES: number; readonly IMPASTO_TRAINING_TIMEOUT_HOURS: number }, lane: JobLane): number {
  return lane === 'train' ? env.IMPASTO_TRAINING_TIMEOUT_HOURS * 3_600_000 : env.IMPASTO_JOB_TIMEOUT_MINUTES * 60_000;
}

/** A job ran past its time limit and was stopped. */
export class JobTimedOut extends Error {
  override readonly name = 'JobTimedOut';
  constructor(limitMs: number) {
    super(`The job took longer than the ${describeLimit(limitMs)} limit and was stopped. Try a smaller size or fewer iterations.`);
  }
}

/** A job's progress as the engine reports it, with the latest GIF frame as a small JPEG. */
export type ProgressHandler = (progress: JobProgress, preview?: Uint8Array) => void;

/** How long a job that ignores its cancellation keeps its engine before the engine is killed. */
const GRACE_AFTER_LIMIT_MS = 30_000;

/**
 * One engine process running one job at a time under a time limit. The bot's own lanes use it, and
 * so does each `impasto worker` on another machine, so a job is stopped the same way everywhere.
 */
export class LaneRunner {
  private runningJobId: string | undefined;
  private held = false;
  private deadline: Deadline | undefined;

  constructor(
    readonly host: EngineHost,
    private readonly jobTimeoutMs: number,
  ) {}

  start(): Promise<EngineInfo> {
    return this.host.start();
  }

  /** Runs one job; throws `JobTimedOut` past the limit, `CancelledError` when cancelled, else the engine's error. */
  async run(request: RunRequest, onProgress: ProgressHandler, timeoutMs = this.jobTimeoutMs): Promise<RunOutcome> {
    this.runningJobId = request.jobId;
    let timedOut = false;
    const deadline = new Deadline(timeoutMs, () => {
      timedOut = true;
      this.host.cancel(request.jobId);
      // A job that ignores its cancellation (stuck in one huge iteration) loses its worker.
      setTimeout(() => {
        if (this.runningJobId === request.jobId) void this.host.restart(`job ${request.jobId} did not stop after its time limit`);
      }, GRACE_AFTER_LIMIT_MS).unref();
    });
    this.deadline = deadline;
    if (!this.held) deadline.resume();
    try {
      return await this.host.run(request, onProgress);
    } catch (error) {
      throw timedOut ? new JobTimedOut(timeoutMs) : error;
    } finally {
      deadline.pause();
      this.deadline = undefined;
      this.runningJobId = undefined;
    }
  }

  /**
   * Holds the engine between two steps of its job (training, while a picture is painted on this
   * machine), or lets it go on. The time limit does not count the time held: a training run on a
   * busy bot is stopped for taking too long, not for having waited.
   */
  setHeld(held: boolean): void {
    this.held = held;
    this.host.setHeld(held);
    if (held) this.deadline?.pause();
    else this.deadline?.resume();
  }

  cancel(jobId: string): void {
    if (this.runningJobId === jobId) this.host.cancel(jobId);
  }

  stop(): Promise<void> {
    return this.host.stop();
  }
}

/** A time limit that can stop counting for a while (started paused). */
class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private resumedAt = 0;

  constructor(
    private remainingMs: number,
    private readonly onExpired: () => void,
  ) {}

  resume(): void {
    if (this.timer) return;
    this.resumedAt = Date.now();
    this.timer = setTimeout(this.onExpired, Math.max(0, this.remainingMs));
  }

  pause(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remainingMs -= Date.now() - this.resumedAt;
  }
}

/** How a job that did not succeed ended, in words for the person who asked for it. */
export type JobEnding = { readonly cancelled: true } | { readonly cancelled: false; readonly message: string; readonly byInput: boolean };

/** Turns what a run threw into its ending: the same words whichever machine ran it. */
export function endingOf(error: unknown): JobEnding {
  if (error instanceof CancelledError) return { cancelled: true };
  if (error instanceof JobTimedOut) return { cancelled: false, message: error.message, byInput: false };
  if (error instanceof EngineFailure) return { cancelled: false, message: error.userMessage, byInput: error.byInput };
  return { cancelled: false, message: describeFailure(error, 'Something went wrong on our side while working on this job.'), byInput: isInputFault(error) };
}

function describeLimit(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)}-minute` : `${Math.round(ms / 1000)}-second`;
}
