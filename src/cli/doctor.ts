import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { installedTrainedNetworks, trainedNetworksDirOf } from '../engine/fast/trained.ts';
import { openTrainingPhotos } from '../engine/train/photos.ts';
import { chooseTrainingEngine } from '../engine/train/choose.ts';
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { chooseBackend } from '../engine/backend.ts';
import { chooseObjectiveEngine } from '../engine/engine.ts';
import { installedFastNetworks } from '../engine/fast/manifest.ts';
import { hasSegmentationModel, SEGMENTATION_CACHE_DIR } from '../engine/segmentation/weights.ts';
import { loadVggWeights, locateWeights } from '../engine/weights.ts';
import { VGG19_LAYERS } from '../engine/vgg.ts';
import { describeAdapter, largestBufferAllowed, largestSideFor, probeWebGpu } from '../engine/webgpu.ts';
import { chatEnvironmentSchema, dataEnvironmentSchema, engineEnvironmentSchema, redisEnvironmentSchema, type ChatEnvironment, type DataEnvironment, type EngineEnvironment, type RedisEnvironment } from '../bot/config.ts';
import type { PlatformCheck } from '../adapters/connection-errors.ts';
import { checkDiscord } from '../adapters/discord/check.ts';
import { checkSlack } from '../adapters/slack/check.ts';
import { dataDirsOf, freeBytesOf, networksDirOf } from '../bot/files.ts';
import { byLane, JOB_LANES, type JobLane } from '../bot/jobs/queue.ts';
import { countServing, keysFor, listWorkers } from '../bot/jobs/redis/remote-protocol.ts';
import { readSettingsFile, settingsFileOf } from './env-file.ts';
import { messageOf } from '../error-message.ts';

/**
 * `impasto doctor`: what this machine can use, and why not, in one place: the TensorFlow.js backend
 * and the objective engine the engine would pick, the GPU adapter, the weights, ffmpeg, Redis, and
 * whether Discord and Slack take the tokens set.
 */
export interface DoctorReport {
  readonly machine: { readonly node: string; readonly platform: string; readonly cpus: string };
  readonly engine: { readonly ok: boolean; readonly backend?: string | undefined; readonly objective?: string | undefined; readonly reasons: readonly string[] };
  readonly gpu: { readonly found: boolean; readonly adapter?: string | undefined; readonly maxBufferMiB?: number | undefined; readonly largestSide?: number | undefined; readonly reason?: string | undefined };
  readonly weights: {
    readonly vgg19: { readonly ok: boolean; readonly dir?: string | undefined; readonly layers?: readonly string[] | undefined; readonly note: string };
    readonly fastNetworks: readonly string[];
    /**
     * Networks trained here, by folder: the bot's (`/style train`: IMPASTO_TRAINED_NETWORKS_DIR, else
     * the data directory's `networks`) and the CLI's (`impasto train-style`: the same setting, else
     * weights/cache/trained); one folder when the setting names it for both.
     */
    readonly trainedNetworks: readonly TrainedNetworkFolder[];
    readonly segmentation: boolean;
  };
  /** Whether styles can be trained into fast ones: the photo folder and how many photos it has, and what would train. */
  readonly training: { readonly ok: boolean; readonly note: string; readonly engine: string };
  /** The bot's data directory and the room left on its disk (a full one refuses new pictures). */
  readonly data: { readonly ok: boolean; readonly dir: string; readonly freeMiB?: number | undefined; readonly note: string };
  readonly ffmpeg: { readonly ok: boolean; readonly version?: string | undefined; readonly note: string };
  /** `workers`: the `impasto worker`s alive now, and how many serve each lane (a lane none serves: its jobs wait). */
  readonly redis: { readonly configured: boolean; readonly ok?: boolean | undefined; readonly version?: string | undefined; readonly persistence?: string | undefined; readonly eviction?: string | undefined; readonly workers?: { readonly alive: number; readonly byLane: Readonly<Record<JobLane, number>> } | undefined; readonly note: string };
  readonly discord: PlatformCheck;
  readonly slack: PlatformCheck;
  /**
   * The settings file read before the command (`.env`, or IMPASTO_ENV_FILE's), or the `.env` looked
   * for where none was read: the names it sets (never their values), and those the environment set
   * otherwise, which win. A token in a `.env` of another folder than the one impasto runs in is not
   * read, and this says so.
   */
  readonly settings: { readonly file: string; readonly read: boolean; readonly names: readonly string[]; readonly overridden: readonly string[] };
}

