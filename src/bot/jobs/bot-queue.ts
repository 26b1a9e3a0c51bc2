import { rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { BotError, isOutOfSpace, OUT_OF_SPACE_TEXT } from '../errors.ts';
import { Admission, type AdmissionLimits } from './admission.ts';
import type { Dispatch, Dispatched } from './dispatch.ts';
import type { RunRequest } from './engine-protocol.ts';
import { endingOf } from './lane-runner.ts';
import { throttleProgress } from './progress-throttle.ts';
import { copyLibraryStyle, deleteOwnFiles, resultPaths, type DataDirs } from '../files.ts';
import { isOfCommunity, styleSharesOf, type Job, type JobStore, type NewJob, type Requester } from './store.ts';
import type { SpeedModel } from './speed.ts';
import { finalEventOf, JOB_LANES, laneOf, type JobEvent, type JobEventListener, type JobLane, type JobQueue, type QueueEntry, type QueuePlace } from './queue.ts';

export interface QueueLimits extends AdmissionLimits {
  /** At most one progress event per job per this interval (chat platforms rate-limit edits). */
  readonly progressIntervalMs: number;
}

export interface BotQueueOptions {
  readonly store: JobStore;
  /** Where admitted jobs wait and run: this machine's engine processes or workers elsewhere. */
  readonly dispatch: Dispatch;
  readonly dirs: DataDirs;
  readonly speed: SpeedModel;
  readonly limits: QueueLimits;
  readonly logger: Logger;
}

/**
 * The `JobQueue` in front of the engine: admission (`admission.ts`), order, ETAs, cancellation,
 * recovery after a restart and progress throttling (`progress-throttle.ts`), whichever `Dispatch`
 * runs the jobs. Every state lives in the JobStore first, so a killed process loses nothing.
 */
export class BotQueue implements JobQueue {
  private readonly listeners = new Set<JobEventListener>();
  private readonly admission: Admission;
  /** Dispatched jobs that have not ended yet. */
  private readonly pending = new Set<Promise<void>>();

  private readonly store: JobStore;
  private readonly dispatch: Dispatch;
  private readonly dirs: DataDirs;
  private readonly speed: SpeedModel;
  private readonly limits: QueueLimits;
  private readonly logger: Logger;

  constructor(options: BotQueueOptions) {
    ({ store: this.store, dispatch: this.dispatch, dirs: this.dirs, speed: this.speed, limits: this.limits, logger: this.logger } = options);
    this.admission = new Admission(this.store, this.limits);
  }

  onEvent(listener: JobEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Puts back what a previous process left: interrupted jobs first in their old order, then the
   * final events of finished jobs whose answer never reached their chat (the adapters, attached
   * before this, answer them).
   */
  resume(): void {
    const interrupted = new Set(this.store.requeueInterrupted().map((job) => job.id));
    for (const job of this.store.queued()) {
      this.schedule(job);
      if (interrupted.has(job.id)) {
        const entry = this.entryOf(job.id);
        this.emit({ type: 'resumed', job, ...placeOf(entry) });
      }
    }
    if (interrupted.size > 0) this.logger.info({ jobs: [...interrupted] }, 'requeued jobs interrupted by a restart');
    const unanswered = this.store.unanswered();
    for (const event of unanswered.flatMap((job) => finalEventOf(job) ?? [])) this.emit(event);
    if (unanswered.length > 0) this.logger.info({ jobs: unanswered.map((job) => job.id) }, 'answering again finished jobs whose answer never reached their chat');
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
      const { stylePath, styles, background } = await this.ownStylesOf(job);
      const created = this.store.create({ ...job, stylePath, styles, background });
      const entry = this.entryOf(created.id)!;
      // Announce before scheduling: an idle queue starts the job at once, and 'started' follows 'queued'.
      this.emit({ type: 'queued', job: created, ...placeOf(entry) });
      this.schedule(created);
      return entry;
    } finally {
      release();
    }
  }

  checkAdmission(requester: Requester): void {
    this.admission.check(requester);
  }

  /** Cancels a job: its owner may, a moderator may cancel anyone's. */
  cancel(jobId: string, requester: Requester): Job {
    const job = this.store.get(jobId);
    const isOwner = job?.requester.platform === requester.platform && job.requester.userId === requester.userId;
    // Another community's job looks the same as no job at all.
    if (!job || (!isOwner && !isOfCommunity(job.requester, requester))) throw new BotError('unknown_job', `There is no job "${jobId}".`, 'job');
    if (!isOwner && !requester.isModerator) throw new BotError('not_allowed', "You can cancel only your own jobs (moderators can cancel anyone's here).", 'job');
    if (job.status !== 'queued' && job.status !== 'running') throw new BotError('unknown_job', `Job ${jobId} has already ${job.status === 'cancelled' ? 'been cancelled' : 'finished'}.`, 'job');
    if (!this.store.markCancelled(jobId, !isOwner)) throw new BotError('unknown_job', `Job ${jobId} has already finished.`, 'job');
    this.dispatch.cancel(jobId, laneOf(job));
    const cancelled = this.store.get(jobId)!;
    this.emit({ type: 'cancelled', job: cancelled });
    return cancelled;
  }

  engines(lane: JobLane): number {
    return this.dispatch.capacity(lane);
  }

  /** The running jobs and the waiting ones, lane by lane, in order, with ETAs. */
  entries(): QueueEntry[] {
    const [running, queued] = [this.store.running(), this.store.queued()];
    return JOB_LANES.flatMap((lane) => {
      // Each engine serving the lane takes the next job when it is free: its job ends at `free + estimate`.
      const serving = this.engines(lane);
      const waitsForEngine = serving === 0;
      const engines = new Array<number>(Math.max(1, serving)).fill(0);
      const endOnFirstFree = (estimateMs: number): number => {
        const first = engines.indexOf(Math.min(...engines));
        engines[first] = engines[first]! + estimateMs;
        return engines[first]!;
      };
      const entries: QueueEntry[] = running
        .filter((candidate) => laneOf(candidate) === lane)
        .map((job) => ({ job, lane, position: 0, etaMs: endOnFirstFree(job.progress ? job.progress.etaMs : this.speed.estimateMs(job.method, job.options)), waitsForEngine: false }));
      queued
        .filter((candidate) => laneOf(candidate) === lane)
        .forEach((job, index) => entries.push({ job, lane, position: index + 1, etaMs: endOnFirstFree(this.speed.estimateMs(job.method, job.options)), waitsForEngine }));
      return entries;
    });
  }

  /** Resolves when nothing is queued or running in either lane (tests and shutdown). */
  async onIdle(): Promise<void> {
    // A job may be queued while others drain: wait until none is pending at once.
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  pause(): void {
    this.dispatch.pause();
  }

  private entryOf(jobId: string): QueueEntry | undefined {
    return this.entries().find((entry) => entry.job.id === jobId);
  }

  private schedule(job: Job): void {
    const { png, gif, mp4 } = resultPaths(this.dirs, job.id);
    const request: RunRequest = {
      type: 'run',
      jobId: job.id,
      method: job.method,
      inputs: { contentPath: job.contentPath, styles: styleSharesOf(job), maskPath: job.maskPath, background: job.background },
      options: job.options,
      output: { pngPath: png, gifPath: gif, mp4Path: mp4 },
    };
    let progressUnrecorded = false;
    const onProgress = throttleProgress(this.limits.progressIntervalMs, ({ progress, recentTerms, preview }) => {
      // Called from the engine's messages: a store that cannot write (its disk full) must not end the
      // process. The progress is only a display; the job goes on (and the log hears it once a job).
      try {
        this.store.recordProgress(job.id, progress);
      } catch (error) {
        if (!progressUnrecorded) this.logger.warn({ err: error, jobId: job.id }, 'could not record a job\'s progress; it goes on');
        progressUnrecorded = true;
      }
      // Cancelled or forgotten while it runs (/forget-me cancels it, then deletes its row): the
      // engine's last reports before it stops are dropped, or they would paint "Painting…" over
      // "cancelled" in the chat.
      const current = this.store.get(job.id);
      if (current?.status === 'running') this.emit({ type: 'progress', job: current, progress, recentTerms, preview });
    });
    const ended = this.dispatch
      .run(request, laneOf(job), { begin: () => this.begin(job.id), progress: onProgress })
      .then(
        (ran) => (ran ? this.finish(job, request.output, ran) : undefined),
        (error: unknown) => this.finishWithError(job.id, error),
      )
      .catch((error: unknown) => this.tellUnrecordedEnd(job, error))
      .finally(() => this.pending.delete(ended));
    this.pending.add(ended);
  }

  /** The job has reached an engine: it starts unless it was cancelled or forgotten meanwhile. */
  private begin(jobId: string): boolean {
    const job = this.store.get(jobId);
    // Picked up again after its worker died: it is still running, and was announced already.
    if (job?.status === 'running') return true;
    if (job?.status !== 'queued') return false;
    this.store.markRunning(jobId);
    this.emit({ type: 'started', job: this.store.get(jobId)! });
    return true;
  }

  private async finish(dispatched: Job, { pngPath, gifPath, mp4Path }: RunRequest['output'], { outcome, backend }: Dispatched): Promise<void> {
    const jobId = dispatched.id;
    this.speed.record(dispatched.method, dispatched.options, outcome.elapsedMs);
    const job = this.store.get(jobId);
    // Its owner asked to be forgotten while it ran: nothing of it may stay.
    if (!job) {
      await deleteOwnFiles(this.dirs, [pngPath, gifPath, mp4Path]);
      return;
    }
    // Ended already (cancelled just as it finished): one ending per job.
    if (job.status !== 'running') return;
    const { video, ...measured } = outcome;
    this.store.markSucceeded(jobId, { pngPath, gifPath, ...(video ? { mp4Path } : {}), ...measured, backend });
    this.emit({ type: 'succeeded', job: this.store.get(jobId)! });
  }

  /**
   * The job's own copies of the library styles it names, so that removing a style cannot break it.
   * If one was removed meanwhile, the copies already made are not kept either.
   */
  private async ownStylesOf(job: NewJob): Promise<Pick<NewJob, 'stylePath' | 'styles' | 'background'>> {
    const copies: string[] = [];
    const own = async (path: string) => {
      if (!path.startsWith(this.dirs.styles)) return path;
      const copy = await this.copyIntoUploads(path, job.styleLabel);
      copies.push(copy);
      return copy;
    };
    // One after another (a few small files): when one fails, no other copy is still being made.
    const ownShares = async (shares: NewJob['styles'], stylePath?: string) => {
      if (!shares) return undefined;
      const owned = [];
      for (const share of shares) owned.push({ ...share, path: share.path === job.stylePath && stylePath ? stylePath : await own(share.path) });
      return owned;
    };
    try {
      const stylePath = await own(job.stylePath);
      return { stylePath, styles: await ownShares(job.styles, stylePath), background: await ownShares(job.background) };
    } catch (error) {
      await Promise.allSettled(copies.map((copy) => rm(copy, { force: true })));
      throw error;
    }
  }

  private async copyIntoUploads(path: string, styleLabel: string): Promise<string> {
    const copy = join(this.dirs.uploads, `style-${Date.now()}-${randomBytes(4).toString('hex')}${extname(path)}`);
    // Removed while this job's photo was being read.
    await copyLibraryStyle(path, copy, `A style of this picture (${styleLabel}) was removed from the library just now; choose another.`);
    return copy;
  }

  private finishWithError(jobId: string, error: unknown): void {
    const job = this.store.get(jobId);
    if (!job) return; // forgotten while it ran (cancelled first, and announced then)
    const ending = endingOf(error);
    if (ending.cancelled) {
      // Cancelled by a user: `cancel` already recorded and announced it.
      if (job.status === 'running') this.store.markCancelled(jobId);
      return;
    }
    if (job.status !== 'running' && job.status !== 'queued') return; // one ending per job
    // A photo that was not an image, or was removed before its turn, is not the bot's to fix.
    if (ending.byInput) this.logger.info({ jobId, reason: ending.message }, 'job failed on its input');
    else this.logger.error({ err: error, jobId }, 'job failed');
    this.store.markFailed(jobId, ending.message);
    this.emit({ type: 'failed', job: this.store.get(jobId)!, message: ending.message });
  }

  /**
   * The job ended but the store could not record it (its disk full, as a rule). Its row still says
   * queued or running, so the next start paints it again; meanwhile its requester is told why it
   * has no picture rather than left with "Painting…".
   */
  private tellUnrecordedEnd(job: Job, error: unknown): void {
    this.logger.error({ err: error, jobId: job.id }, 'could not record the end of a job');
    if (!isOutOfSpace(error)) return;
    const current = this.store.get(job.id) ?? job;
    this.emit({ type: 'failed', job: { ...current, status: 'failed', error: OUT_OF_SPACE_TEXT }, message: OUT_OF_SPACE_TEXT });
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

/** A queue entry's place, as its events carry it; an entry not found (the job ended meanwhile) as next, at once. */
function placeOf(entry: QueueEntry | undefined): QueuePlace {
  return { position: entry?.position ?? 1, etaMs: entry?.etaMs ?? 0, waitsForEngine: entry?.waitsForEngine ?? false };
}
