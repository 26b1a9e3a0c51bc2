import { randomInt } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { BackendName } from '../engine/backend.ts';
import { DEFAULT_STRENGTH, defaultsFor, hasRawWeights, RAW_WEIGHT_DEFAULTS, STRENGTH_RANGE } from '../engine/options.ts';
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
import { BotError, refusalOf } from './errors.ts';
import { createDataDirs, deleteExpiredFiles, type DataDirs } from './files.ts';
import { describePosition, describeWeights, formatWhen } from './format.ts';
import { JobStore, styleSharesOf, type Job, type Platform } from './jobs.ts';
import { Scheduler, type BotEventListener, type QueueEntry } from './scheduler.ts';
import type { BotServices, CommandLimits } from './services.ts';
import { SpeedModel } from './speed.ts';
import { importStyles } from './style-import.ts';
import { seedDefaultLibrary } from './default-library.ts';
import { renderContactSheet, StyleLibrary } from './styles.ts';
import { Contests, type Contest, type ContestEvent } from './contests.ts';
import { createContestEnterCommand } from './commands/contest-enter.ts';
import { createContestCancelCommand, createContestEndCommand, createContestRemoveCommand } from './commands/contest-moderation.ts';
import { createContestStartCommand } from './commands/contest-start.ts';
import { createContestStatusCommand } from './commands/contest-status.ts';
import { createContestWithdrawCommand } from './commands/contest-withdraw.ts';

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
  /** Runs a finished job again: with another seed, or a step less or more like the painting. */
  rerun(jobId: string, context: CommandContext, change: RerunChange): Promise<Reply>;
  job(id: string): Job | undefined;
  /** Position and ETA of a queued or running job. */
  queueEntry(id: string): QueueEntry | undefined;
  jobsOf(platform: Platform, userId: string): Job[];
  resultFiles(job: Job): Promise<{ png: Buffer; gif: Buffer }>;
  engineInfo(): EngineInfo | undefined;
  /** Waits until no job is queued or running. */
  idle(): Promise<void>;
  readonly contests: Contests;
  onContestEvent(listener: (event: ContestEvent) => void): () => void;
  /** A vote button press: toggles the member's vote. */
  vote(entryId: string, context: CommandContext): Promise<Reply>;
  /** The ranking as text and a picture of the top entries. */
  leaderboard(contest: Contest, top: number): Promise<{ text: string; picture?: Buffer | undefined }>;
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
  const maxSize = env.IMPASTO_MAX_SIZE ?? (gpu ? 2048 : 1024);
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
    workerData: { backend: env.IMPASTO_BACKEND, objectiveEngine: env.IMPASTO_ENGINE, weightsDir: env.IMPASTO_WEIGHTS_DIR, weightsUrl: env.IMPASTO_WEIGHTS_URL },
    logger: logger.child({ component: 'engine' }),
    tempDir: dirs.temp,
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
  const contests = new Contests({
    db,
    dir: join(dirs.root, 'contests'),
    submitJob: (requester, prepare) => scheduler.submit(requester, prepare),
    job: (id) => store.get(id),
    entryParams: { size: limits.defaultSize, iterations: limits.defaultIterations },
  });
  scheduler.onEvent((event) => contests.handleJobEvent(event));
  const leaderboard = async (contest: Contest, top: number) => {
    const ranking = contests.ranking(contest.id);
    const state = contest.status === 'open' ? `ends ${formatWhen(contest.endsAt)}` : contest.status === 'closed' ? 'ended' : 'cancelled';
    if (ranking.length === 0) return { text: `"${contest.title}" (style ${contest.styleLabel}, ${state}): no entries yet.` };
    const lines = ranking.map((entry, index) => `${index + 1}. ${entry.userName}${entry.memberLeft ? ' (left)' : ''}: ${entry.votes} vote${entry.votes === 1 ? '' : 's'} (entry ${entry.id})`);
    const tiles = ranking.slice(0, top).flatMap((entry, index) => {
      const path = store.get(entry.jobId)?.result?.pngPath;
      return path ? [{ path, label: `${index + 1}. ${entry.userName} · ${entry.votes}` }] : [];
    });
    const picture = tiles.length > 0 ? await renderContactSheet(tiles, Math.min(4, tiles.length)) : undefined;
    return { text: `"${contest.title}" (style ${contest.styleLabel}, ${state}); ties go to the earliest entry:\n${lines.join('\n')}`, picture };
  };
  const services: BotServices = { store, scheduler, library, dirs, limits, engineInfo: () => engineInfo, contests, leaderboard };
  const commands: AnyCommand[] = [
    createStylizeCommand(services),
    createStylesCommand(services),
    createStyleAddCommand(services),
    createStyleRemoveCommand(services),
    createQueueCommand(services),
    createCancelCommand(services),
    createContestStartCommand(services),
    createContestEnterCommand(services),
    createContestWithdrawCommand(services),
    createContestStatusCommand(services),
    createContestEndCommand(services),
    createContestCancelCommand(services),
    createContestRemoveCommand(services),
  ];
  commands.push(createHelpCommand(() => commands.map((command) => command.definition)));
  const byName = new Map(commands.map((command) => [command.definition.name, command]));
  let retentionTimer: NodeJS.Timeout | undefined;

  /** Entries of running contests must keep their pictures, however long the contest runs. */
  const contestResultPaths = () =>
    (db.prepare("SELECT e.job_id FROM contest_entries e JOIN contests c ON c.id = e.contest_id WHERE c.status = 'open' AND e.status IN ('pending', 'posted')").pluck().all() as string[]).flatMap((jobId) => {
      const result = store.get(jobId)?.result;
      return result ? [result.pngPath, result.gifPath] : [];
    });
  const cleanUp = async () => {
    try {
      const live = new Set([...store.livePaths(), ...contestResultPaths()]);
      const removed = await deleteExpiredFiles(dirs, live, env.IMPASTO_RETENTION_DAYS * 86_400_000);
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
        const refusal = refusalOf(error);
        if (refusal) return refusal;
        logger.error({ err: error, command: name }, 'command failed');
        return { text: 'Something went wrong on our side; it has been logged. Please try again.', ephemeral: true };
      }
    },
    onEvent: (listener) => scheduler.onEvent(listener),
    async rerun(jobId, context, change) {
      try {
        const job = store.get(jobId);
        if (!job || job.requester.platform !== context.requester.platform) throw new BotError('unknown_job', `There is no job "${jobId}".`);
        const overrides = rerunOverrides(job.params, change);
        const paths = [job.contentPath, ...styleSharesOf(job).map((share) => share.path), ...(job.maskPath ? [job.maskPath] : [])];
        if (!(await filesExist(...paths))) throw new BotError('unknown_job', `The images of job ${jobId} have expired; send them again.`);
        const { contentPath, stylePath, styles, maskPath, styleLabel } = job;
        const entry = await scheduler.submit(context.requester, () => ({
          requester: context.requester,
          origin: context.origin,
          params: { ...job.params, ...overrides },
          contentPath,
          stylePath,
          styles,
          maskPath,
          styleLabel,
        }));
        return { text: `Queued job ${entry.job.id} (${job.styleLabel}, ${describeWeights(entry.job.params)}, seed ${String(entry.job.params.seed)}). ${describePosition(entry.position, entry.etaMs)}`, jobId: entry.job.id };
      } catch (error) {
        const refusal = refusalOf(error);
        if (!refusal) throw error;
        return refusal;
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
    contests,
    onContestEvent: (listener) => contests.onEvent(listener),
    async vote(entryId, context) {
      try {
        const { entry, voted } = contests.vote(context.requester, entryId);
        return { text: voted ? `You voted for ${entry.userName}'s entry (${entry.votes} vote${entry.votes === 1 ? '' : 's'}). Click again to take it back.` : `You took back your vote (${entry.votes} now).`, ephemeral: true };
      } catch (error) {
        const refusal = refusalOf(error);
        if (!refusal) throw error;
        return refusal;
      }
    },
    leaderboard,
    async start() {
      if (env.IMPASTO_DEFAULT_LIBRARY) {
        const added = await seedDefaultLibrary(db, library, limits.decode);
        if (added.length > 0) logger.info({ added }, 'default style library imported (first start)');
      }
      if (env.IMPASTO_STYLES_DIR) {
        const report = await importStyles(library, env.IMPASTO_STYLES_DIR, limits.decode);
        logger.info({ added: report.added, skipped: report.skipped.length }, 'style library seeded');
      }
      // The engine loads its weights in the background; commands are answered meanwhile.
      host.start().then(
        (info) => {
          engineInfo = info;
          speed.useBackend(info.objectiveEngine === 'onnx' ? 'onnx' : info.backend);
        },
        (error: unknown) => logger.error({ err: error }, 'the engine could not start; jobs will fail until this is fixed'),
      );
      scheduler.resume();
      contests.resume();
      await cleanUp();
      retentionTimer = setInterval(() => void cleanUp(), 3_600_000).unref();
    },
    async stop() {
      clearInterval(retentionTimer);
      contests.stop();
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

/** What a result's buttons change: another seed, or one step less or more like the painting. */
export type RerunChange = 'seed' | 'less' | 'more';

/** A step of strength is 2 on the 1–10 scale; with raw weights, the style weight × or ÷ 3. */
export function rerunOverrides(params: Job['params'], change: RerunChange): Partial<Job['params']> {
  if (change === 'seed') return { seed: randomInt(0, 2 ** 31 - 1) };
  const direction = change === 'more' ? 1 : -1;
  if (hasRawWeights(params)) {
    return { seed: params.seed, styleWeight: (params.styleWeight ?? RAW_WEIGHT_DEFAULTS.style) * 3 ** direction };
  }
  const strength = Math.min(STRENGTH_RANGE.max, Math.max(STRENGTH_RANGE.min, (params.strength ?? DEFAULT_STRENGTH) + 2 * direction));
  return { seed: params.seed, strength };
}
