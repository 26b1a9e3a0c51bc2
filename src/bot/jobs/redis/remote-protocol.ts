import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError } from '../../config.ts';
import { formatDuration } from '../../format.ts';
import type { MethodName } from '../../../engine/methods/index.ts';
import type { PaintEngine } from '../dispatch.ts';
import type { RunOutcome } from '../engine-protocol.ts';
import type { JobLane } from '../queue.ts';
import type { JobProgress } from '../store.ts';
import { messageOf } from '../../../error-message.ts';

/**
 * What the bot and `impasto worker` say to each other through Redis. A job's BullMQ data names its
 * files by field of a Redis hash (no shared disk); its BullMQ id is the job store's id, so adding a
 * job twice (after a restart of the bot or a loss in Redis) is harmless.
 */

/** A file of the job, kept as one field of a hash in Redis; `name` keeps the extension its decoder looks at. */
export interface FileRef {
  readonly field: string;
  readonly name: string;
}

export interface RemoteJobData {
  readonly jobId: string;
  readonly method: MethodName;
  readonly options: unknown;
  readonly inputs: {
    readonly content: FileRef;
    readonly styles: readonly { readonly file: FileRef; readonly weight: number }[];
    readonly mask?: FileRef | undefined;
    readonly background?: readonly { readonly file: FileRef; readonly weight: number }[] | undefined;
  };
}

/** A finished job's return value in BullMQ; its files are in the job's output hash. */
export interface RemoteResult {
  readonly outcome: RunOutcome;
  readonly backend: string;
  /** The worker that ran it (for logs and `impasto status`). */
  readonly worker: string;
}

/** `job.updateProgress` data: JSON, so the preview JPEG travels as base64. */
export interface RemoteProgress {
  readonly progress: JobProgress;
  readonly preview?: string | undefined;
}

/** What a worker writes in Redis about itself, refreshed while it lives. */
export interface WorkerInfo {
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  readonly lanes: readonly JobLane[];
  /** What computes its stylizations, once its painting engine has started. */
  readonly backend?: string | undefined;
  /** Its paint lane's engine, once started (the bot's ETAs and playground follow it). */
  readonly paintEngine?: PaintEngine | undefined;
  readonly startedAt: number;
  readonly seenAt: number;
  readonly running: readonly { readonly jobId: string; readonly lane: JobLane }[];
  readonly finished: number;
  readonly failed: number;
}

/**
 * A failure reason a worker wrote for the person who asked: anything else in `failedReason` comes
 * from BullMQ itself (a job that stalled too often) and is described by the bot.
 */
export const USER_FAILURE_PREFIX = 'impasto: ';
/** The same, for a failure the job's own input caused (`isInputFault`): the bot logs it as information. */
export const INPUT_FAILURE_PREFIX = 'impasto-input: ';
export const CANCELLED_REASON = 'impasto-cancelled';
/** BullMQ's words for a job whose workers kept dying (`moveStalledJobsToWait`). */
export const STALLED_REASON = 'job stalled more than allowable limit';

/** No file of a job is larger than this: uploads and results are bounded far below it. */
export const MAX_TRANSFER_BYTES = 64 * 1024 * 1024;
/** Inputs wait at most this long for a worker (then the job's files expire with it). */
export const INPUT_TTL_SECONDS = 7 * 24 * 3600;
/** Results wait at most this long for the bot to collect them. */
export const OUTPUT_TTL_SECONDS = 24 * 3600;
/** A worker that has not refreshed its entry for this long is gone. */
export const WORKER_TTL_SECONDS = 15;
/** How often a worker refreshes it: three times within its TTL, so a late refresh or two lose nothing. */
export const WORKER_HEARTBEAT_MS = (WORKER_TTL_SECONDS * 1000) / 3;

/** The names of everything impasto keeps in Redis, under one prefix (`IMPASTO_REDIS_PREFIX`). */
export function keysFor(prefix: string) {
  return {
    /** BullMQ's own prefix: its queues are `<prefix>:paint` and `<prefix>:fast`. */
    bullPrefix: prefix,
    inputs: (jobId: string) => `${prefix}:files:in:${jobId}`,
    outputs: (jobId: string) => `${prefix}:files:out:${jobId}`,
    /** What lets a job resume on another worker (`resume.ts`). */
    resume: (jobId: string) => `${prefix}:files:resume:${jobId}`,
    cancelled: (jobId: string) => `${prefix}:cancelled:${jobId}`,
    cancelChannel: `${prefix}:cancel`,
    worker: (name: string) => `${prefix}:workers:${name}`,
    /** A network trained here (`networks.ts`). */
    network: (name: string) => `${prefix}:networks:${name}`,
    /** A network no style needs any more (its name): each worker deletes its own copy. */
    releasedNetworksChannel: `${prefix}:released-networks`,
    workersPattern: `${prefix}:workers:*`,
  };
}

export type RedisKeys = ReturnType<typeof keysFor>;

/** The workers alive now (each refreshes its entry while it lives), by name. */
export async function listWorkers(redis: Redis, keys: RedisKeys): Promise<WorkerInfo[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', keys.workersPattern, 'COUNT', 100);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return (found.length > 0 ? await redis.mget(found) : [])
    .filter((value): value is string => value !== null)
    .map((value) => JSON.parse(value) as WorkerInfo)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** How many of `workers` take a lane's jobs; 0 says its jobs wait for one (`QueuePlace.waitsForEngine`). */
export function countServing(workers: readonly Pick<WorkerInfo, 'lanes'>[], lane: JobLane): number {
  return workers.filter((worker) => worker.lanes.includes(lane)).length;
}

/**
 * A connection that waits through an outage instead of failing commands (BullMQ requires
 * `maxRetriesPerRequest: null` for workers), reconnecting with a capped back-off.
 */
export function connectRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}

