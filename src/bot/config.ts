import { z } from 'zod';
import { BACKEND_NAMES, OBJECTIVE_ENGINES, type BackendName } from '../engine/backend.ts';
import { DEFAULT_CLIP_LIMITS } from '../engine/clip/decode.ts';
import { DEFAULT_DECODE_LIMITS, MEBIBYTE } from '../engine/image.ts';
import { SIZE_RANGE } from '../engine/options.ts';
import { JOB_LANES } from './jobs/queue.ts';

/**
 * JSON lines, or lines for people (pino-pretty); `auto` is the latter on a terminal only. Here, not in
 * `logger.ts`: reading the settings needs no logger, and importing pino made every command slower.
 */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * Every setting comes from the environment (or `.env`), is validated here once at start, and is
 * documented in `.env.example`. A wrong value stops the start with the variable's name and what is
 * expected, never with a stack trace.
 */
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

export const engineEnvironmentSchema = z.object({
  IMPASTO_BACKEND: z
    .enum(BACKEND_NAMES as [BackendName, ...BackendName[]])
    .optional()
    .or(z.literal('').transform(() => undefined)),
  IMPASTO_ENGINE: z.enum(OBJECTIVE_ENGINES).default('auto'),
  IMPASTO_WEIGHTS_DIR: optionalText,
  IMPASTO_WEIGHTS_URL: optionalText.pipe(z.string().url().optional()),
  IMPASTO_FAST_WEIGHTS_DIR: optionalText,
  IMPASTO_TRAINED_NETWORKS_DIR: optionalText,
  /** The photos style networks learn from (`/style train`); unset: training is off. */
  IMPASTO_TRAINING_PHOTOS_DIR: optionalText,
  IMPASTO_SEGMENTATION_WEIGHTS_DIR: optionalText,
  IMPASTO_FAST_WEIGHTS_URL: optionalText.pipe(z.string().url().optional()),
});

export type EngineEnvironment = z.infer<typeof engineEnvironmentSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseEnvironment<T extends z.ZodTypeAny>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  // A variable set empty (`IMPASTO_WEB_PORT=` in a .env file) is an unset one, for every variable
  // alike: as a number it was 0 (the playground on a random port), as a count an error.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = schema.safeParse(set);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${describeConfigIssue(issue, env[String(issue.path[0])])}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

/** Every schema's bounds are worded here, alike ("expected 1 or more (got "0")"), not each at its own `.min()`. */
function describeConfigIssue(issue: z.ZodIssue, raw: string | undefined): string {
  if (issue.code === 'invalid_type' && issue.expected === 'number') return `expected a number (got "${raw ?? ''}")`;
  if (issue.code === 'invalid_union') {
    const enumIssue = issue.unionErrors.flatMap((error) => error.issues).find((inner) => inner.code === 'invalid_enum_value');
    if (enumIssue?.code === 'invalid_enum_value') return `expected one of ${enumIssue.options.join(', ')} (got "${String(enumIssue.received)}")`;
  }
  if (issue.code === 'invalid_enum_value') return `expected one of ${issue.options.join(', ')} (got "${String(issue.received)}")`;
  if (issue.code === 'invalid_string' && issue.validation === 'url') return 'expected a URL such as https://example.org/path/';
  if (issue.code === 'too_small' && issue.type === 'number') return `expected ${issue.inclusive ? `${issue.minimum} or more` : `more than ${issue.minimum}`} (got "${raw ?? ''}")`;
  if (issue.code === 'too_big' && issue.type === 'number') return `expected ${issue.inclusive ? `${issue.maximum} or less` : `less than ${issue.maximum}`} (got "${raw ?? ''}")`;
  return issue.message;
}

export function loadEngineEnvironment(env: NodeJS.ProcessEnv = process.env): EngineEnvironment {
  return parseEnvironment(engineEnvironmentSchema, env);
}

/**
 * The distributed queue (BullMQ on Redis), shared by the bot and `impasto worker`. Without REDIS_URL
 * the bot runs every job on engine processes of its own.
 */
export const redisEnvironmentSchema = z.object({
  REDIS_URL: optionalText.pipe(
    z
      .string()
      .refine((url) => URL.canParse(url) && /^rediss?:\/\//.test(url), 'expected redis://[:password@]host:port[/db] (or rediss:// for TLS)')
      .optional(),
  ),
  /** Keys and queue names start with this, so that several deployments can share one Redis. */
  IMPASTO_REDIS_PREFIX: z.string().trim().regex(/^[a-z0-9_-]{1,40}$/i, 'expected letters, digits, - or _').default('impasto'),
  /** Prometheus `/metrics` on this port (unset: no endpoint). */
  IMPASTO_METRICS_PORT: z.preprocess((value) => (value === '' ? undefined : value), z.coerce.number().int().min(0).max(65_535).optional()),
  IMPASTO_METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),
});

export type RedisEnvironment = z.infer<typeof redisEnvironmentSchema>;

