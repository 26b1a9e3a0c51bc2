import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { BackendName } from '../engine/backend.ts';
import { defaultsFor } from '../engine/options.ts';
import { createCancelCommand } from './commands/cancel.ts';
import { createHelpCommand } from './commands/help.ts';
import { createQueueCommand } from './commands/queue.ts';
import { createStyleAddCommand } from './commands/style-add.ts';
import { createStyleRemoveCommand } from './commands/style-remove.ts';
import { createStylesCommand } from './commands/styles.ts';
import { createStylizeCommand } from './commands/stylize.ts';
import type { AnyCommand, CommandContext, CommandDefinition, Reply } from './commands/types.ts';
import { parseArgs } from './commands/validate.ts';
import type { BotEnvironment } from './config.ts';
import { openDatabase, type Db } from './database.ts';
import { EngineHost, type EngineInfo } from './engine-host.ts';
import { BotError, userMessageOf } from './errors.ts';
import { createDataDirs, deleteExpiredFiles, type DataDirs } from './files.ts';
import { describePosition } from './format.ts';
import { JobStore, styleSharesOf, type Job, type Platform } from './jobs.ts';
import { Scheduler, type BotEventListener, type QueueEntry } from './scheduler.ts';
import type { BotServices, CommandLimits } from './services.ts';
import { SpeedModel } from './speed.ts';
import { importStyles } from './style-import.ts';
import { StyleLibrary } from './styles.ts';

export interface BotOptions {
  readonly env: BotEnvironment;
  readonly logger: Logger;
  /** Substitute engine worker (tests of crash handling). */
  readonly workerUrl?: URL;
}

/** The platform-neutral bot: adapters turn platform events into `execute` calls and follow `onEvent`. */
export interface Bot {
  readonly commands: readonly AnyCommand[];
  readonly dirs: DataDirs;
  readonly library: StyleLibrary;
  definition(name: string): CommandDefinition | undefined;
  execute(name: string, raw: Readonly<Record<string, unknown>>, context: CommandContext): Promise<Reply>;
  onEvent(listener: BotEventListener): () => void;
  /** Runs a finished job again with other parameters (e.g. "again with another seed"). */
  rerun(jobId: string, context: CommandContext, overrides: Partial<Job['params']>): Promise<Reply>;
  job(id: string): Job | undefined;
  /** Position and ETA of a queued or running job. */
  queueEntry(id: string): QueueEntry | undefined;
  jobsOf(platform: Platform, userId: string): Job[];
  resultFiles(job: Job): Promise<{ png: Buffer; gif: Buffer }>;
  engineInfo(): EngineInfo | undefined;
  /** Waits until no job is queued or running. */
  idle(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The backend the engine will most likely pick, known without loading it (for limits and defaults). */
export function likelyBackend(forced: BackendName | undefined): BackendName {
  if (forced) return forced;
  for (const [specifier, name] of [['@tensorflow/tfjs-node-gpu', 'tensorflow-gpu'], ['@tensorflow/tfjs-node', 'tensorflow']] as const) {
    try {
      createRequire(import.meta.url).resolve(specifier);
      return name;
    } catch {
      // not installed
    }
  }
  return 'wasm';
}

export function commandLimitsFor(env: BotEnvironment): CommandLimits {
  const backend = likelyBackend(env.IMPASTO_BACKEND);
  const gpu = backend === 'tensorflow-gpu';
  const defaults = defaultsFor(backend);
  const maxSize = env.IMPASTO_MAX_SIZE ?? (gpu ? 1024 : 512);
  const maxIterations = env.IMPASTO_MAX_ITERATIONS ?? (gpu ? 1000 : 300);
  return {
    maxSize,
    defaultSize: Math.min(defaults.size, maxSize),
    maxIterations,
    defaultIterations: Math.min(defaults.iterations, maxIterations),
    decode: { maxBytes: env.IMPASTO_MAX_UPLOAD_MB * 1024 * 1024, maxPixels: env.IMPASTO_MAX_UPLOAD_MEGAPIXELS * 1e6 },
  };
}

export function createBot(options: BotOptions): Bot {
  const { env, logger } = options;
  const dirs = createDataDirs(resolve(env.IMPASTO_DATA_DIR));
  const db: Db = openDatabase(dirs.database);
  const store = new JobStore(db);
  const library = new StyleLibrary(db, dirs.styles);
  const speed = new SpeedModel(likelyBackend(env.IMPASTO_BACKEND));
  const host = new EngineHost({
    workerData: { backend: env.IMPASTO_BACKEND, weightsDir: env.IMPASTO_WEIGHTS_DIR, weightsUrl: env.IMPASTO_WEIGHTS_URL },
    logger: logger.child({ component: 'engine' }),
    ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}),
  });
  const scheduler = new Scheduler(
    store,
    host,
    dirs,
    speed,
    {
      maxQueuedPerUser: env.IMPASTO_MAX_QUEUED_PER_USER,
      maxQueue: env.IMPASTO_MAX_QUEUE,
      jobTimeoutMs: env.IMPASTO_JOB_TIMEOUT_MINUTES * 60_000,
      progressIntervalMs: env.IMPASTO_PROGRESS_INTERVAL_MS,
    },
    logger.child({ component: 'scheduler' }),
  );
  let engineInfo: EngineInfo | undefined;
  const limits = commandLimitsFor(env);
  const services: BotServices = { store, scheduler, library, dirs, limits, engineInfo: () => engineInfo };
  const commands: AnyCommand[] = [
    createStylizeCommand(services),
    createStylesCommand(services),
    createStyleAddCommand(services),
    createStyleRemoveCommand(services),
    createQueueCommand(services),
    createCancelCommand(services),
  ];
  commands.push(createHelpCommand(() => commands.map((command) => command.definition)));
  const byName = new Map(commands.map((command) => [command.definition.name, command]));
  let retentionTimer: NodeJS.Timeout | undefined;

