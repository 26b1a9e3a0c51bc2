import { randomBytes } from 'node:crypto';
import type { LossRecord } from '../../engine/methods/method.ts';
import type { LossTerms } from '../../engine/optimizers/objective.ts';
import { DEFAULT_METHOD, type MethodName } from '../../engine/methods/names.ts';
import { DEFAULT_STRENGTH, STRENGTH_RANGE, type StylizeOptionsInput } from '../../engine/options.ts';
import type { Target } from '../../engine/segmentation/targets.ts';
import type { Db } from '../database.ts';

export const PLATFORMS = ['discord', 'slack', 'web'] as const;
export type Platform = (typeof PLATFORMS)[number];
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/**
 * Who asked, and from which community: a Discord server (`discord:<guild>`), a Slack workspace
 * (`slack:<team>`) or the playground (`web`). Styles, jobs and contests belong to one community, and
 * `isModerator` (decided by the adapter from the platform's own permissions) holds in that one only.
 */
export interface Requester {
  readonly platform: Platform;
  readonly community: string;
  readonly userId: string;
  readonly userName: string;
  readonly isModerator: boolean;
}

/**
 * Whether what `owner` made (a job, a contest) belongs to the asker's community. Rows from before
 * communities existed (community '') belong to every community of their platform.
 */
export function isOfCommunity(owner: Pick<Requester, 'platform' | 'community'>, asker: Pick<Requester, 'platform' | 'community'>): boolean {
  return owner.platform === asker.platform && (owner.community === '' || owner.community === asker.community);
}

/** Where to answer: the core stores it and hands it back to the adapter; `reply` is the adapter's own. */
export interface JobOrigin {
  readonly platform: Platform;
  readonly channelId: string;
  readonly threadId?: string | undefined;
  readonly reply?: Readonly<Record<string, string | number | boolean | null>> | undefined;
}

export interface JobProgress {
  readonly iteration: number;
  readonly totalIterations: number;
  readonly etaMs: number;
  readonly elapsedMs: number;
  /** The loss terms, for a method that has them. */
  readonly terms?: LossTerms | undefined;
  /** The long side of the picture an optimiser paints now (coarse to fine): chats say it. */
  readonly size?: number | undefined;
  /** A clip's progress within the frame being painted (`iteration` then counts frames). */
  readonly inFrame?: { readonly iteration: number; readonly totalIterations: number } | undefined;
}

export interface JobResult {
  readonly pngPath: string;
  readonly gifPath: string;
  /** A video clip's answer in kind (absent otherwise). */
  readonly mp4Path?: string | undefined;
  /** A clip's GIF was scaled down to this width to fit the upload limit. */
  readonly gifWidth?: number | undefined;
  readonly width: number;
  readonly height: number;
  readonly iterations: number;
  readonly elapsedMs: number;
  /** What computed it: "onnxruntime", or "TensorFlow.js <backend>". */
  readonly backend: string;
  readonly frames: number;
  /** Each iteration's loss terms and size, for the playground's chart. */
  readonly lossHistory: readonly LossPoint[];
}

/**
 * An iteration's loss terms, and the long side of the picture it painted (coarse to fine: the chart
 * marks where it grew). No size in results stored before it was kept.
 */
export type LossPoint = readonly [content: number, style: number, tv: number, size?: number];

export function lossPointOf(record: LossRecord): LossPoint {
  return record.size === undefined ? [record.content, record.style, record.tv] : [record.content, record.style, record.tv, record.size];
}

export interface Job {
  readonly id: string;
  readonly seq: number;
  readonly status: JobStatus;
  readonly requester: Omit<Requester, 'isModerator'>;
  readonly origin: JobOrigin;
  /** The engine method that paints it. */
  readonly method: MethodName;
  /** The method's options, validated, with the bot's defaults applied. */
  readonly options: JobOptions;
  readonly contentPath: string;
  /** The style image; with a blend, the first of `styles`. */
  readonly stylePath: string;
  /** A blend: every style image with its weight (weights sum to 1). Absent for one style. */
  readonly styles?: readonly StyleShare[] | undefined;
  /** White = stylize, black = keep the photo. */
  readonly maskPath?: string | undefined;
  /** The background's style images, when the person and the background are painted apart. */
  readonly background?: readonly StyleShare[] | undefined;
  /**
   * Who posted the photo, when the requester painted another member's picture (a message's Apps
   * menu, a Slack thread): a user id on the requester's platform. They may remove the result.
   */
  readonly photoOwner?: string | undefined;
  /** The style's library name, "uploaded image", or the blend (e.g. "starry-night 70% + the-scream 30%"). */
  readonly styleLabel: string;
  /** How many times the job was started (more than one after a restart). */
  readonly attempts: number;
  readonly progress?: JobProgress | undefined;
  readonly result?: JobResult | undefined;
  readonly error?: string | undefined;
  /** A cancelled job was cancelled by a moderator, not by its owner. */
  readonly cancelledByModerator?: boolean | undefined;
  readonly createdAt: number;
  readonly startedAt?: number | undefined;
  readonly finishedAt?: number | undefined;
}