const count = (fallback: number, max = 1_000_000) => z.coerce.number({ invalid_type_error: 'expected a whole number' }).int('expected a whole number').min(1).max(max).default(fallback);
const optionalCount = (max: number) =>
  z.preprocess((value) => (value === '' ? undefined : value), z.coerce.number({ invalid_type_error: 'expected a whole number' }).int('expected a whole number').min(1).max(max).optional());
/** A long side in pixels: a deployment cannot offer sizes below the smallest a job may have (the commands' own minimum). */
const atLeastJobSize = z.number().min(SIZE_RANGE.min);
const minutes = z.coerce.number({ invalid_type_error: 'expected a number of minutes' }).positive().max(24 * 60);
/** A training job's time limit (it waits while pictures are painted, so it is long). */
const trainingHours = z.coerce.number({ invalid_type_error: 'expected a number of hours' }).positive().max(24 * 7).default(24);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
/** How the bot and each worker log (`createLogger`). */
const loggingSettings = {
  IMPASTO_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  IMPASTO_LOG_FORMAT: z.enum(LOG_FORMATS).default('auto'),
};

/** Clips (animated GIFs, videos), for the bot and for `impasto stylize` / `impasto fast` alike. */
const clipSettings = {
  IMPASTO_CLIP_MAX_FRAMES: count(DEFAULT_CLIP_LIMITS.maxFrames, 600),
  IMPASTO_CLIP_MAX_SECONDS: count(DEFAULT_CLIP_LIMITS.maxSeconds, 120),
  IMPASTO_CLIP_SIZE: count(256, SIZE_RANGE.max).pipe(atLeastJobSize),
};
export const clipEnvironmentSchema = z.object(clipSettings);
export type ClipEnvironment = z.infer<typeof clipEnvironmentSchema>;

/** Where the bot keeps its state (read by `impasto doctor` too, which knows no other bot setting). */
export const dataEnvironmentSchema = z.object({ IMPASTO_DATA_DIR: z.string().trim().min(1).default('data') });
export type DataEnvironment = z.infer<typeof dataEnvironmentSchema>;

/** The shipped paintings: seeded into a new library, and named on the command line before any bot has run. */
export const libraryEnvironmentSchema = z.object({ IMPASTO_DEFAULT_LIBRARY: z.enum(['true', 'false']).default('true').transform((value) => value === 'true') });
/** Where the command line finds a painting named rather than given as a file: the bot's library, else the shipped paintings. */
export const libraryLookupEnvironmentSchema = dataEnvironmentSchema.merge(libraryEnvironmentSchema);
export type LibraryEnvironment = z.infer<typeof libraryLookupEnvironmentSchema>;

/** The chat platforms: their tokens, and where their APIs and files are (tests point them at fakes). */
export const chatEnvironmentSchema = z.object({
  DISCORD_TOKEN: optionalText,
  DISCORD_GUILD_ID: optionalText.pipe(z.string().regex(/^\d{15,21}$/, 'expected a server (guild) id, a long number').optional()),
  DISCORD_API_URL: optionalText.pipe(z.string().url().optional()),
  DISCORD_CDN_HOSTS: z.string().default('cdn.discordapp.com,media.discordapp.net').transform((value) => splitList(value.toLowerCase())),
  SLACK_BOT_TOKEN: optionalText.pipe(z.string().startsWith('xoxb-', 'expected a bot token (xoxb-…)').optional()),
  SLACK_APP_TOKEN: optionalText.pipe(z.string().startsWith('xapp-', 'expected an app-level token (xapp-…)').optional()),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_MODE: z.enum(['socket', 'http']).default('socket'),
  SLACK_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  SLACK_API_URL: optionalText.pipe(z.string().url().optional()),
  SLACK_FILE_HOSTS: z.string().default('files.slack.com').transform((value) => splitList(value.toLowerCase())),
  SLACK_MODERATORS: z.string().default('').transform(splitList),
});
export type ChatEnvironment = z.infer<typeof chatEnvironmentSchema>;

