import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createBot, type Bot } from '../../src/bot/bot.ts';
import type { CommandContext } from '../../src/bot/commands/types.ts';
import { botEnvironmentSchema, secretsOf, type BotEnvironment } from '../../src/bot/config.ts';
import type { Platform } from '../../src/bot/jobs/store.ts';
import { FINAL_EVENTS, type JobEvent } from '../../src/bot/jobs/queue.ts';
import { createLogger } from '../../src/bot/logger.ts';
import { importStyles } from '../../src/bot/styles/import.ts';
import { DEFAULT_DECODE_LIMITS } from '../../src/engine/image.ts';
import { SHARED_DIR, SHARED_FAST_DIR, SHARED_SEGMENTATION_DIR, SHARED_VGG_DIR } from './shared.ts';

/**
 * A bot on a fresh data directory, with the real engine worker and the shared weights. Started at
 * once unless `start` is false: the app starts its adapters first (`src/app.ts`), so that they hear
 * what the bot says as it starts (a contest that ended or is due a reminder while it was down).
 */
export async function startTestBot(overrides: Record<string, string> = {}, workerUrl?: URL, existingDataDir?: string, options: { start?: boolean } = {}) {
  // A given data directory is a restart: the same store, a new process's worth of objects.
  const dataDir = existingDataDir ?? (await mkdtemp(join(tmpdir(), 'impasto-bot-')));
  const env: BotEnvironment = botEnvironmentSchema.parse({
    IMPASTO_DATA_DIR: dataDir,
    IMPASTO_WEIGHTS_DIR: SHARED_VGG_DIR,
    IMPASTO_FAST_WEIGHTS_DIR: SHARED_FAST_DIR,
    IMPASTO_SEGMENTATION_WEIGHTS_DIR: SHARED_SEGMENTATION_DIR,
    IMPASTO_BACKEND: 'wasm',
    IMPASTO_PROGRESS_INTERVAL_MS: '0',
    // Tests bring their own styles; the shipped ones have a test of their own.
    IMPASTO_DEFAULT_LIBRARY: 'false',
    ...overrides,
  });
  const logLines: string[] = [];
  // Scrubbed of the configured secrets, as the app's log is (a test may look for a leak).
  const logger = createLogger({ level: 'debug', secrets: secretsOf(env), destination: new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) }) });
  const bot: Bot = createBot({ env, logger, ...(workerUrl ? { workerUrl } : {}) });
  const events: JobEvent[] = [];
  bot.onEvent((event) => events.push(event));
  if (options.start !== false) await bot.start();
  return {
    bot,
    env,
    events,
    logLines,
    dataDir,
    async stop(options: { keepData?: boolean } = {}) {
      await bot.stop();
      if (!options.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestBot = Awaited<ReturnType<typeof startTestBot>>;

/** The shared photos and paintings (`../shared/images`) in the bot's shared library, as most tests paint with them. */
export async function importSharedStyles(bot: Bot): Promise<void> {
  await importStyles(bot.library.shared(), join(SHARED_DIR, 'images'), DEFAULT_DECODE_LIMITS);
}

/**
 * A restart of the bot and its chat adapter, as of the process: both stopped with the store kept
 * (`whileDown` may change it, as if time had passed), then the adapter started before the bot, as
 * `src/app.ts` does, to hear what the bot says as it starts.
 */
export async function restartWithAdapter<A extends { stop(): Promise<void> }>(
  running: { readonly harness: TestBot; readonly adapter: A },
  overrides: Record<string, string>,
  startAdapter: (harness: TestBot) => Promise<A>,
  whileDown?: () => void,
): Promise<{ harness: TestBot; adapter: A }> {
  await running.adapter.stop();
  await running.harness.stop({ keepData: true });
  whileDown?.();
  const harness = await startTestBot(overrides, undefined, running.harness.dataDir, { start: false });
  const adapter = await startAdapter(harness);
  await harness.bot.start();
  return { harness, adapter };
}

/** A request from `userId`; the community is the playground's (`web`) unless given. */
export function contextFor(userId: string, options: { platform?: Platform; isModerator?: boolean; community?: string } = {}): CommandContext {
  const platform = options.platform ?? 'web';
  return {
    requester: { platform, community: options.community ?? (platform === 'web' ? 'web' : `${platform}:test`), userId, userName: `user-${userId}`, isModerator: options.isModerator ?? false },
    origin: { platform, channelId: 'channel-1' },
  };
}

/** Whether an event ends the job: it succeeded, failed or was cancelled. */
export const endsJob = (jobId: string) => (event: JobEvent): boolean => event.job.id === jobId && FINAL_EVENTS.has(event.type);

/** Resolves with the event that ends the job. */
export function waitForEnd(events: JobEvent[], bot: Bot, jobId: string): Promise<JobEvent> {
  return waitForEvent(events, bot, endsJob(jobId));
}

/** Resolves at the first event that matches, or rejects if the job fails first. */
export function waitForEvent(events: JobEvent[], bot: Bot, predicate: (event: JobEvent) => boolean): Promise<JobEvent> {
  const seen = events.find(predicate);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const stop = bot.onEvent((event) => {
      if (predicate(event)) {
        stop();
        resolve(event);
      }
    });
  });
}