/**
 * A job's options: the optimisation's, and for the methods that use a feed-forward network
 * (`fast`, `best`) its name; where it paints (`target`). The fast method reads only `size`,
 * `strength`, `preserveColors`, `target` and the networks.
 */
export type JobOptions = StylizeOptionsInput & {
  readonly network?: string | undefined;
  /** The background's network, when the person and the background are painted apart. */
  readonly backgroundNetwork?: string | undefined;
  readonly target?: Target | undefined;
  /** Set for a clip (animated GIF / WebP / AVIF or video): how many frames it has. */
  readonly clipFrames?: number | undefined;
  /** A training job's: its steps, crops per step, and the network it saves (`trained:<name>`). */
  readonly steps?: number | undefined;
  readonly batch?: number | undefined;
  readonly saveAs?: string | undefined;
  readonly checkpointEvery?: number | undefined;
  readonly sampleEvery?: number | undefined;
};

/**
 * The strength a job is painted at: the one asked for, else its method's default (an optimisation's
 * balanced 5; a fast network's picture alone, the top of the scale).
 */
export function strengthOf(job: Pick<Job, 'method' | 'options'>): number {
  return job.options.strength ?? (job.method === 'fast' ? STRENGTH_RANGE.max : DEFAULT_STRENGTH);
}

export interface StyleShare {
  readonly path: string;
  readonly weight: number;
}

export type NewJob = Pick<Job, 'requester' | 'origin' | 'options' | 'contentPath' | 'stylePath' | 'styleLabel'> & Partial<Pick<Job, 'method' | 'styles' | 'maskPath' | 'photoOwner' | 'background'>>;

interface JobRow {
  id: string;
  seq: number;
  status: JobStatus;
  platform: Platform;
  community: string;
  user_id: string;
  user_name: string;
  origin: string;
  method: MethodName;
  params: string;
  content_path: string;
  style_path: string;
  style_label: string;
  styles: string | null;
  mask_path: string | null;
  photo_owner: string | null;
  background_styles: string | null;
  attempts: number;
  progress: string | null;
  result: string | null;
  error: string | null;
  cancelled_by_moderator: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    seq: row.seq,
    status: row.status,
    requester: { platform: row.platform, community: row.community, userId: row.user_id, userName: row.user_name },
    origin: JSON.parse(row.origin) as JobOrigin,
    method: row.method,
    // The column is still called `params`.
    options: JSON.parse(row.params) as JobOptions,
    contentPath: row.content_path,
    stylePath: row.style_path,
    styles: row.styles ? (JSON.parse(row.styles) as StyleShare[]) : undefined,
    maskPath: row.mask_path ?? undefined,
    photoOwner: row.photo_owner ?? undefined,
    background: row.background_styles ? (JSON.parse(row.background_styles) as StyleShare[]) : undefined,
    styleLabel: row.style_label,
    attempts: row.attempts,
    progress: row.progress ? (JSON.parse(row.progress) as JobProgress) : undefined,
    result: row.result ? (JSON.parse(row.result) as JobResult) : undefined,
    error: row.error ?? undefined,
    cancelledByModerator: row.cancelled_by_moderator === 1 ? true : undefined,
    createdAt: row.created_at,
    startedAt: row.started_at ?? undefined,
    finishedAt: row.finished_at ?? undefined,
  };
}