export interface TrainedNetworkFolder {
  /** Who trains into it and reads from it. */
  readonly for: 'bot' | 'cli' | 'both';
  readonly dir: string;
  readonly networks: readonly string[];
}

/** The settings the doctor reads: the engine's, Redis's, the data directory (where the bot's trained networks are), and the chat platforms'. */
export const doctorEnvironmentSchema = engineEnvironmentSchema.merge(redisEnvironmentSchema).merge(dataEnvironmentSchema).merge(chatEnvironmentSchema);

export async function examineMachine(env: EngineEnvironment & RedisEnvironment & DataEnvironment & ChatEnvironment): Promise<DoctorReport> {
  const [gpu, ffmpeg, redis, discord, slack] = await Promise.all([examineGpu(), examineFfmpeg(), examineRedis(env), checkDiscord(env), checkSlack(env)]);
  // The weights load into TensorFlow.js tensors: only once the engine's backend is set.
  const engine = await examineEngine(env);
  const weights = await examineWeights(env);
  const training = await examineTraining(env);
  const data = examineData(env);
  const settings = examineSettings();
  return { machine: { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: `${cpus().length}× ${cpus()[0]?.model.trim() ?? 'CPU'}` }, settings, engine, gpu, weights, training, data, ffmpeg, redis, discord, slack };
}

function examineSettings(): DoctorReport['settings'] {
  // A file that cannot be read stopped the command line before the doctor; this is for the GPU pack's doctor, which reads none first.
  let file: ReturnType<typeof readSettingsFile>;
  try {
    file = readSettingsFile(process.env);
  } catch {
    file = undefined;
  }
  if (!file) return { file: resolve(settingsFileOf(process.env).path), read: false, names: [], overridden: [] };
  const names = Object.keys(file.settings).sort();
  return { file: resolve(file.path), read: true, names, overridden: names.filter((name) => process.env[name] !== file.settings[name]) };
}

async function examineEngine(env: EngineEnvironment): Promise<DoctorReport['engine']> {
  try {
    const choice = await chooseBackend(env.IMPASTO_BACKEND);
    const objective = await chooseObjectiveEngine(env.IMPASTO_ENGINE, choice.name);
    return { ok: true, backend: choice.name, objective: objective.ort ? 'onnxruntime' : 'TensorFlow.js', reasons: [...choice.reasons, objective.reason] };
  } catch (error) {
    return { ok: false, reasons: [messageOf(error)] };
  }
}

async function examineGpu(): Promise<DoctorReport['gpu']> {
  const probe = await probeWebGpu();
  if (!probe.found) return { found: false, reason: probe.reason };
  const { limits } = probe.adapter;
  return { found: true, adapter: describeAdapter(probe.adapter), maxBufferMiB: Math.round(largestBufferAllowed(limits) / 2 ** 20), largestSide: largestSideFor(limits) };
}

async function examineWeights(env: EngineEnvironment & DataEnvironment): Promise<DoctorReport['weights']> {
  let vgg19: DoctorReport['weights']['vgg19'];
  try {
    const dir = await locateWeights({ explicitDir: env.IMPASTO_WEIGHTS_DIR, download: false });
    const layers = [...(await loadVggWeights(dir)).keys()];
    const full = VGG19_LAYERS.every((layer) => layers.includes(layer));
    vgg19 = { ok: true, dir, layers, note: full ? 'the full set' : `blocks up to ${layers.at(-1)} only: the full set needs \`npx impasto weights download\` (internet, once)` };
  } catch (error) {
    vgg19 = { ok: false, note: messageOf(error) };
  }
  return {
    vgg19,
    fastNetworks: [...installedFastNetworks(env.IMPASTO_FAST_WEIGHTS_DIR)].sort(),
    trainedNetworks: examineTrainedNetworks(env),
    segmentation: hasSegmentationModel(env.IMPASTO_SEGMENTATION_WEIGHTS_DIR ?? SEGMENTATION_CACHE_DIR),
  };
}

