import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createCancelCommand } from './commands/cancel.ts';
import { createForgetMeCommand } from './commands/forget-me.ts';
import { removeResult } from './forget.ts';
import { hasSegmentationModel, SEGMENTATION_CACHE_DIR } from '../engine/segmentation/weights.ts';
import { decodeFirstFrame } from '../engine/clip/decode.ts';
import { encodePng } from '../engine/image.ts';
import { InputError } from '../engine/errors.ts';
import { checkTrainingFolder } from '../engine/train/photos.ts';
import { createSettingsCommand } from './commands/settings.ts';
import { SettingsStore, type CommunitySettings } from './settings.ts';
import { createContestEnterCommand } from './commands/contest-enter.ts';
import { createContestCancelCommand, createContestEndCommand, createContestRemoveCommand } from './commands/contest-moderation.ts';
import { createContestStartCommand } from './commands/contest-start.ts';
import { createContestStatusCommand } from './commands/contest-status.ts';
import { createContestHistoryCommand } from './commands/contest-history.ts';
import { createContestWithdrawCommand } from './commands/contest-withdraw.ts';
import { createHelpCommand } from './commands/help.ts';
import { createQueueCommand } from './commands/queue.ts';
import { createRerun, type RerunChange } from './commands/rerun.ts';
import { createStyleAddCommand } from './commands/style-add.ts';
import { createStyleRemoveCommand } from './commands/style-remove.ts';
import { createStyleTrainCommand } from './commands/style-train.ts';
import { StyleTraining } from './styles/training.ts';
import { createStylesCommand } from './commands/styles.ts';
import { createStylizeCommand } from './commands/stylize.ts';
import type { AnyCommand, CommandContext, CommandDefinition, Reply } from './commands/types.ts';
import { parseArgs } from './commands/validate.ts';
import { checkPlace } from './commands/place.ts';
import { voteOnEntry } from './commands/vote.ts';
import { ConfigError, type BotEnvironment } from './config.ts';
import { Contests } from './contests/contests.ts';
import type { Contest, ContestEvent } from './contests/types.ts';
import { renderLeaderboard, type Leaderboard } from './contests/leaderboard.ts';
import type { MomentWriter } from './format.ts';
import { holdDataDirectory, openDatabase, type Db } from './database.ts';
import { BotError, describeFailure, failureKindOf, refusalOf, replyOrRefusal } from './errors.ts';
import { createDataDirs, deleteExpiredFiles, deleteOwnFiles, resultPaths, type DataDirs } from './files.ts';
import type { PaintEngine } from './jobs/dispatch.ts';
import type { JobEventListener, QueueEntry } from './jobs/queue.ts';
import { createJobRuntime } from './jobs/runtime.ts';
import { filesOf, isOfCommunity, uploadsOf, type Job, type JobOrigin, type Platform } from './jobs/store.ts';
import { describeHome, type HomeSection } from './home.ts';
import { commandLimitsFor } from './limits.ts';
import type { BotServices } from './services.ts';
import { seedDefaultLibrary } from './styles/defaults.ts';
import { installedNetworks } from '../engine/fast/trained.ts';
import { importStyles } from './styles/import.ts';
import { StyleLibrary } from './styles/library.ts';
import { SavedStyles } from './styles/saved.ts';
import { messageOf } from '../error-message.ts';


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
  /** Each person's saved style ("Use as style"); /forget-me deletes it with the rest. */
  readonly savedStyles: SavedStyles;
  definition(name: string): CommandDefinition | undefined;
  /** Runs a command; a user's error comes back as a refusal, never as a throw. */
  execute(name: string, raw: Readonly<Record<string, unknown>>, context: CommandContext): Promise<Reply>;
  /**
   * What `execute` would refuse before fetching any file, so that an adapter can refuse at once and
   * privately: the options against the definition, then the command's own check. Images in `raw`
   * may be stand-ins (a name, no bytes). The refusal, or undefined.
   */
  precheck(name: string, raw: Readonly<Record<string, unknown>>, context: CommandContext): Reply | undefined;
  onEvent(listener: JobEventListener): () => void;
  /**
   * Records that a finished job's last message reached its chat, or never can (an adapter's call,
   * `deliverJobEvents`); one not recorded is answered again at the next start.
   */
  markAnswered(jobId: string): void;
  /**
   * Keeps, with the job, what its platform learnt about answering it after the job was made, for
   * later events and a restarted bot (Slack: the status message to update; Discord: that the reply
   * was deleted).
   */
  addToReply(jobId: string, fields: NonNullable<JobOrigin['reply']>): void;
  /** Runs a finished job again: with another seed, or a step less or more like the painting. */
  rerun(jobId: string, context: CommandContext, change: RerunChange): Promise<Reply>;
  /** A Remove button press: takes a finished picture down (see `removeResult`); adapters then clear its message. */
  remove(jobId: string, context: CommandContext): Promise<Reply>;
  job(id: string): Job | undefined;
  /** Position and ETA of a queued or running job. */
  queueEntry(id: string): QueueEntry | undefined;
  jobsOf(platform: Platform, userId: string): Job[];
  /** The bot's own page for a member (Slack's Home tab): how to ask, their pictures and saved style, the library, open contests. */
  home(context: CommandContext): Promise<HomeSection[]>;
  resultFiles(job: Job): Promise<{ png: Buffer; gif: Buffer; mp4?: Buffer | undefined }>;
  /** The job's photo as a PNG: a clip's first frame (its stored file is the clip itself). */
  contentPicture(job: Job): Promise<Buffer>;
  engineInfo(): PaintEngine | undefined;
  /** Why nothing paints now: the engine's last start failed, or no worker takes paint jobs (see `JobRuntime.engineProblem`). */
  engineProblem(): string | undefined;
  /** The Prometheus endpoint, when IMPASTO_METRICS_PORT is set. */
  metricsUrl(): string | undefined;
  /** An adapter's live connection to its platform holds, or was lost and is being re-established (`impasto_chat_connected` in the metrics). */
  reportConnection(platform: Platform, connected: boolean): void;
  /** Waits until no job is queued or running. */
  idle(): Promise<void>;
  /** Starts no more jobs until the next start; queued ones wait, kept in the store (tests hold a job queued with it). */
  pauseQueue(): void;
  readonly contests: Contests;
  onContestEvent(listener: (event: ContestEvent) => void): () => void;
  /** What a community's moderators chose (adapters: spoilers). */
  settingsOf(community: string): CommunitySettings;
  /** A vote button press: toggles the member's vote. */
  vote(entryId: string, context: CommandContext): Promise<Reply>;
  /** The ranking as text and a picture of the top entries. */
  leaderboard(contest: Contest, top: number, viewerId?: string, writeWhen?: MomentWriter): Promise<Leaderboard>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Wires the product (commands, styles, contests) to the job runtime, and answers for both. */
