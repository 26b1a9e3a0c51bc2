import { setImmediate as nextTurn } from 'node:timers/promises';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CancelledError, InputError } from '../../../engine/errors.ts';
import { trainedNetworksOf } from '../../../engine/methods/options.ts';
import type { Dispatch, DispatchHooks, Dispatched, PaintEngine } from '../dispatch.ts';
import { EngineFailure } from '../engine-host.ts';
import type { RunRequest } from '../engine-protocol.ts';
import { byLane, JOB_LANES, type JobLane } from '../queue.ts';
import { CANCELLED_REASON, countServing, INPUT_TTL_SECONDS, listWorkers, RedisConnections, keysFor, STALLED_REASON, INPUT_FAILURE_PREFIX, USER_FAILURE_PREFIX, type RedisKeys, type RemoteProgress, type RemoteResult, type WorkerInfo, WORKER_HEARTBEAT_MS } from './remote-protocol.ts';
import { fetchNetwork, publishNetwork } from './networks.ts';
import { UnservedLanes } from './unserved-lanes.ts';
import { downloadOutputs, uploadInputs } from './transfer.ts';

/** How often every job in flight is checked against BullMQ, for what events missed during an outage. */
const SWEEP_MS = 2000;

export interface RedisDispatchOptions {
  readonly url: string;
  readonly prefix: string;
  readonly logger: Logger;
  /** The bot's networks trained here: those a job paints with go to the workers, the ones trained there come back. */
  readonly trainedNetworksDir: string;
  /** Told what paints on the workers serving the paint lane, when it is first known and when it changes. */
  readonly onPaintEngine?: ((engine: PaintEngine) => void) | undefined;
}

/** A job the bot has handed to BullMQ and waits for. */
interface RemoteRun {
  readonly request: RunRequest;
  readonly lane: JobLane;
  readonly hooks: DispatchHooks;
  readonly resolve: (ran: Dispatched | undefined) => void;
  readonly reject: (error: Error) => void;
  begun: boolean;
  /** The bot cancelled it: never added (again) to BullMQ. */
  cancelled: boolean;
  /** `begin` declined (cancelled or forgotten while it waited): it ends as "did not run". */
  declined: boolean;
  settled: boolean;
  /** One check against BullMQ at a time per job. */
  checking?: Promise<void> | undefined;
}

/**
 * Jobs run by `impasto worker`s through BullMQ on Redis: one BullMQ queue per lane, the job's BullMQ
 * id is its id in the job store, and its files travel through Redis (`transfer.ts`).
 *
 * The job store stays the source of truth: every job in flight is checked against BullMQ at start and
 * every `SWEEP_MS`, so a job that Redis lost (a crash of Redis loses up to its last second of writes)
 * is added again, and one that ended while the bot was not listening is collected.
 */
export class RedisDispatch implements Dispatch {
  private readonly keys: RedisKeys;
  private readonly redis: Redis;
  private readonly queues: Readonly<Record<JobLane, Queue>>;
  private readonly events: readonly QueueEvents[];
  private readonly connections: RedisConnections;
  private readonly runs = new Map<string, RemoteRun>();
  /** Workers alive per lane, as of the last sweep. */
  private engines: Readonly<Record<JobLane, number>> = byLane(() => 1);
  /** What the log says of lanes no worker serves (a lane is warned of once that has lasted a heartbeat). */
  private readonly unservedLanes = new UnservedLanes(WORKER_HEARTBEAT_MS);
  private readonly sweeper: NodeJS.Timeout;
  private readonly logger: Logger;
  private readonly trainedNetworksDir: string;
  private readonly onPaintEngine: ((engine: PaintEngine) => void) | undefined;
  private paintEngine: PaintEngine | undefined;

  constructor(options: RedisDispatchOptions) {
    this.onPaintEngine = options.onPaintEngine;
    this.logger = options.logger;
    this.trainedNetworksDir = options.trainedNetworksDir;
    this.keys = keysFor(options.prefix);
    this.connections = new RedisConnections(options.url, this.logger, { consequence: 'no job reaches a worker' });
    this.redis = this.connections.open('impasto-bot');
    const queueOn = (lane: JobLane) => {
      const queue = new Queue(lane, { connection: this.redis, prefix: this.keys.bullPrefix });
      queue.on('error', (error) => this.connections.reportError(error, { lane }, 'BullMQ queue error'));
      return queue;
    };
    this.queues = byLane(queueOn);
    this.events = JOB_LANES.map((lane) => this.listen(lane, this.connections.open(`impasto-bot-events-${lane}`)));
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    // The workers counted now, not a sweep later: till then each lane counts as served by one.
    this.sweep();
  }

  run(request: RunRequest, lane: JobLane, hooks: DispatchHooks): Promise<Dispatched | undefined> {
    return new Promise((resolve, reject) => {
      const run: RemoteRun = { request, lane, hooks, resolve, reject, begun: false, cancelled: false, declined: false, settled: false };
      this.runs.set(request.jobId, run);
      this.check(run);
    });
  }