export const botEnvironmentSchema = engineEnvironmentSchema
  .merge(redisEnvironmentSchema)
  .merge(dataEnvironmentSchema)
  .merge(libraryEnvironmentSchema)
  .merge(chatEnvironmentSchema)
  .extend({
    ...loggingSettings,
    IMPASTO_STYLES_DIR: optionalText,
    IMPASTO_MAX_QUEUED_PER_USER: count(2, 100),
    IMPASTO_MAX_QUEUED_PER_COMMUNITY: count(10, 10_000),
    IMPASTO_MAX_QUEUE: count(20, 10_000),
    IMPASTO_DAILY_JOBS_PER_USER: count(50, 100_000),
    IMPASTO_DAILY_JOBS_PER_COMMUNITY: count(500, 1_000_000),
    IMPASTO_JOB_TIMEOUT_MINUTES: minutes.default(20),
    IMPASTO_TRAINING_STEPS: count(2000, 200_000),
    IMPASTO_TRAINING_SIZE: count(256, 512).pipe(z.number().min(32)),
    IMPASTO_TRAINING_BATCH: count(4, 16),
    IMPASTO_TRAINING_TIMEOUT_HOURS: trainingHours,
    IMPASTO_MAX_SIZE: optionalCount(SIZE_RANGE.max).pipe(atLeastJobSize.optional()),
    IMPASTO_MAX_ITERATIONS: optionalCount(5000),
    IMPASTO_MAX_UPLOAD_MB: count(DEFAULT_DECODE_LIMITS.maxBytes / MEBIBYTE, 100),
    IMPASTO_MAX_UPLOAD_MEGAPIXELS: count(DEFAULT_DECODE_LIMITS.maxPixels / 1e6, 400),
    ...clipSettings,
    IMPASTO_RETENTION_DAYS: count(7, 3650),
    IMPASTO_PROGRESS_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
    IMPASTO_WEB: z.enum(['auto', 'on', 'off']).default('auto'),
    IMPASTO_WEB_HOST: z.string().trim().min(1).default('127.0.0.1'),
    IMPASTO_WEB_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    IMPASTO_WEB_ALLOWED_HOSTS: z
      .string()
      .default('localhost,127.0.0.1,[::1]')
      .transform((value) => splitList(value.toLowerCase())),
    IMPASTO_WEB_TOKEN: optionalText.pipe(z.string().min(16, 'expected at least 16 characters').optional()),
    IMPASTO_WEB_LIBRARY_EDITS: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  })
  .superRefine((env, context) => {
    if (env.SLACK_BOT_TOKEN && env.SLACK_MODE === 'socket' && !env.SLACK_APP_TOKEN) {
      context.addIssue({ code: 'custom', path: ['SLACK_APP_TOKEN'], message: 'required for Socket Mode (SLACK_MODE=socket): an app-level token with connections:write' });
    }
    if (env.SLACK_BOT_TOKEN && env.SLACK_MODE === 'http' && !env.SLACK_SIGNING_SECRET) {
      context.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'required for HTTP mode (SLACK_MODE=http): the app\'s signing secret' });
    }
    if (!LOOPBACK_HOSTS.has(env.IMPASTO_WEB_HOST) && !env.IMPASTO_WEB_TOKEN) {
      context.addIssue({ code: 'custom', path: ['IMPASTO_WEB_TOKEN'], message: `required when IMPASTO_WEB_HOST is not a loopback address (it is ${env.IMPASTO_WEB_HOST})` });
    }
  });

export type BotEnvironment = z.infer<typeof botEnvironmentSchema>;

export function loadBotEnvironment(env: NodeJS.ProcessEnv = process.env): BotEnvironment {
  return parseEnvironment(botEnvironmentSchema, env);
}

/** Values that must never reach a log line. */
export function secretsOf(env: BotEnvironment): string[] {
  return [env.IMPASTO_WEB_TOKEN, env.DISCORD_TOKEN, env.SLACK_BOT_TOKEN, env.SLACK_APP_TOKEN, env.SLACK_SIGNING_SECRET, ...redisSecretsOf(env)].filter((value): value is string => typeof value === 'string' && value.length > 0);
}

/** Redis's password (and user), wherever REDIS_URL might be printed. */
export function redisSecretsOf(env: RedisEnvironment): string[] {
  if (!env.REDIS_URL) return [];
  const url = new URL(env.REDIS_URL);
  return [decodeURIComponent(url.password), url.password].filter((value) => value.length > 0);
}

/** `impasto worker`: the engine's settings, Redis, and how long a job and a silent worker may take. */
export const workerEnvironmentSchema = engineEnvironmentSchema.merge(redisEnvironmentSchema).extend({
  ...loggingSettings,
  IMPASTO_JOB_TIMEOUT_MINUTES: minutes.default(20),
  /**
   * Which lanes this worker serves: paint (optimisations), fast (one-pass networks), train (style
   * networks, sent back to the bot through Redis).
   */
  IMPASTO_WORKER_LANES: z
    .string()
    .default('paint,fast')
    .transform(splitList)
    .pipe(z.array(z.enum(JOB_LANES)).min(1, `expected ${JOB_LANES.join(', ')} or a list such as paint,fast`)),
  IMPASTO_TRAINING_TIMEOUT_HOURS: trainingHours,
  /**
   * A worker that has not renewed its job's lock for this long is taken for dead, and its job is
   * given to another worker (BullMQ's lock duration and stalled-job check).
   */
  IMPASTO_WORKER_STALLED_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /** A job that has outlived this many workers is given up (a poison input) instead of being tried again. */
  IMPASTO_WORKER_MAX_STALLS: z.coerce.number().int().min(0).max(10).default(2),
  IMPASTO_WORKER_NAME: optionalText,
});

export type WorkerEnvironment = z.infer<typeof workerEnvironmentSchema>;

/** Every variable the bot and the worker read, by name (the README documents each; the tests clear them). */
export function settingNames(): Set<string> {
  return new Set([...Object.keys(botEnvironmentSchema.innerType().shape), ...Object.keys(workerEnvironmentSchema.shape)]);
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}
