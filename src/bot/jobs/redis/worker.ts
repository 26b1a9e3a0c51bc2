import { rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { WorkerEnvironment } from '../../config.ts';
import { EngineHost, engineSettingsOf } from '../engine-host.ts';
import { CancelledError } from '../../../engine/errors.ts';
import { deleteTrainedNetwork, trainedNetworksDirOf } from '../../../engine/fast/trained.ts';
import { trainedNetworksOf } from '../../../engine/methods/options.ts';
import { InteractiveFirst } from '../interactive-first.ts';
import { endingOf, jobTimeoutMsOf, LaneRunner } from '../lane-runner.ts';
import { createWorkerMetrics, serveMetrics, type MetricsServer, type WorkerJobOutcome } from '../metrics.ts';
import type { PaintEngine } from '../dispatch.ts';
import type { JobLane } from '../queue.ts';
import {
  CANCELLED_REASON,
  RedisConnections,
  keysFor,
  INPUT_TTL_SECONDS,
  OUTPUT_TTL_SECONDS,
  INPUT_FAILURE_PREFIX,
  USER_FAILURE_PREFIX,
  WORKER_HEARTBEAT_MS,
  WORKER_TTL_SECONDS,
  type RemoteJobData,
  type RemoteProgress,
  type RemoteResult,
  type WorkerInfo,
} from './remote-protocol.ts';
import { fetchNetwork, publishNetwork } from './networks.ts';
import { createResumeCopy } from './resume.ts';
import { downloadInputs, uploadOutputs } from './transfer.ts';
import { makeFolder } from '../../../make-folder.ts';

export interface RunningWorker {
  readonly name: string;
  readonly metrics?: MetricsServer | undefined;
  /** Stops taking jobs; a job still running goes back to the queue for another worker. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  readonly env: WorkerEnvironment & { readonly REDIS_URL: string };
  readonly logger: Logger;
  /** Substitute engine process (tests of workers that die). */
  readonly engineUrl?: URL | undefined;
}

/** One lane of a worker: its BullMQ worker and the engine process it feeds. */
interface WorkerLane {
  readonly runner: LaneRunner;
  readonly bull: Worker<RemoteJobData, RemoteResult>;
  /** The job in hand, with the lock token that lets this worker give it back. */
  current?: { readonly job: Job<RemoteJobData, RemoteResult>; readonly token: string | undefined } | undefined;
}

/**
 * `impasto worker`: takes jobs from BullMQ, one at a time per lane, runs each on an engine process of
 * this machine (`LaneRunner`, as the bot's own lanes do), and hands the result back through Redis.
 */
export async function startWorker({ env, logger, engineUrl }: WorkerOptions): Promise<RunningWorker> {
  const keys = keysFor(env.IMPASTO_REDIS_PREFIX);
  const name = env.IMPASTO_WORKER_NAME ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const connections = new RedisConnections(env.REDIS_URL, logger, { consequence: 'this worker takes no job' });
  const connect = (role: string) => connections.open(`impasto-worker-${name}-${role}`);
  const redis = connect('files');
  const subscriber = connect('cancel');
  const tempRoot = join(tmpdir(), `impasto-worker-${name}`);
  const metrics = createWorkerMetrics(tmpdir());
  const trainedNetworksDir = trainedNetworksDirOf(env.IMPASTO_TRAINED_NETWORKS_DIR);
  await makeFolder(tempRoot);
  /** Jobs cancelled lately: checked before a job starts and at each progress report (a cancel that came between). */
  const cancelled = new Set<string>();
  const counts = { finished: 0, failed: 0 };
  const startedAt = Date.now();
  let backend: string | undefined;
  let paintEngine: PaintEngine | undefined;

  const runJob = async (lane: WorkerLane, laneName: JobLane, job: Job<RemoteJobData, RemoteResult>, token: string | undefined): Promise<RemoteResult> => {
    const { jobId } = job.data;
    const dir = join(tempRoot, jobId);
    const began = Date.now();
    let outcome: WorkerJobOutcome = 'failed';
    lane.current = { job, token };
    metrics.jobStarted(laneName);
    try {
      if (cancelled.has(jobId) || (await redis.exists(keys.cancelled(jobId)))) throw new CancelledError();
      const request = await downloadInputs(redis, keys.inputs(jobId), job.data, dir);
      const resume = createResumeCopy(redis, keys.resume(jobId), request.output, INPUT_TTL_SECONDS);
      const restored = await resume.restore();
      if (restored > 0) logger.info({ jobId, files: restored }, 'resuming a job where an earlier attempt stopped');
      // This machine's copy of the networks trained for the bot's styles, as the engine looks for them.
      const networks = trainedNetworksOf(job.data.method, job.data.options);
      for (const network of networks.uses) await fetchNetwork(redis, keys.network(network), trainedNetworksDir, network);
      // Reports go out in order, and all of them before the result.
      let reports = Promise.resolve();
      const result = await interactiveFirst.around(laneName, () => lane.runner.run(request, (progress, preview) => {
        if (cancelled.has(jobId)) lane.runner.cancel(jobId);
        const data: RemoteProgress = { progress, ...(preview ? { preview: Buffer.from(preview).toString('base64') } : {}) };
        reports = reports.then(() => job.updateProgress(data as unknown as object)).catch((error: unknown) => logger.debug({ err: error, jobId }, 'could not report progress'));
        // A frame or a checkpoint finished since the last report goes to Redis, for a worker taking
        // over; the last save ends before the job's end is reported (the bot then deletes its keys).
        resume.save().catch((error: unknown) => logger.debug({ err: error, jobId }, 'could not keep the job\'s progress in Redis'));
      })).finally(() => resume.save().catch(() => undefined));
      await reports;
      if (networks.makes) await publishNetwork(redis, keys.network(networks.makes), trainedNetworksDir, networks.makes);
      await uploadOutputs(redis, keys.outputs(jobId), request.output, Boolean(result.video), OUTPUT_TTL_SECONDS);
      outcome = 'succeeded';
      counts.finished++;
      return { outcome: result, backend: (await lane.runner.start()).label, worker: name };
    } catch (error) {
      const ending = endingOf(error);
      if (ending.cancelled) {
        outcome = 'cancelled';
        throw new UnrecoverableError(CANCELLED_REASON);
      }
      counts.failed++;
      if (ending.byInput) logger.info({ jobId, reason: ending.message }, 'job failed on its input');
      else logger.warn({ err: error, jobId }, 'job failed');
      // The words the person sees; the error itself stays in this worker's log.
      throw new UnrecoverableError(`${ending.byInput ? INPUT_FAILURE_PREFIX : USER_FAILURE_PREFIX}${ending.message}`);
    } finally {
      lane.current = undefined;
      metrics.jobEnded(laneName, outcome, (Date.now() - began) / 1000);
      await rm(dir, { recursive: true, force: true });
    }
  };

  const lanes = new Map<JobLane, WorkerLane>();
  let interactiveFirst = new InteractiveFirst(undefined);
  for (const laneName of env.IMPASTO_WORKER_LANES) {
    const host = new EngineHost({
      workerData: engineSettingsOf(env, laneName),
      logger: logger.child({ component: 'engine', lane: laneName }),
      tempDir: join(tempRoot, 'engine'),
      onCrash: () => metrics.engineCrashed(laneName),
      ...(engineUrl ? { workerUrl: engineUrl } : {}),
    });
    const runner = new LaneRunner(host, jobTimeoutMsOf(env, laneName));
    // The engine starts (loading its weights) before the worker takes any job.
    const info = await runner.start();
    if (laneName === 'paint' || !backend) backend = info.label;
    if (laneName === 'paint') paintEngine = { label: info.label, backend: info.backend, objectiveEngine: info.objectiveEngine };
    const lane: WorkerLane = {
      runner,
      bull: new Worker<RemoteJobData, RemoteResult>(laneName, (job, token) => runJob(lane, laneName, job, token), {
        connection: connect(laneName),
        prefix: keys.bullPrefix,
        name,
        concurrency: 1,
        lockDuration: env.IMPASTO_WORKER_STALLED_MS,
        stalledInterval: env.IMPASTO_WORKER_STALLED_MS,
        maxStalledCount: env.IMPASTO_WORKER_MAX_STALLS,
      }),
    };
    lane.bull.on('error', (error) => connections.reportError(error, { lane: laneName }, 'BullMQ worker error'));
    lanes.set(laneName, lane);
  }

  // Interactive jobs go first here too: a training lane on this worker waits while they run.
  interactiveFirst = new InteractiveFirst(lanes.get('train')?.runner);
  await subscriber.subscribe(keys.cancelChannel, keys.releasedNetworksChannel);
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === keys.releasedNetworksChannel) {
      deleteReleasedNetwork(message);
      return;
    }
    const jobId = message;
    cancelled.add(jobId);
    // Only the most recent matter (a job about to start here); the Redis key covers the rest.
    if (cancelled.size > 1000) cancelled.delete(cancelled.values().next().value!);
    for (const lane of lanes.values()) lane.runner.cancel(jobId);
  });

  /** The bot released a network (its style was removed, and no job needs it): this machine's copy goes too. */
  const deleteReleasedNetwork = (name: string) => {
    // deleteTrainedNetwork refuses anything but a network's own name (letters, digits, - and _), so
    // nothing from the channel reaches outside the networks folder: such a name is only logged.
    deleteTrainedNetwork(trainedNetworksDir, name)
      .then(() => logger.info({ network: name }, 'deleted a released network'))
      .catch((error: unknown) => logger.warn({ err: error, network: name }, 'could not delete a released network'));
  };

  const describeSelf = (): WorkerInfo => ({
    name,
    host: hostname(),
    pid: process.pid,
    lanes: [...lanes.keys()],
    backend,
    paintEngine,
    startedAt,
    seenAt: Date.now(),
    running: [...lanes.entries()].flatMap(([lane, { current }]) => (current ? [{ jobId: current.job.data.jobId, lane }] : [])),
    ...counts,
  });
  const announce = () => redis.set(keys.worker(name), JSON.stringify(describeSelf()), 'EX', WORKER_TTL_SECONDS).catch((error: unknown) => logger.debug({ err: error }, 'could not announce the worker'));
  await announce();
  const heartbeat = setInterval(() => void announce(), WORKER_HEARTBEAT_MS);

  const metricsServer = env.IMPASTO_METRICS_PORT === undefined ? undefined : await serveMetrics(metrics.registry, { host: env.IMPASTO_METRICS_HOST, port: env.IMPASTO_METRICS_PORT }, logger);
  logger.info({ name, lanes: [...lanes.keys()], backend }, 'worker ready');

  return {
    name,
    metrics: metricsServer,
    async stop() {
      clearInterval(heartbeat);
      // Without Redis (down, or refusing the password) nothing can be handed back or closed there:
      // the engines stop, the connections go, and a job in hand returns when its lock expires.
      const reachable = connections.allReady();
      // The job in hand goes back to its queue at once, for another worker (or this
      // one's next start), rather than waiting for its lock to expire as a dead worker's would.
      for (const lane of reachable ? lanes.values() : []) {
        const current = lane.current;
        if (current) await current.job.moveToWait(current.token).catch((error: unknown) => logger.warn({ err: error, jobId: current.job.data.jobId }, 'could not give a job back; it returns to the queue when its lock expires'));
      }
      if (reachable) await Promise.all([...lanes.values()].map((lane) => lane.bull.close(true)));
      await Promise.all([...lanes.values()].map((lane) => lane.runner.stop()));
      if (reachable) await redis.del(keys.worker(name)).catch(() => undefined);
      await metricsServer?.close();
      connections.closeAll();
      await rm(tempRoot, { recursive: true, force: true });
    },
  };
}