export function createBot(options: BotOptions): Bot {
  const { env, logger } = options;
  const dirs = createDataDirs(resolve(env.IMPASTO_DATA_DIR));
  const hold = holdDataDirectory(dirs.lock, dirs.root);
  let db: Db;
  try {
    db = openDatabase(dirs.database);
  } catch (error) {
    hold.release();
    throw error;
  }
  // The bot's trained networks live with its data, unless the operator keeps them elsewhere.
  const runtime = createJobRuntime({ env, logger, db, dirs, workerUrl: options.workerUrl });
  const { trainedNetworksDir } = runtime;
  const { store, queue } = runtime;
  const library = new StyleLibrary(db, dirs.styles, () => installedNetworks(env.IMPASTO_FAST_WEIGHTS_DIR, trainedNetworksDir));
  const limits = commandLimitsFor(env);
  const savedStyles = new SavedStyles(db, dirs.savedStyles, limits.decode);
  const contests = new Contests({
    db,
    dir: join(dirs.root, 'contests'),
    submitJob: (requester, prepare) => queue.submit(requester, prepare),
    job: (id) => store.get(id),
    entryOptions: { size: limits.defaultSize, iterations: limits.defaultIterations },
    onTimerError: (error) => logger.error({ err: error }, 'could not close or remind the contests that are due; trying again in a minute'),
    onPostNotKept: (error) => logger.warn({ err: error }, 'could not keep a contest message until it is posted (the store refused the write); it is posted now, but not again should the chat fail until a restart'),
  });
  queue.onEvent((event) => contests.handleJobEvent(event));
  const leaderboard = (contest: Contest, top: number, viewerId?: string, writeWhen?: MomentWriter) => renderLeaderboard(contests, store, contest, top, viewerId, writeWhen);
  const settings = new SettingsStore(db, limits);
  const canSegment = () => hasSegmentationModel(env.IMPASTO_SEGMENTATION_WEIGHTS_DIR ?? SEGMENTATION_CACHE_DIR);
  const training = new StyleTraining({
    queue,
    library,
    dirs,
    settings: { photosDir: env.IMPASTO_TRAINING_PHOTOS_DIR, steps: env.IMPASTO_TRAINING_STEPS, size: env.IMPASTO_TRAINING_SIZE, batch: env.IMPASTO_TRAINING_BATCH },
    trainedNetworksDir,
    liveJobs: () => [...store.queued(), ...store.running()],
    releaseNetwork: (name) => runtime.releaseNetwork(name),
    tellOperator: (message) => logger.warn(message),
    onCleanUpError: (error) => logger.warn({ err: error }, 'could not delete a removed style’s trained network; trying again after the next job'),
  });
  queue.onEvent((event) => training.handleJobEvent(event));
  const services: BotServices = { store, queue, library, savedStyles, dirs, limits, settings, engineInfo: runtime.engineInfo, contests, leaderboard, canSegment, training, retentionDays: env.IMPASTO_RETENTION_DAYS };
  const rerun = createRerun(services);
  const commands = createCommands(services);
  const byName = new Map(commands.map((command) => [command.definition.name, command]));
  /** The command, if it exists and the requester may run it. */
  const commandFor = (name: string, context: CommandContext): AnyCommand => {
    const command = byName.get(name);
    if (!command) throw new BotError('unknown_command', `There is no command "${name}". Try /help.`);
    checkPlace(command.definition, context);
    if (command.definition.moderatorsOnly && !context.requester.isModerator) throw new BotError('not_allowed', `/${name} is for moderators only.`);
    return command;
  };
  let retentionTimer: NodeJS.Timeout | undefined;

  const cleanUp = async () => {
    try {
      // Entries of running contests keep their pictures, however long the contest runs.
      const contestJobs = contests.jobsInOpenContests();
      const contestPaths = contestJobs.flatMap((jobId) => {
        const result = store.get(jobId)?.result;
        return result ? [result.pngPath, result.gifPath] : [];
      });
      const retentionMs = env.IMPASTO_RETENTION_DAYS * 86_400_000;
      // Job rows go with their files: names, reply tokens and all (contest entries stay while the contest runs).
      const expired = store.deleteFinishedBefore(Date.now() - retentionMs, new Set(contestJobs));
      // Queued and running jobs keep their uploads, and their result path keeps its resume folder (a clip's finished frames).
      const liveJobs = [...store.queued(), ...store.running()];
      const live = new Set([...liveJobs.flatMap(uploadsOf), ...liveJobs.map((job) => resultPaths(dirs, job.id).png), ...contestPaths]);
      const removed = (await deleteOwnFiles(dirs, expired.flatMap(filesOf).filter((path) => !live.has(path)))) + (await deleteExpiredFiles(dirs, live, retentionMs));
      if (removed > 0) logger.info({ removed }, 'deleted expired jobs, uploads and results');
      // Removed styles' networks whose last job ended while the bot was stopped.
      const networks = await training.deleteReleasedNetworks();
      if (networks.length > 0) logger.info({ networks }, 'deleted the trained networks of removed styles');
    } catch (error) {
      logger.warn({ err: error }, 'retention cleanup failed');
    }
  };

  const bot: Bot = {
    commands,
    dirs,
    library,
    savedStyles,
    definition: (name) => byName.get(name)?.definition,
    async execute(name, raw, context) {
      try {
        return await replyOrRefusal(async () => {
          const command = commandFor(name, context);
          const args = parseArgs(command.definition, raw) as never;
          command.check?.(context, args);
          return command.handle(context, args);
        });
      } catch (error) {
        logger.error({ err: error, command: name }, 'command failed');
        return { text: describeFailure(error, 'Something went wrong on our side; it has been logged. Please try again.'), ephemeral: true, failure: failureKindOf(error) };
      }
    },
    precheck(name, raw, context) {
      try {
        const command = commandFor(name, context);
        command.check?.(context, parseArgs(command.definition, raw) as never);
        return undefined;
      } catch (error) {
        const refusal = refusalOf(error);
        if (refusal) return refusal;
        // Anything else is the bot's own fault: execute, which the adapter calls next, logs it and says so.
        return undefined;
      }
    },
    onEvent: (listener) => queue.onEvent(listener),
    markAnswered: (jobId) => store.markAnswered(jobId),
    addToReply: (jobId, fields) => store.addToReply(jobId, fields),
    settingsOf: (community) => settings.get(community),
    rerun: (jobId, context, change) => replyOrRefusal(() => rerun(jobId, context, change)),
    remove: (jobId, context) => replyOrRefusal(() => removeResult(services, jobId, context.requester)),
    job: (id) => store.get(id),
    queueEntry: (id) => queue.entries().find((entry) => entry.job.id === id),
    jobsOf: (platform, userId) => store.byUser(platform, userId),
    async home(context) {
      const { requester } = context;
      return describeHome({
        // The whole help: a home page is no conversation, though Slack's comes with the direct message's id.
        help: (await bot.execute('help', {}, { ...context, direct: undefined })).text,
        jobs: store.byUser(requester.platform, requester.userId).filter((job) => isOfCommunity(job.requester, requester)),
        queuePlace: (jobId) => bot.queueEntry(jobId),
        savedStyle: savedStyles.find(requester),
        styles: library.in(requester.community).list(),
        contests: contests.openOf(requester.platform, requester.community).map((contest) => ({ contest, entries: contests.ranking(contest.id).length })),
      });
    },
    async resultFiles(job) {
      if (!job.result) throw new BotError('unknown_job', `Job ${job.id} has no result.`);
      const [png, gif, mp4] = await Promise.all([readFile(job.result.pngPath), readFile(job.result.gifPath), job.result.mp4Path ? readFile(job.result.mp4Path) : undefined]);
      return { png, gif, mp4 };
    },
    async contentPicture(job) {
      const stored = await readFile(job.contentPath);
      return job.options.clipFrames ? encodePng(await decodeFirstFrame(stored)) : stored;
    },
    engineInfo: runtime.engineInfo,
    engineProblem: runtime.engineProblem,
    metricsUrl: runtime.metricsUrl,
    reportConnection: runtime.reportChatConnection,
    idle: () => queue.onIdle(),
    pauseQueue: () => queue.pause(),
    contests,
    onContestEvent: (listener) => contests.onEvent(listener),
    vote: (entryId, context) => replyOrRefusal(async () => voteOnEntry(contests, entryId, context)),
    leaderboard,
    async start() {
      if (env.IMPASTO_DEFAULT_LIBRARY) {
        const added = await seedDefaultLibrary(db, library, limits.decode);
        if (added.length > 0) logger.info({ added }, 'default style library imported (first start)');
      }
      if (env.IMPASTO_STYLES_DIR) {
        const report = await importStyles(library.shared(), env.IMPASTO_STYLES_DIR, limits.decode).catch((error: unknown) => {
          throw error instanceof InputError ? new ConfigError(`IMPASTO_STYLES_DIR: ${error.message}`) : error;
        });
        logger.info({ added: report.added, skipped: report.skipped.length }, 'style library seeded');
      }
      if (env.IMPASTO_TRAINING_PHOTOS_DIR) {
        // Not a reason to stop: only /style train needs it, and it says the same to the moderator.
        await checkTrainingFolder(env.IMPASTO_TRAINING_PHOTOS_DIR).catch((error: unknown) => logger.warn(`IMPASTO_TRAINING_PHOTOS_DIR: ${messageOf(error)} /style train refuses until it can be used.`));
      }
      await runtime.start();
      contests.resume();
      await cleanUp();
      retentionTimer = setInterval(() => void cleanUp(), 3_600_000).unref();
    },
    async stop() {
      clearInterval(retentionTimer);
      contests.stop();
      await runtime.stop();
      db.close();
      hold.release();
    },
  };
  return bot;
}

/** Every command, in the order help lists them. */
function createCommands(services: BotServices): AnyCommand[] {
  const commands: AnyCommand[] = [
    createStylizeCommand(services),
    createStylesCommand(services),
    createStyleAddCommand(services),
    createStyleRemoveCommand(services),
    createStyleTrainCommand(services),
    createQueueCommand(services),
    createCancelCommand(services),
    createContestStartCommand(services),
    createContestEnterCommand(services),
    createContestWithdrawCommand(services),
    createContestStatusCommand(services),
    createContestHistoryCommand(services),
    createContestEndCommand(services),
    createContestCancelCommand(services),
    createContestRemoveCommand(services),
    createForgetMeCommand(services),
    createSettingsCommand(services),
  ];
  commands.push(createHelpCommand(commands.map((command) => command.definition)));
  return commands;
}
