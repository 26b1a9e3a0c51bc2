import type { Logger } from 'pino';
import type { BotEnvironment } from '../config.ts';
import type { Db } from '../database.ts';
import { networksDirOf, type DataDirs } from '../files.ts';
import { likelyBackend } from '../limits.ts';
import { EngineHost, engineSettingsOf } from './engine-host.ts';
import { BotQueue } from './bot-queue.ts';
import { LocalDispatch } from './local-dispatch.ts';
import type { Dispatch, PaintEngine } from './dispatch.ts';
import { createBotMetrics, serveMetrics, type MetricsServer } from './metrics.ts';
import { RedisDispatch } from './redis/redis-dispatch.ts';
import { byLane, type JobLane, type JobQueue } from './queue.ts';
import { jobTimeoutMsOf } from './lane-runner.ts';
import { downloadSegmentationModel, hasSegmentationModel, SEGMENTATION_CACHE_DIR } from '../../engine/segmentation/weights.ts';
import { downloadFastNetworks } from '../../engine/fast/download.ts';
import { installedFastNetworks } from '../../engine/fast/manifest.ts';
import { SpeedModel } from './speed.ts';
import { JobStore, type Platform } from './store.ts';
import { WeightsError } from '../../engine/errors.ts';

/** The job runtime: where jobs are kept (SQLite), the queue in front of the engine, and the engine's process. */
export interface JobRuntime {
  readonly store: JobStore;
  readonly queue: JobQueue;
  /**
   * What paints: this machine's engine once it has started (it loads in the background), or with
   * REDIS_URL set, the paint lane's workers once one has announced its engine; undefined until then.
   */
  engineInfo(): PaintEngine | undefined;
  /**
   * Why nothing paints, in a few words for people: this machine's engine's last start failed ("its
   * VGG-19 weights are missing"), or with REDIS_URL, no worker takes paint jobs now (workers log
   * their own failures); undefined while something paints.
   */
  engineProblem(): string | undefined;
  /**
   * The bot's trained networks: IMPASTO_TRAINED_NETWORKS_DIR, else `networks/` in its data folder.
   * Its engines read them there; with REDIS_URL, networks travel between it and the workers.
   */
  readonly trainedNetworksDir: string;
  /** The Prometheus endpoint, when IMPASTO_METRICS_PORT is set (after `start`). */
  metricsUrl(): string | undefined;
  /** Whether a chat platform's live connection holds, for the metrics (`impasto_chat_connected`). */
  reportChatConnection(platform: Platform, connected: boolean): void;
  /** Drops the engines' shared copy of a trained network (see `Dispatch.releaseNetwork`). */
  releaseNetwork(name: string): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface JobRuntimeOptions {
  readonly env: BotEnvironment;
  readonly logger: Logger;
  readonly db: Db;
  readonly dirs: DataDirs;
  /** Substitute engine worker (tests of crash handling). */
  readonly workerUrl?: URL | undefined;
}

/**
 * The job runtime of one bot. Jobs run on this machine's engine processes (`LocalDispatch`), or with
 * REDIS_URL set on `impasto worker`s anywhere (`RedisDispatch`); the queue in front is the same.
 */
export function createJobRuntime(options: JobRuntimeOptions): JobRuntime {
  const { logger, db, dirs } = options;
  const trainedNetworksDir = networksDirOf(dirs, options.env.IMPASTO_TRAINED_NETWORKS_DIR);
  const env = { ...options.env, IMPASTO_TRAINED_NETWORKS_DIR: trainedNetworksDir };
  const store = new JobStore(db);
  const speed = new SpeedModel(likelyBackend(env.IMPASTO_BACKEND));
  const metrics = createBotMetrics(dirs.root);
  let engineInfo: PaintEngine | undefined;
  let engineProblem: string | undefined;
  /** What paints: said on the playground, and the ETAs' first estimates follow its backend. */
  const usePaintEngine = (engine: PaintEngine) => {
    engineInfo = engine;
    engineProblem = undefined;
    speed.useBackend(engine.objectiveEngine === 'onnx' ? 'onnx' : engine.backend);
  };
  const hostFor = (lane: JobLane) =>
    new EngineHost({
      workerData: engineSettingsOf(env, lane),
      logger: logger.child({ component: 'engine', lane }),
      tempDir: dirs.temp,
      onCrash: () => metrics.engineCrashed(lane),
      ...(lane === 'paint' ? { onStart: (outcome) => ('info' in outcome ? usePaintEngine(outcome.info) : (engineProblem = problemOf(outcome.error))) } : {}),
      ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}),
    });
  // With Redis, the engines are the workers': this process starts none.
  const hosts = env.REDIS_URL ? undefined : byLane(hostFor);
  const dispatch: Dispatch = hosts
    ? new LocalDispatch(hosts, byLane((lane) => jobTimeoutMsOf(env, lane)))
    : new RedisDispatch({
        url: env.REDIS_URL!,
        prefix: env.IMPASTO_REDIS_PREFIX,
        logger: logger.child({ component: 'redis' }),
        trainedNetworksDir,
        onPaintEngine: (engine) => usePaintEngine(engine),
      });
  const queue = new BotQueue({
    store,
    dispatch,
    dirs,
    speed,
    limits: {
      maxQueuedPerUser: env.IMPASTO_MAX_QUEUED_PER_USER,
      maxQueuedPerCommunity: env.IMPASTO_MAX_QUEUED_PER_COMMUNITY,
      maxQueue: env.IMPASTO_MAX_QUEUE,
      dailyJobsPerUser: env.IMPASTO_DAILY_JOBS_PER_USER,
      dailyJobsPerCommunity: env.IMPASTO_DAILY_JOBS_PER_COMMUNITY,
      progressIntervalMs: env.IMPASTO_PROGRESS_INTERVAL_MS,
    },
    logger: logger.child({ component: 'queue' }),
  });
  metrics.observe(queue);
  let metricsServer: MetricsServer | undefined;
  let stopped = false;
  /**
   * The fast lane's worker starts with the bot only where there are networks to run. Without a
   * folder of its own, the bot fetches the missing ones into the cache first, as it does the VGG
   * weights; without internet, the styles are simply not offered as fast.
   */
  const prepareFastLane = async () => {
    if (!env.IMPASTO_FAST_WEIGHTS_DIR) {
      try {
        const fetched = await downloadFastNetworks({ baseUrl: env.IMPASTO_FAST_WEIGHTS_URL });
        if (fetched.length > 0) logger.info({ networks: fetched }, 'downloaded the fast style networks');
      } catch (error) {
        logger.warn({ err: error }, 'could not download the fast style networks; styles are painted by optimisation only');
      }
    }
    // A download can outlast the bot: a stopped bot starts no engine.
    if (stopped || !hosts || installedFastNetworks(env.IMPASTO_FAST_WEIGHTS_DIR).size === 0) return;
    await hosts.fast.start().catch((error: unknown) => logger.error({ err: error }, 'the fast lane could not start'));
  };
  /** Without a folder of its own, the bot fetches the segmentation model into the cache, once. */
  const prepareSegmentation = async () => {
    if (env.IMPASTO_SEGMENTATION_WEIGHTS_DIR || hasSegmentationModel(SEGMENTATION_CACHE_DIR)) return;
    try {
      await downloadSegmentationModel(SEGMENTATION_CACHE_DIR);
      logger.info('downloaded the person-segmentation model');
    } catch (error) {
      logger.warn({ err: error }, 'could not download the person-segmentation model; target and background_style are not available');
    }
  };
  return {
    store,
    queue,
    engineInfo: () => engineInfo,
    engineProblem: () => (hosts ? engineProblem : queue.engines('paint') === 0 ? NO_PAINT_WORKER : undefined),
    trainedNetworksDir,
    metricsUrl: () => metricsServer?.url,
    reportChatConnection: (platform, connected) => metrics.chatConnection(platform, connected),
    releaseNetwork: (name) => dispatch.releaseNetwork(name),
    async start() {
      if (env.IMPASTO_METRICS_PORT !== undefined) metricsServer = await serveMetrics(metrics.registry, { host: env.IMPASTO_METRICS_HOST, port: env.IMPASTO_METRICS_PORT }, logger.child({ component: 'metrics' }));
      // The engine loads its weights in the background; commands are answered meanwhile.
      // (What it says of itself, ready or not, reaches engineInfo and engineProblem through onStart.)
      hosts?.paint.start().catch((error: unknown) => logger.error({ err: error }, 'the engine could not start; jobs will fail until this is fixed'));
      void prepareFastLane();
      void prepareSegmentation();
      queue.resume();
    },
    async stop() {
      stopped = true;
      queue.pause();
      await dispatch.stop();
      await metricsServer?.close();
    },
  };
}

/** Why nothing paints with REDIS_URL set: no worker alive takes paint jobs, or Redis is out of reach (the bot's log says which). */
const NO_PAINT_WORKER = 'no impasto worker is taking jobs';

/** Why an engine did not start, for people: the fix itself (paths and all) is for the log. */
function problemOf(error: Error): string {
  return error instanceof WeightsError ? 'its VGG-19 weights are missing' : 'it could not start';
}