function examineTrainedNetworks(env: EngineEnvironment & DataEnvironment): TrainedNetworkFolder[] {
  const folderOf = (who: TrainedNetworkFolder['for'], dir: string) => ({ for: who, dir: resolve(dir), networks: [...installedTrainedNetworks(dir)].sort() });
  const bot = networksDirOf(dataDirsOf(resolve(env.IMPASTO_DATA_DIR)), env.IMPASTO_TRAINED_NETWORKS_DIR);
  const cli = trainedNetworksDirOf(env.IMPASTO_TRAINED_NETWORKS_DIR);
  return resolve(bot) === resolve(cli) ? [folderOf('both', cli)] : [folderOf('bot', bot), folderOf('cli', cli)];
}

async function examineTraining(env: EngineEnvironment): Promise<DoctorReport['training']> {
  const engine = await chooseTrainingEngine({ backend: env.IMPASTO_BACKEND, engine: env.IMPASTO_ENGINE }).then(
    (choice) => choice.reasons.at(-1)!.replace(/^training: /, ''),
    (error: unknown) => `none (${messageOf(error)})`,
  );
  if (!env.IMPASTO_TRAINING_PHOTOS_DIR) return { ok: false, note: 'IMPASTO_TRAINING_PHOTOS_DIR is not set: /style train is off (`impasto train-style` takes a folder of its own)', engine };
  try {
    const photos = await openTrainingPhotos(env.IMPASTO_TRAINING_PHOTOS_DIR);
    return { ok: true, note: `${photos.paths.length} photos in ${env.IMPASTO_TRAINING_PHOTOS_DIR} (the first is kept out, as the sample)${photos.paths.length < 1000 ? '; a few thousand train better' : ''}`, engine };
  } catch (error) {
    return { ok: false, note: messageOf(error), engine };
  }
}

/** Below this, the doctor warns: a picture's PNG and GIF take about 5 MB, kept IMPASTO_RETENTION_DAYS. */
const LOW_SPACE_MIB = 1024;

function examineData(env: DataEnvironment): DoctorReport['data'] {
  const dir = resolve(env.IMPASTO_DATA_DIR);
  // Not made yet before the first start: the room is that of the folder it will be made in.
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    const freeMiB = Math.floor(freeBytesOf(existing) / 2 ** 20);
    const free = freeMiB >= 1024 ? `${(freeMiB / 1024).toFixed(1)} GB` : `${freeMiB} MB`;
    const made = existing === dir ? '' : ' (made at the first start)';
    if (freeMiB < LOW_SPACE_MIB) return { ok: false, dir, freeMiB, note: `only ${free} free${made}: each picture keeps about 5 MB for IMPASTO_RETENTION_DAYS, and a full disk refuses new ones` };
    return { ok: true, dir, freeMiB, note: `${free} free${made}` };
  } catch (error) {
    return { ok: false, dir, note: `cannot read the room on its disk (${messageOf(error)})` };
  }
}

async function examineFfmpeg(): Promise<DoctorReport['ffmpeg']> {
  try {
    const { stdout } = await promisify(execFile)('ffmpeg', ['-version']);
    // "ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024 the FFmpeg developers": its number.
    const firstLine = stdout.split('\n')[0]?.trim() ?? '';
    const version = /^ffmpeg version (\S+)/.exec(firstLine)?.[1];
    return { ok: true, version: version ? `ffmpeg ${version}` : firstLine, note: 'video clips (MP4, WebM, MOV) in and out' };
  } catch {
    return { ok: false, note: 'not found: videos are refused with a clear message (animated GIF and WebP still work); install ffmpeg for them' };
  }
}

async function examineRedis(env: RedisEnvironment): Promise<DoctorReport['redis']> {
  if (!env.REDIS_URL) return { configured: false, note: 'REDIS_URL is not set: jobs run on this machine (the embedded queue)' };
  const redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000, retryStrategy: () => null });
  redis.on('error', () => undefined); // reported below
  try {
    await redis.connect();
    const info = await redis.info('server');
    const persistence = await redis.info('persistence');
    // A managed Redis may refuse CONFIG: the fsync policy is then simply not shown.
    const [, fsync] = (await redis.config('GET', 'appendfsync').catch(() => [])) as string[];
    const [, eviction] = (await redis.config('GET', 'maxmemory-policy').catch(() => [])) as string[];
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    const aof = /aof_enabled:1/.test(persistence);
    const warnings = [
      ...(aof ? [] : ['without AOF a crash of Redis loses its queue (the bot adds lost jobs again from its store, and they are painted again): set appendonly yes, appendfsync everysec']),
      ...(eviction && eviction !== 'noeviction' ? [`maxmemory-policy is ${eviction}: Redis may evict a job or its files when full; set noeviction`] : []),
    ];
    const alive = await listWorkers(redis, keysFor(env.IMPASTO_REDIS_PREFIX));
    const serving = byLane((lane) => countServing(alive, lane));
    // A bot whose workers are all gone, or none of which trains, took jobs that wait: this says so before a user does.
    const workers = alive.length === 0 ? 'no worker alive now (start one with `impasto worker`)' : `${alive.length} alive (${JOB_LANES.map((lane) => `${lane} ${serving[lane]}`).join(', ')})`;
    return {
      configured: true,
      ok: true,
      version,
      persistence: aof ? `AOF${fsync ? `, appendfsync ${fsync}` : ''}` : 'no AOF',
      eviction,
      workers: { alive: alive.length, byLane: serving },
      note: `${warnings.length === 0 ? 'reachable' : `reachable, but ${warnings.join('; and ')}`}; jobs go to \`impasto worker\`s: ${workers}`,
    };
  } catch (error) {
    return { configured: true, ok: false, note: `cannot reach Redis (${messageOf(error)})` };
  } finally {
    redis.disconnect();
  }
}