  capacity(lane: JobLane): number {
    // With Redis out of reach no worker can be handed a job, whatever the last count said.
    return this.connections.allReady() ? this.engines[lane] : 0;
  }

  cancel(jobId: string, lane: JobLane): void {
    const run = this.runs.get(jobId);
    if (run) run.cancelled = true;
    void this.cancelRemote(jobId, lane).catch((error: unknown) => this.logger.warn({ err: error, jobId }, 'could not cancel a job in Redis; it is cancelled when a worker reaches it'));
  }

  async releaseNetwork(name: string): Promise<void> {
    // Each worker deletes its own copy (6.7 MB) when told; one that is down then keeps it. No later
    // job can ask for this network again.
    await this.redis.multi().del(this.keys.network(name)).publish(this.keys.releasedNetworksChannel, name).exec();
  }

  pause(): void {
    clearInterval(this.sweeper);
  }

  async stop(): Promise<void> {
    this.pause();
    // Without Redis (down, or refusing the password) BullMQ cannot close: the connections just go.
    if (this.connections.allReady()) {
      await Promise.all(this.events.map((events) => events.close()));
      await Promise.all(JOB_LANES.map((lane) => this.queues[lane].close()));
    }
    this.connections.closeAll();
  }

  /** QueueEvents blocks on its connection: it gets one of its own. */
  private listen(lane: JobLane, connection: Redis): QueueEvents {
    const events = new QueueEvents(lane, { connection, prefix: this.keys.bullPrefix });
    events.on('error', (error) => this.connections.reportError(error, { lane }, 'BullMQ events error'));
    events.on('active', ({ jobId }) => this.whenRunning(jobId, (run) => this.begin(run)));
    events.on('progress', ({ jobId, data }) =>
      this.whenRunning(jobId, (run) => {
        this.begin(run);
        if (run.declined) return;
        const { progress, preview } = data as unknown as RemoteProgress;
        run.hooks.progress(progress, preview ? Buffer.from(preview, 'base64') : undefined);
      }),
    );
    events.on('completed', ({ jobId, returnvalue }) => this.whenRunning(jobId, (run) => void this.collect(run, returnvalue as unknown as RemoteResult)));
    events.on('failed', ({ jobId, failedReason }) => this.whenRunning(jobId, (run) => this.fail(run, failedReason)));
    return events;
  }

  private whenRunning(jobId: string, act: (run: RemoteRun) => void): void {
    const run = this.runs.get(jobId);
    if (!run || run.settled) return;
    // Inside BullMQ's event loop: a store that cannot write (a full disk) is logged, not thrown there.
    try {
      act(run);
    } catch (error) {
      this.logger.error({ err: error, jobId }, 'could not follow a job\'s event from Redis');
    }
  }

  private sweep(): void {
    for (const run of this.runs.values()) this.check(run);
    void listWorkers(this.redis, this.keys).then(
      (workers) => {
        this.engines = byLane((lane) => countServing(workers, lane));
        for (const { level, fields, message } of this.unservedLanes.note(this.engines, Date.now())) this.logger[level](fields, message);
        this.notePaintEngine(workers);
      },
      (error: unknown) => this.logger.debug({ err: error }, 'could not count the workers'),
    );
  }

  /** Tells `onPaintEngine` what the paint lane's workers run, when that is new. */
  private notePaintEngine(workers: readonly WorkerInfo[]): void {
    const engine = paintEngineOf(workers);
    if (!engine || engine.label === this.paintEngine?.label) return;
    this.paintEngine = engine;
    this.onPaintEngine?.(engine);
  }

  /** Brings one job in line with BullMQ: added if missing there, started, collected or failed. */
  private check(run: RemoteRun): void {
    if (run.checking || run.settled) return;
    run.checking = this.checkNow(run)
      .catch((error: unknown) => this.logger.debug({ err: error, jobId: run.request.jobId }, 'could not check a job in Redis (retrying)'))
      .finally(() => (run.checking = undefined));
  }