/**
 * A connection for a one-shot command (`impasto status`): no retries and no waiting for Redis, so
 * that a Redis out of reach, or refusing the password, is an answer in one line, not a wait.
 */
export async function connectOnce(url: string, name: string): Promise<Redis> {
  const redis = new Redis(url, { connectionName: name, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  // The cause (ECONNREFUSED, WRONGPASS) comes as an 'error' event; the connect then rejects with
  // only "Connection is closed".
  let cause: unknown;
  redis.on('error', (error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (rejection) {
    redis.disconnect();
    const error = cause ?? rejection;
    const code = (error as { code?: unknown }).code;
    throw new ConfigError(isRedisAuthError(error) ? redisAuthText(error) : `Could not reach Redis at ${redisAddressOf(url)} (${typeof code === 'string' ? code : messageOf(error)}): is it running, and is REDIS_URL right?`);
  }
}

export interface RedisOutageOptions {
  /** What stops while Redis does not answer, for the log ("this worker takes no job"). */
  readonly consequence: string;
  /** While it stays out of reach, how often the log says so again. */
  readonly reminderMs?: number;
}

/**
 * The Redis connections of the bot's dispatch or of a worker, closed together at `stop`: BullMQ
 * leaves the connections it was given open. An outage is logged, not a crash (ioredis reconnects by
 * itself): its first error as a warning naming where Redis was looked for and what waits meanwhile,
 * again every `reminderMs` while it lasts, and the end of it; the errors between (every connection,
 * and BullMQ on each, retrying every 2 s) at debug level, where they were many lines a second. The
 * one warning was all a worker with a mistyped REDIS_URL said before it fell silent: it looked
 * ready, and took nothing.
 */
export class RedisConnections {
  private readonly opened: Redis[] = [];
  private outageSince: number | undefined;
  private reminder: NodeJS.Timeout | undefined;
  /** Whether Redis has answered since the start: until it has, REDIS_URL itself may be wrong. */
  private answered = false;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    private readonly outage: RedisOutageOptions,
  ) {}

  open(name: string): Redis {
    const connection = connectRedis(this.url, name);
    connection.on('error', (error) => this.reportError(error, { connection: name }, 'Redis connection error'));
    connection.on('ready', () => {
      this.answered = true;
      if (this.outageSince === undefined) return;
      this.logger.info({ seconds: Math.round((Date.now() - this.outageSince) / 1000) }, 'Redis answers again');
      this.outageSince = undefined;
      clearTimeout(this.reminder);
    });
    this.opened.push(connection);
    return connection;
  }

  /**
   * An error of a connection, or of BullMQ on one (`what` says which, `context` where). A refused
   * password is an error, said as such: nothing is queued or taken until the operator mends it.
   */
  reportError(error: unknown, context: Readonly<Record<string, unknown>>, what: string): void {
    if (this.outageSince !== undefined) return this.logger.debug({ err: error, ...context }, `${what} (retrying)`);
    this.outageSince = Date.now();
    if (isRedisAuthError(error)) return this.logger.error({ err: error, ...context }, `${redisAuthText(error)} Nothing is queued or taken until then.`);
    const check = this.answered ? '' : ' Is it running, and is REDIS_URL right?';
    this.logger.warn({ err: error, ...context }, `${what} at ${redisAddressOf(this.url)}: ${this.outage.consequence} until it answers.${check} (Retrying; until Redis answers again, further errors are logged at debug level.)`);
    this.remindLater();
  }

  private remindLater(): void {
    this.reminder = setTimeout(() => {
      if (this.outageSince === undefined) return;
      this.logger.warn({ downForMs: Date.now() - this.outageSince }, `Redis at ${redisAddressOf(this.url)} has not answered for ${formatDuration(Date.now() - this.outageSince)}: ${this.outage.consequence} until it does (retrying).`);
      this.remindLater();
    }, this.outage.reminderMs ?? 5 * 60_000).unref();
  }

  /**
   * Whether every connection is up. Closing BullMQ's queues and workers, and handing a job back,
   * wait for Redis: with it down or refusing the password they would never end, and there is
   * nothing Redis could be told then anyway.
   */
  allReady(): boolean {
    return this.opened.every((connection) => connection.status === 'ready');
  }

  closeAll(): void {
    clearTimeout(this.reminder);
    for (const connection of this.opened) connection.disconnect();
  }
}

/** Where REDIS_URL points, as `host:port`, for a message: the URL's password is never repeated. */
export function redisAddressOf(url: string): string {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port || 6379}`;
}

/** Redis's refusal of REDIS_URL's credentials: a wrong password, or none where one is required (or one where none is). */
export function isRedisAuthError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /^(WRONGPASS|NOAUTH)\b/.test(message) || /^ERR (AUTH\b|invalid password)/.test(message);
}

/** What to do about it (the URL itself, password and all, is never repeated). */
export function redisAuthText(error: unknown): string {
  return `Redis refused the password in REDIS_URL (${messageOf(error).replace(/\.$/, '')}): use the one Redis was given (its requirepass, or its ACL user's), as redis://:password@host:6379.`;
}
