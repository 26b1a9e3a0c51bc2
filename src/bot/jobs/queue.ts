import type { LossRecord } from '../../engine/methods/method.ts';
import type { Job, JobProgress, NewJob, Requester } from './store.ts';

/** What happens to a job, in order: queued (or resumed after a restart), started, progress…, then one final event. */
export type JobEvent =
  | ({ readonly type: 'queued'; readonly job: Job } & QueuePlace)
  | ({ readonly type: 'resumed'; readonly job: Job } & QueuePlace)
  | { readonly type: 'started'; readonly job: Job }
  | {
      readonly type: 'progress';
      readonly job: Job;
      readonly progress: JobProgress;
      /** The loss terms (and size) of every iteration since the previous progress event (for charts). */
      readonly recentTerms: readonly LossRecord[];
      /** The latest GIF frame since the previous event, as a small JPEG. */
      readonly preview?: Uint8Array | undefined;
    }
  | { readonly type: 'succeeded'; readonly job: Job }
  | { readonly type: 'failed'; readonly job: Job; readonly message: string }
  | { readonly type: 'cancelled'; readonly job: Job };

export type JobEventListener = (event: JobEvent) => void;

export const FINAL_EVENTS: ReadonlySet<JobEvent['type']> = new Set(['succeeded', 'failed', 'cancelled']);

/** The final event of a finished job, made again from the store (to answer it after a restart). */
export function finalEventOf(job: Job): JobEvent | undefined {
  switch (job.status) {
    case 'succeeded':
      return { type: 'succeeded', job };
    case 'failed':
      return { type: 'failed', job, message: job.error ?? 'unknown error' };
    case 'cancelled':
      return { type: 'cancelled', job };
    default:
      return undefined;
  }
}

/**
 * Jobs wait in one of three lanes, each with its own engine process: `fast` for one-pass networks
 * (seconds), `paint` for optimisations (a minute), `train` for training style networks (an hour
 * or more, in the background: it waits while an interactive job runs). An instant job is never
 * stuck behind a long one.
 */
export const JOB_LANES = ['paint', 'fast', 'train'] as const;
export type JobLane = (typeof JOB_LANES)[number];

/** One value per lane, made by `make`: adding a lane adds it everywhere a record of lanes is built. */
export function byLane<T>(make: (lane: JobLane) => T): Record<JobLane, T> {
  return Object.fromEntries(JOB_LANES.map((lane) => [lane, make(lane)])) as Record<JobLane, T>;
}

export function laneOf(job: Pick<Job, 'method'>): JobLane {
  return job.method === 'fast' ? 'fast' : job.method === 'train' ? 'train' : 'paint';
}

/** Where a job stands in its lane, as its messages say it. */
export interface QueuePlace {
  /** 0 for a running job, then 1, 2, … in the order they will run in its lane. */
  readonly position: number;
  /** Milliseconds until it should be finished (as if one engine served its lane, where none does now). */
  readonly etaMs: number;
  /**
   * No engine takes its lane's jobs now (every `impasto worker` gone, or none serving that lane):
   * it starts when one does, and `etaMs` means nothing until then. Users were told "done in about
   * 30 s" of a job no worker would take.
   */
  readonly waitsForEngine: boolean;
}

export interface QueueEntry extends QueuePlace {
  readonly job: Job;
  readonly lane: JobLane;
}

/**
 * The one queue in front of the engine. Commands and adapters see only this: `bot-queue.ts`
 * implements it, and its `Dispatch` decides where jobs run: this machine's
 * engine processes (`local-dispatch.ts`) or `impasto worker`s through Redis (`redis/`).
 */
export interface JobQueue {
  /**
   * Admits a job or throws a `BotError` naming the limit. The place is taken before `prepare` (decoding
   * and storing the user's images) runs, so a refused job writes nothing.
   */
  submit(requester: Requester, prepare: () => NewJob | Promise<NewJob>): Promise<QueueEntry>;
  /** Throws the `BotError` that `submit` would refuse the requester with now, taking no place (before a picture is fetched). */
  checkAdmission(requester: Requester): void;
  /** Cancels a job: its owner may, a moderator may cancel anyone's. */
  cancel(jobId: string, requester: Requester): Job;
  /** The running jobs and the waiting ones, lane by lane, in order, with ETAs. */
  entries(): QueueEntry[];
  /** How many engines take a lane's jobs now: the bot's own, or the workers serving it on Redis (0: none, and its jobs wait). */
  engines(lane: JobLane): number;
  onEvent(listener: JobEventListener): () => void;
  /**
   * Puts back what a previous process left: interrupted jobs first, in their old order; and sends
   * again the final event of each finished chat job whose answer never reached its chat.
   */
  resume(): void;
  /** Resolves when nothing is queued or running (tests and shutdown). */
  onIdle(): Promise<void>;
  /** Starts nothing more (shutdown); the running job is left to the engine host's stop. */
  pause(): void;
}