  const cleanUp = async () => {
    try {
      const removed = await deleteExpiredFiles(dirs, store.livePaths(), env.IMPASTO_RETENTION_DAYS * 86_400_000);
      if (removed > 0) logger.info({ removed }, 'deleted expired uploads and results');
    } catch (error) {
      logger.warn({ err: error }, 'retention cleanup failed');
    }
  };

  return {
    commands,
    dirs,
    library,
    definition: (name) => byName.get(name)?.definition,
    async execute(name, raw, context) {
      const command = byName.get(name);
      try {
        if (!command) throw new BotError('unknown_command', `There is no command "${name}". Try /help.`);
        if (command.definition.moderatorsOnly && !context.requester.isModerator) {
          throw new BotError('not_allowed', `/${name} is for moderators only.`);
        }
        const args = parseArgs(command.definition, raw);
        return await command.handle(context, args as never);
      } catch (error) {
        const message = userMessageOf(error);
        if (message) return { text: message, ephemeral: true, refusal: { field: (error as { field?: string }).field } };
        logger.error({ err: error, command: name }, 'command failed');
        return { text: 'Something went wrong on our side; it has been logged. Please try again.', ephemeral: true };
      }
    },
    onEvent: (listener) => scheduler.onEvent(listener),
    async rerun(jobId, context, overrides) {
      try {
        const job = store.get(jobId);
        if (!job || job.requester.platform !== context.requester.platform) throw new BotError('unknown_job', `There is no job "${jobId}".`);
        const paths = [job.contentPath, ...styleSharesOf(job).map((share) => share.path), ...(job.maskPath ? [job.maskPath] : [])];
        if (!(await filesExist(...paths))) throw new BotError('unknown_job', `The images of job ${jobId} have expired; send them again.`);
        const { contentPath, stylePath, styles, maskPath, styleLabel } = job;
        const entry = await scheduler.submit(
          { requester: context.requester, origin: context.origin, params: { ...job.params, ...overrides }, contentPath, stylePath, styles, maskPath, styleLabel },
          context.requester,
        );
        return { text: `Queued job ${entry.job.id} (${job.styleLabel}, seed ${String(entry.job.params.seed)}). ${describePosition(entry.position, entry.etaMs)}`, jobId: entry.job.id };
      } catch (error) {
        const message = userMessageOf(error);
        if (message) return { text: message, ephemeral: true, refusal: { field: (error as { field?: string }).field } };
        throw error;
      }
    },
    job: (id) => store.get(id),
    queueEntry: (id) => scheduler.entries().find((entry) => entry.job.id === id),
    jobsOf: (platform, userId) => store.byUser(platform, userId),
    async resultFiles(job) {
      if (!job.result) throw new BotError('unknown_job', `Job ${job.id} has no result.`);
      const [png, gif] = await Promise.all([readFile(job.result.pngPath), readFile(job.result.gifPath)]);
      return { png, gif };
    },
    engineInfo: () => engineInfo,
    idle: () => scheduler.onIdle(),
    async start() {
      if (env.IMPASTO_STYLES_DIR) {
        const report = await importStyles(library, env.IMPASTO_STYLES_DIR, limits.decode);
        logger.info({ added: report.added, skipped: report.skipped.length }, 'style library seeded');
      }
      // The engine loads its weights in the background; commands are answered meanwhile.
      host.start().then(
        (info) => {
          engineInfo = info;
          speed.useBackend(info.backend);
        },
        (error: unknown) => logger.error({ err: error }, 'the engine could not start; jobs will fail until this is fixed'),
      );
      scheduler.resume();
      await cleanUp();
      retentionTimer = setInterval(() => void cleanUp(), 3_600_000).unref();
    },
    async stop() {
      clearInterval(retentionTimer);
      scheduler.pause();
      await host.stop();
      db.close();
    },
  };
}

async function filesExist(...paths: string[]): Promise<boolean> {
  try {
    await Promise.all(paths.map((path) => access(path)));
    return true;
  } catch {
    return false;
  }
}