/** The report as lines for a terminal. */
export function formatReport(report: DoctorReport): string {
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'no  ');
  const { machine, settings, engine, gpu, weights, training, data, ffmpeg, redis, discord, slack } = report;
  const lines = [
    `    machine   node ${machine.node}, ${machine.platform}, ${machine.cpus}`,
    `    settings  ${describeSettings(settings)}`,
    `${mark(engine.ok)}engine    ${engine.ok ? `TensorFlow.js ${engine.backend}, objective on ${engine.objective}` : 'cannot start'}`,
    ...engine.reasons.map((reason) => `            ${reason}`),
    `${mark(gpu.found)}GPU       ${gpu.found ? `${gpu.adapter}: buffers up to ${gpu.maxBufferMiB} MiB, pictures up to about ${gpu.largestSide} px square` : gpu.reason}`,
    `${mark(weights.vgg19.ok)}VGG-19    ${weights.vgg19.ok ? `${weights.vgg19.dir}: ${weights.vgg19.note}` : weights.vgg19.note}`,
    `${mark(weights.fastNetworks.length > 0)}fast      ${weights.fastNetworks.length > 0 ? weights.fastNetworks.join(', ') : 'no networks: `npx impasto weights download --only fast`'}`,
    ...weights.trainedNetworks.map((folder, index) => `${mark(folder.networks.length > 0)}${index === 0 ? 'trained ' : '        '}  ${describeTrainedFolder(folder)}`),
    `${mark(training.ok)}training  ${training.note}`,
    `            trains on ${training.engine}`,
    `${mark(weights.segmentation)}person    ${weights.segmentation ? 'the segmentation model is there' : 'no model: `npx impasto weights download --only segmentation`'}`,
    `${mark(data.ok)}data      ${data.dir}: ${data.note}`,
    `${mark(ffmpeg.ok)}ffmpeg    ${ffmpeg.ok ? `${ffmpeg.version}: ${ffmpeg.note}` : ffmpeg.note}`,
    `${mark(!redis.configured || redis.ok === true)}Redis     ${redis.configured && redis.ok ? `${redis.version}, ${redis.persistence}: ${redis.note}` : redis.note}`,
    `${mark(!discord.configured || discord.ok === true)}Discord   ${discord.note}`,
    `${mark(!slack.configured || slack.ok === true)}Slack     ${slack.note}`,
  ];
  return lines.join('\n');
}

function describeSettings({ file, read, names, overridden }: DoctorReport['settings']): string {
  if (!read) return `no ${file}: the environment's only (impasto reads the .env of the folder it runs in, or the file IMPASTO_ENV_FILE names)`;
  const wins = overridden.length > 0 ? ` (the environment's ${overridden.join(', ')} ${overridden.length === 1 ? 'wins' : 'win'})` : '';
  return `${file}: ${names.length > 0 ? names.join(', ') : 'no settings'}${wins}`;
}

const TRAINERS = { bot: 'the bot\'s (/style train)', cli: '`impasto train-style`\'s', both: 'the bot\'s and `impasto train-style`\'s' } as const;

function describeTrainedFolder(folder: TrainedNetworkFolder): string {
  return `${TRAINERS[folder.for]}, in ${folder.dir}: ${folder.networks.length > 0 ? folder.networks.join(', ') : 'none yet'}`;
}
