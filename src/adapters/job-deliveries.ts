import type { Bot } from '../bot/bot.ts';
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