/** The job table. Every state change is one committed statement, so a crash never half-applies one. */
export class JobStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  create(job: NewJob): Job {
    const id = randomBytes(6).toString('base64url');
    const seq = ((this.db.prepare('SELECT MAX(seq) FROM jobs').pluck().get() as number | null) ?? 0) + 1;
    this.db
      .prepare(
        `INSERT INTO jobs (id, seq, status, platform, community, user_id, user_name, origin, method, params, content_path, style_path, styles, mask_path, photo_owner, background_styles, style_label, created_at)
         VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        seq,
        job.requester.platform,
        job.requester.community,
        job.requester.userId,
        job.requester.userName,
        JSON.stringify(job.origin),
        job.method ?? DEFAULT_METHOD,
        JSON.stringify(job.options),
        job.contentPath,
        job.stylePath,
        job.styles ? JSON.stringify(job.styles) : null,
        job.maskPath ?? null,
        job.photoOwner && job.photoOwner !== job.requester.userId ? job.photoOwner : null,
        job.background ? JSON.stringify(job.background) : null,
        job.styleLabel,
        this.now(),
      );
    return this.get(id)!;
  }

  get(id: string): Job | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  /** Queued jobs in arrival order. */
  queued(): Job[] {
    return (this.db.prepare("SELECT * FROM jobs WHERE status = 'queued' ORDER BY seq").all() as JobRow[]).map(toJob);
  }

  running(): Job[] {
    return (this.db.prepare("SELECT * FROM jobs WHERE status = 'running' ORDER BY seq").all() as JobRow[]).map(toJob);
  }

  /** The latest jobs of one user (the web page's history), newest first. */
  byUser(platform: Platform, userId: string, limit = 50): Job[] {
    return (this.db.prepare('SELECT * FROM jobs WHERE platform = ? AND user_id = ? ORDER BY seq DESC LIMIT ?').all(platform, userId, limit) as JobRow[]).map(toJob);
  }

  countActive(platform: Platform, userId: string): { queued: number; running: number } {
    const rows = this.db
      .prepare("SELECT status, COUNT(*) AS n FROM jobs WHERE platform = ? AND user_id = ? AND status IN ('queued', 'running') GROUP BY status")
      .all(platform, userId) as { status: JobStatus; n: number }[];
    return { queued: rows.find((row) => row.status === 'queued')?.n ?? 0, running: rows.find((row) => row.status === 'running')?.n ?? 0 };
  }

  /** Jobs waiting from one community. */
  countQueuedIn(community: string): number {
    return this.db.prepare("SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND community = ?").pluck().get(community) as number;
  }

  /** How many jobs a person (or a community) started since `since`, and when the oldest of them was. */
  createdSince(who: { readonly platform: Platform; readonly userId: string } | { readonly community: string }, since: number): { count: number; oldest: number } {
    const row = ('community' in who
      ? this.db.prepare('SELECT COUNT(*) AS count, MIN(created_at) AS oldest FROM jobs WHERE community = ? AND created_at >= ?').get(who.community, since)
      : this.db.prepare('SELECT COUNT(*) AS count, MIN(created_at) AS oldest FROM jobs WHERE platform = ? AND user_id = ? AND created_at >= ?').get(who.platform, who.userId, since)) as { count: number; oldest: number | null };
    return { count: row.count, oldest: row.oldest ?? since };
  }

  markRunning(id: string): void {
    this.db.prepare("UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = ?, progress = NULL WHERE id = ? AND status = 'queued'").run(this.now(), id);
  }

  recordProgress(id: string, progress: JobProgress): void {
    this.db.prepare("UPDATE jobs SET progress = ? WHERE id = ? AND status = 'running'").run(JSON.stringify(progress), id);
  }

  markSucceeded(id: string, result: JobResult): void {
    this.db.prepare("UPDATE jobs SET status = 'succeeded', result = ?, finished_at = ? WHERE id = ?").run(JSON.stringify(result), this.now(), id);
  }

  markFailed(id: string, error: string): void {
    this.db.prepare("UPDATE jobs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?").run(error, this.now(), id);
  }

  /** Cancels a queued or running job; false when it had already finished. */
  markCancelled(id: string, byModerator = false): boolean {
    return this.db.prepare("UPDATE jobs SET status = 'cancelled', cancelled_by_moderator = ?, finished_at = ? WHERE id = ? AND status IN ('queued', 'running')").run(byModerator ? 1 : 0, this.now(), id).changes > 0;
  }

  /** Adds to a job's reply reference what its platform learnt after it was made (Slack: its status message; Discord: its reply deleted). */
  addToReply(id: string, fields: NonNullable<JobOrigin['reply']>): void {
    this.db.transaction(() => {
      const job = this.get(id);
      if (!job) return;
      const origin: JobOrigin = { ...job.origin, reply: { ...job.origin.reply, ...fields } };
      this.db.prepare('UPDATE jobs SET origin = ? WHERE id = ?').run(JSON.stringify(origin), id);
    })();
  }

  /**
   * Records that a finished job's last message reached its chat, or never can (see
   * `deliverJobEvents`); until then it is answered again at each start.
   */
  markAnswered(id: string): void {
    this.db.prepare('UPDATE jobs SET answered_at = ? WHERE id = ? AND answered_at IS NULL').run(this.now(), id);
  }

  /**
   * Finished chat jobs whose last message has not reached their chat (the platform was down, or
   * the bot stopped in between), in the order they finished. The playground's page reads its jobs
   * itself, so its jobs are never waiting for an answer.
   */
  unanswered(): Job[] {
    return (this.db.prepare("SELECT * FROM jobs WHERE status IN ('succeeded', 'failed', 'cancelled') AND answered_at IS NULL AND platform != 'web' ORDER BY finished_at, seq").all() as JobRow[]).map(toJob);
  }

  /**
   * After a restart: jobs left 'running' by the previous process go back to the queue, keeping their
   * place (their seq). Returns them so the users can be told.
   */
  requeueInterrupted(): Job[] {
    const interrupted = this.running();
    this.db.prepare("UPDATE jobs SET status = 'queued', progress = NULL WHERE status = 'running'").run();
    return interrupted.map((job) => this.get(job.id)!);
  }

  /**
   * Deletes every job of one person, and every job painted from a photo they posted, whatever its
   * state (the caller cancels active ones first), and returns them (their files, `filesOf`, are the caller's to delete).
   */
  deleteByUser(platform: Platform, userId: string): Job[] {
    return this.deleteWhere('platform = ? AND (user_id = ? OR photo_owner = ?)', [platform, userId, userId]);
  }

  /** Deletes one job (the caller cancels it first if it is active) and returns it. */
  delete(id: string): Job | undefined {
    return this.deleteWhere('id = ?', [id])[0];
  }

  /**
   * Deletes finished jobs older than `cutoff` (reply tokens, names and all), except `keep` (entries
   * of running contests), and returns them.
   */
  deleteFinishedBefore(cutoff: number, keep: ReadonlySet<string> = new Set()): Job[] {
    const ids = (this.db.prepare("SELECT id FROM jobs WHERE status IN ('succeeded', 'failed', 'cancelled') AND COALESCE(finished_at, created_at) < ?").pluck().all(cutoff) as string[]).filter((id) => !keep.has(id));
    if (ids.length === 0) return [];
    return this.deleteWhere(`id IN (${ids.map(() => '?').join(', ')})`, ids);
  }

  private deleteWhere(condition: string, parameters: readonly unknown[]): Job[] {
    return this.db.transaction(() => {
      const rows = (this.db.prepare(`SELECT * FROM jobs WHERE ${condition}`).all(...parameters) as JobRow[]).map(toJob);
      this.db.prepare(`DELETE FROM jobs WHERE ${condition}`).run(...parameters);
      return rows;
    })();
  }

  /** Every file some job still refers to (uploads and results). */
  pathsInUse(): Set<string> {
    return new Set((this.db.prepare('SELECT * FROM jobs').all() as JobRow[]).map(toJob).flatMap(filesOf));
  }
}

/** The images a job is painted from: the photo, its style images (the background's too), its mask. */
export function uploadsOf(job: Pick<Job, 'contentPath' | 'stylePath' | 'styles' | 'maskPath' | 'background'>): string[] {
  return [job.contentPath, ...styleSharesOf(job).map((share) => share.path), ...(job.background ?? []).map((share) => share.path), ...(job.maskPath ? [job.maskPath] : [])];
}

/** Every file a job refers to: its uploads and its result. */
export function filesOf(job: Job): string[] {
  return [...uploadsOf(job), ...(job.result ? [job.result.pngPath, job.result.gifPath, ...(job.result.mp4Path ? [job.result.mp4Path] : [])] : [])];
}

/** The job's style images with their weights (one style: weight 1). */
export function styleSharesOf(job: Pick<Job, 'stylePath' | 'styles'>): readonly StyleShare[] {
  return job.styles ?? [{ path: job.stylePath, weight: 1 }];
}

/** True when a restart of the bot interrupted this job (it then runs again from the beginning). */
export function wasInterrupted(job: Job): boolean {
  return job.attempts > (job.status === 'queued' ? 0 : 1);
}