  private async checkNow(run: RemoteRun): Promise<void> {
    const { jobId } = run.request;
    const queue = this.queues[run.lane];
    const state = await queue.getJobState(jobId);
    if (state === 'unknown') {
      if (run.cancelled) return this.settle(run, () => run.resolve(undefined));
      for (const name of trainedNetworksOf(run.request.method, run.request.options).uses) await publishNetwork(this.redis, this.keys.network(name), this.trainedNetworksDir, name);
      const data = await uploadInputs(this.redis, this.keys.inputs(jobId), run.request, INPUT_TTL_SECONDS).catch((error: unknown) => {
        // A deleted photo will not come back by the next sweep: the job ends now (Redis being down is retried).
        if (error instanceof InputError) return this.settle(run, () => run.reject(error));
        throw error;
      });
      if (!data) return;
      // removeOn…: a backstop only; the bot removes each job once it has recorded its end.
      await queue.add(run.request.method, data, { jobId, attempts: 1, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } });
    } else if (state === 'active') {
      this.begin(run);
    } else if (state === 'completed') {
      const job = await queue.getJob(jobId);
      if (job) await this.collect(run, job.returnvalue as RemoteResult);
    } else if (state === 'failed') {
      const job = await queue.getJob(jobId);
      if (job) this.fail(run, job.failedReason);
    }
  }

  private begin(run: RemoteRun): void {
    if (run.begun) return;
    run.begun = true;
    if (run.hooks.begin()) return;
    run.declined = true;
    this.cancel(run.request.jobId, run.lane);
  }

  private async collect(run: RemoteRun, result: RemoteResult): Promise<void> {
    if (run.settled) return;
    // Taken now: a second 'completed' (event and sweep) must not collect it twice.
    run.settled = true;
    const { jobId } = run.request;
    try {
      if (!run.declined) {
        await downloadOutputs(this.redis, this.keys.outputs(jobId), run.request.output, Boolean(result.outcome.video));
        const made = trainedNetworksOf(run.request.method, run.request.options).makes;
        if (made) await fetchNetwork(this.redis, this.keys.network(made), this.trainedNetworksDir, made);
      }
      this.logger.info({ jobId, worker: result.worker }, 'collected a job from a worker');
      this.settle(run, () => run.resolve(run.declined ? undefined : { outcome: result.outcome, backend: result.backend }));
    } catch (error) {
      this.settle(run, () => run.reject(error instanceof Error ? error : new Error(String(error))));
    }
  }

  private fail(run: RemoteRun, reason: string): void {
    if (run.settled) return;
    this.settle(run, () => (run.declined ? run.resolve(undefined) : run.reject(errorOfReason(reason))));
  }

  /** Ends the run, then (once the queue has recorded the end in the store) removes the job from Redis. */
  private settle(run: RemoteRun, end: () => void): void {
    const { jobId } = run.request;
    run.settled = true;
    this.runs.delete(jobId);
    end();
    // The store is written synchronously in the queue's handlers, which run before the next turn.
    void nextTurn()
      .then(() => this.forget(jobId, run.lane))
      .catch((error: unknown) => this.logger.warn({ err: error, jobId }, 'could not remove a finished job from Redis (its TTL will)'));
  }

  private async forget(jobId: string, lane: JobLane): Promise<void> {
    await this.queues[lane].remove(jobId);
    await this.redis.del(this.keys.inputs(jobId), this.keys.outputs(jobId), this.keys.resume(jobId), this.keys.cancelled(jobId));
  }

  private async cancelRemote(jobId: string, lane: JobLane): Promise<void> {
    // A waiting job is simply removed; a running one (locked by its worker) is told to stop.
    const removed = await this.queues[lane].remove(jobId);
    const run = this.runs.get(jobId);
    if (removed === 1) {
      if (run && !run.settled) this.settle(run, () => run.resolve(undefined));
      else await this.redis.del(this.keys.inputs(jobId), this.keys.resume(jobId));
      return;
    }
    await this.redis.multi().set(this.keys.cancelled(jobId), '1', 'EX', INPUT_TTL_SECONDS).publish(this.keys.cancelChannel, jobId).exec();
  }
}

/**
 * What the workers serving the paint lane paint with, as one: the first one's backend (for the
 * ETAs), and every distinct engine in the label ("onnxruntime on 2 workers").
 */
export function paintEngineOf(workers: readonly WorkerInfo[]): PaintEngine | undefined {
  const engines = workers.flatMap((worker) => (worker.lanes.includes('paint') && worker.paintEngine ? [worker.paintEngine] : []));
  const first = engines[0];
  if (!first) return undefined;
  const labels = [...new Set(engines.map((engine) => engine.label))].join(' and ');
  return { ...first, label: `${labels} on ${engines.length === 1 ? 'one worker' : `${engines.length} workers`}` };
}

/** What a BullMQ failure reason means for the person who asked. */
export function errorOfReason(reason: string): Error {
  if (reason === CANCELLED_REASON) return new CancelledError();
  for (const [prefix, byInput] of [[USER_FAILURE_PREFIX, false], [INPUT_FAILURE_PREFIX, true]] as const) {
    if (!reason.startsWith(prefix)) continue;
    const message = reason.slice(prefix.length);
    return new EngineFailure(message, message, byInput);
  }
  if (reason.includes(STALLED_REASON)) {
    return new EngineFailure(reason, 'Each worker that took this job died while painting it, so it was given up. It may be an image the engine cannot handle: try a smaller size, or another image.');
  }
  return new EngineFailure(reason, 'A worker lost this job. Try again.');
}
