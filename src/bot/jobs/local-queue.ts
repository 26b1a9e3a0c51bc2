import { copyFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { CancelledError } from '../../engine/errors.ts';
import { EngineFailure, type EngineHost } from './engine-host.ts';
import { BotError, userMessageOf } from '../errors.ts';
import { Admission, type AdmissionLimits } from './admission.ts';
import { throttleProgress } from './progress-throttle.ts';
import { deleteOwnFiles, resultPaths, type DataDirs } from '../files.ts';
import { isOfCommunity, styleSharesOf, type Job, type JobStore, type NewJob, type Requester } from './store.ts';
import type { SpeedModel } from './speed.ts';
import { JOB_LANES, laneOf, type JobEvent, type JobEventListener, type JobLane, type JobQueue, type QueueEntry } from './queue.ts';

export interface QueueLimits extends AdmissionLimits {
  /** A running job is stopped after this long. */
  readonly jobTimeoutMs: number;
  /** At most one progress event per job per this interval (chat platforms rate-limit edits). */
  readonly progressIntervalMs: number;
}

export interface LocalQueueOptions {
  readonly store: JobStore;
  /** An engine process per lane (each runs one job at a time). */
  readonly hosts: Readonly<Record<JobLane, EngineHost>>;
  readonly dirs: DataDirs;
  readonly speed: SpeedModel;
  readonly limits: QueueLimits;
  readonly logger: Logger;
}

/** One lane: its own order (p-queue, one job at a time), its engine process, its running job. */
interface Lane {
  readonly queue: PQueue;
  readonly host: EngineHost;
  runningJobId: string | undefined;
}

/**
 * The in-process `JobQueue` in front of the engine: two lanes (`queue.ts`), each running one job at
 * a time on its own engine process; order, ETAs, cancellation, time limits and recovery after a
 * restart, with admission (`admission.ts`) and progress throttling (`progress-throttle.ts`) that any
 * other implementation would share. Every state lives in the JobStore first, so a killed process
 * loses nothing.
 */
export class LocalQueue implements JobQueue {
  private readonly lanes: Readonly<Record<JobLane, Lane>>;
  private readonly listeners = new Set<JobEventListener>();
  private timedOut = new Set<string>();
  private readonly admission: Admission;

  private readonly store: JobStore;
  private readonly dirs: DataDirs;
  private readonly speed: SpeedModel;
  private readonly limits: QueueLimits;
  private readonly logger: Logger;

  constructor(options: LocalQueueOptions) {
    ({ store: this.store, dirs: this.dirs, speed: this.speed, limits: this.limits, logger: this.logger } = options);
    const laneOn = (host: EngineHost): Lane => ({ queue: new PQueue({ concurrency: 1 }), host, runningJobId: undefined });
    this.lanes = { paint: laneOn(options.hosts.paint), fast: laneOn(options.hosts.fast) };
    this.admission = new Admission(this.store, this.limits);
  }

  onEvent(listener: JobEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Puts back what a previous process left: interrupted jobs first in their old order. */
  resume(): void {
    const interrupted = new Set(this.store.requeueInterrupted().map((job) => job.id));
    for (const job of this.store.queued()) {
      this.schedule(job);
      if (interrupted.has(job.id)) {
        const entry = this.entryOf(job.id);
        this.emit({ type: 'resumed', job, position: entry?.position ?? 1, etaMs: entry?.etaMs ?? 0 });
      }
    }
    if (interrupted.size > 0) this.logger.info({ jobs: [...interrupted] }, 'requeued jobs interrupted by a restart');
  }

  /**
   * Admits a job or refuses it with the limit that applies. The place in the queue is taken before
   * anything slow happens: `prepare` (decoding and storing the user's images) runs only for an
   * admitted job, so a refused one writes nothing, and simultaneous requests cannot all pass the
   * check before any of them is counted.
   */
  async submit(requester: Requester, prepare: () => NewJob | Promise<NewJob>): Promise<QueueEntry> {
    const release = this.admission.reserve(requester);
    try {
      const job = await prepare();
      // The job gets its own copies of library styles, so removing a style cannot break it.
      const own = (path: string) => (path.startsWith(this.dirs.styles) ? this.copyIntoUploads(path) : Promise.resolve(path));
      const stylePath = await own(job.stylePath);
      const styles = job.styles ? await Promise.all(job.styles.map(async (share) => ({ ...share, path: share.path === job.stylePath ? stylePath : await own(share.path) }))) : undefined;
      const background = job.background ? await Promise.all(job.background.map(async (share) => ({ ...share, path: await own(share.path) }))) : undefined;
      const created = this.store.create({ ...job, stylePath, styles, background });
      const entry = this.entryOf(created.id)!;
      // Announce before scheduling: an idle queue starts the job at once, and 'started' follows 'queued'.
      this.emit({ type: 'queued', job: created, position: entry.position, etaMs: entry.etaMs });
      this.schedule(created);
      return entry;
    } finally {
      release();
    }
  }

  /** Cancels a job: its owner may, a moderator may cancel anyone's. */
  cancel(jobId: string, requester: Requester): Job {
    const job = this.store.get(jobId);
    const isOwner = job?.requester.platform === requester.platform && job.requester.userId === requester.userId;
    // Another community's job looks the same as no job at all.
    if (!job || (!isOwner && !isOfCommunity(job.requester, requester))) throw new BotError('unknown_job', `There is no job "${jobId}".`, 'job');
    if (!isOwner && !requester.isModerator) throw new BotError('not_allowed', "You can cancel only your own jobs (moderators can cancel anyone's here).", 'job');
    if (job.status !== 'queued' && job.status !== 'running') throw new BotError('unknown_job', `Job ${jobId} has already ${job.status === 'cancelled' ? 'been cancelled' : 'finished'}.`, 'job');
    if (!this.store.markCancelled(jobId)) throw new BotError('unknown_job', `Job ${jobId} has already finished.`, 'job');
    const lane = this.lanes[laneOf(job)];
    if (lane.runningJobId === jobId) lane.host.cancel(jobId);
    const cancelled = this.store.get(jobId)!;
    this.emit({ type: 'cancelled', job: cancelled, byModerator: !isOwner });
    return cancelled;
  }

  /** The running jobs and the waiting ones, lane by lane, in order, with ETAs. */
  entries(): QueueEntry[] {
    const [running, queued] = [this.store.running(), this.store.queued()];
    return JOB_LANES.flatMap((lane) => {
      const entries: QueueEntry[] = [];
      let elapsed = 0;
      for (const job of running.filter((candidate) => laneOf(candidate) === lane)) {
        elapsed += job.progress ? job.progress.etaMs : this.speed.estimateMs(job.method, job.options);
        entries.push({ job, lane, position: 0, etaMs: elapsed });
      }
      queued
        .filter((candidate) => laneOf(candidate) === lane)
        .forEach((job, index) => {
          elapsed += this.speed.estimateMs(job.method, job.options);
          entries.push({ job, lane, position: index + 1, etaMs: elapsed });
        });
      return entries;
    });
  }

  /** Resolves when nothing is queued or running in either lane (tests and shutdown). */
  async onIdle(): Promise<void> {
    // A fast job may queue while the other lane drains: wait until both are idle at once.
    while (JOB_LANES.some((lane) => this.lanes[lane].queue.size + this.lanes[lane].queue.pending > 0)) {
      await Promise.all(JOB_LANES.map((lane) => this.lanes[lane].queue.onIdle()));
    }
  }

  pause(): void {
    for (const lane of JOB_LANES) this.lanes[lane].queue.pause();
  }

  private entryOf(jobId: string): QueueEntry | undefined {
    return this.entries().find((entry) => entry.job.id === jobId);
  }

  private schedule(job: Job): void {
    const lane = this.lanes[laneOf(job)];
    void lane.queue.add(() => this.run(job.id, lane));
  }

  private async copyIntoUploads(path: string): Promise<string> {
    const copy = join(this.dirs.uploads, `style-${Date.now()}-${randomBytes(4).toString('hex')}${extname(path)}`);
    await copyFile(path, copy);
    return copy;
  }

  private async run(jobId: string, lane: Lane): Promise<void> {
    const queued = this.store.get(jobId);
    if (queued?.status !== 'queued') return; // cancelled while waiting
    this.store.markRunning(jobId);
    lane.runningJobId = jobId;
    const job = this.store.get(jobId)!;
    this.emit({ type: 'started', job });
    const { png, gif, mp4 } = resultPaths(this.dirs, jobId);
    const timer = setTimeout(() => {
      this.timedOut.add(jobId);
      lane.host.cancel(jobId);
      // A job that ignores its cancellation (stuck in one huge iteration) loses its worker.
      setTimeout(() => {
        if (lane.runningJobId === jobId) void lane.host.restart(`job ${jobId} did not stop after its time limit`);
      }, 30_000).unref();
    }, this.limits.jobTimeoutMs);
    const onProgress = throttleProgress(this.limits.progressIntervalMs, ({ progress, recentTerms, preview }) => {
      this.store.recordProgress(jobId, progress);
      this.emit({ type: 'progress', job: this.store.get(jobId)!, progress, recentTerms, preview });
    });
    try {
      const outcome = await lane.host.run(
        { type: 'run', jobId, method: job.method, inputs: { contentPath: job.contentPath, styles: styleSharesOf(job), maskPath: job.maskPath, background: job.background }, options: job.options, output: { pngPath: png, gifPath: gif, mp4Path: mp4 } },
        onProgress,
      );
      this.speed.record(job.method, job.options, outcome.elapsedMs);
      // Its owner asked to be forgotten while it ran: nothing of it may stay.
      if (!this.store.get(jobId)) {
        await deleteOwnFiles(this.dirs, [png, gif, mp4]);
        return;
      }
      const { video, ...measured } = outcome;
      this.store.markSucceeded(jobId, { pngPath: png, gifPath: gif, ...(video ? { mp4Path: mp4 } : {}), ...measured, backend: (await lane.host.start()).label });
      this.emit({ type: 'succeeded', job: this.store.get(jobId)! });
    } catch (error) {
      this.finishWithError(jobId, error);
    } finally {
      clearTimeout(timer);
      lane.runningJobId = undefined;
      this.timedOut.delete(jobId);
    }
  }

  private finishWithError(jobId: string, error: unknown): void {
    const job = this.store.get(jobId);
    if (!job) return; // forgotten while it ran (cancelled first, and announced then)
    if (error instanceof CancelledError && !this.timedOut.has(jobId)) {
      // Cancelled by a user: `cancel` already recorded and announced it.
      if (job.status === 'running') this.store.markCancelled(jobId);
      return;
    }
    const message = this.timedOut.has(jobId)
      ? `The job took longer than the ${describeLimit(this.limits.jobTimeoutMs)} limit and was stopped. Try a smaller size or fewer iterations.`
      : error instanceof EngineFailure
        ? error.userMessage
        : (userMessageOf(error) ?? 'Something went wrong on our side while working on this job.');
    this.logger.error({ err: error, jobId }, 'job failed');
    this.store.markFailed(jobId, message);
    this.emit({ type: 'failed', job: this.store.get(jobId)!, message });
  }

  private emit(event: JobEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error, event: event.type }, 'event listener failed');
      }
    }
  }
}

function describeLimit(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)}-minute` : `${Math.round(ms / 1000)}-second`;
}
