import type { Bot } from '../bot/bot.ts';
import type { ContestEvent } from '../bot/contests.ts';
import type { Platform } from '../bot/jobs.ts';
import type { BotEvent } from '../bot/scheduler.ts';

const FINAL_EVENTS = new Set<BotEvent['type']>(['succeeded', 'failed', 'cancelled']);

/**
 * Feeds one platform's job events to `render`, one at a time per job (so that a job's edits arrive
 * in order) while different jobs proceed independently. A failed delivery is reported and does not
 * hold up the next one.
 */
export function deliverJobEvents(
  bot: Bot,
  platform: Platform,
  render: (event: BotEvent) => Promise<void>,
  handlers: { onError: (error: unknown, event: BotEvent) => void; onFinished?: (jobId: string) => void },
): { stop(): Promise<void> } {
  const pending = new Map<string, Promise<void>>();
  const unsubscribe = bot.onEvent((event) => {
    if (event.job.origin.platform !== platform) return;
    const jobId = event.job.id;
    const next = (pending.get(jobId) ?? Promise.resolve()).then(() => render(event)).catch((error: unknown) => handlers.onError(error, event));
    pending.set(jobId, next);
    if (FINAL_EVENTS.has(event.type)) {
      void next.then(() => {
        if (pending.get(jobId) === next) pending.delete(jobId);
        handlers.onFinished?.(jobId);
      });
    }
  });
  return {
    async stop() {
      unsubscribe();
      await Promise.allSettled(pending.values());
    },
  };
}

/**
 * Feeds one platform's contest events to `render` strictly in order (an entry must be posted before
 * its vote counts are edited). A failed delivery is reported and does not hold up the next one.
 */
export function deliverContestEvents(bot: Bot, platform: Platform, render: (event: ContestEvent) => Promise<void>, onError: (error: unknown, event: ContestEvent) => void): () => void {
  let chain = Promise.resolve();
  return bot.onContestEvent((event) => {
    if (event.contest.platform !== platform) return;
    chain = chain.then(() => render(event)).catch((error: unknown) => onError(error, event));
  });
}
