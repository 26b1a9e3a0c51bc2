import type { Bot } from '../bot/bot.ts';
import type { ContestEvent } from '../bot/contests/contests.ts';
import { messageForEvent, type JobMessage, type ResultFile } from '../bot/job-messages.ts';
import type { JobEvent } from '../bot/jobs/queue.ts';
import type { Job, Platform } from '../bot/jobs/store.ts';
import { fitUploadLimit, type UploadLimit } from '../bot/upload-limit.ts';

/** One job event for one platform: its message parts, with the result files read (when it has any). */
export interface JobDelivery {
  readonly event: JobEvent;
  readonly job: Job;
  readonly message: JobMessage;
  readonly files: readonly (ResultFile & { readonly bytes: Uint8Array })[];
}

/**
 * Feeds one platform's job events, as message parts, to `deliver`, one at a time per job (so that a
 * job's edits arrive in order) while different jobs proceed independently. A failed delivery is
 * reported and does not hold up the next one. With an `uploadLimitOf`, a result's files are made to
 * fit the limit where the job answers first, and its details say how.
 */
export function deliverJobEvents(
  bot: Bot,
  platform: Platform,
  deliver: (delivery: JobDelivery) => Promise<void>,
  handlers: { onError: (error: unknown, event: JobEvent) => void; onFinished?: (jobId: string) => void },
  uploadLimitOf?: (job: Job) => UploadLimit,
): JobDeliveries {
  const pending = new Map<string, Promise<void>>();
  const unsubscribe = bot.onEvent((event) => {
    if (event.job.origin.platform !== platform) return;
    const jobId = event.job.id;
    const message = messageForEvent(event);
    const next = (pending.get(jobId) ?? Promise.resolve()).then(async () => deliver(await deliveryOf(bot, event, message, uploadLimitOf))).catch((error: unknown) => handlers.onError(error, event));
    pending.set(jobId, next);
    if (message.final) {
      void next.then(() => {
        if (pending.get(jobId) === next) pending.delete(jobId);
        handlers.onFinished?.(jobId);
      });
    }
  });
  return {
    whileQueued(jobId, work) {
      const run = (pending.get(jobId) ?? Promise.resolve()).then(async () => {
        if (bot.job(jobId)?.status === 'queued') await work();
      });
      // The chain goes on whatever this did; the caller hears of its failure.
      if (pending.has(jobId)) pending.set(jobId, run.catch(() => undefined));
      return run;
    },
    async stop() {
      unsubscribe();
      await Promise.allSettled(pending.values());
    },
  };
}

async function deliveryOf(bot: Bot, event: JobEvent, message: JobMessage, uploadLimitOf: ((job: Job) => UploadLimit) | undefined): Promise<JobDelivery> {
  const files = await readFiles(bot, event.job, message);
  if (!uploadLimitOf || files.length === 0) return { event, job: event.job, message, files };
  const fitted = await fitUploadLimit(files, uploadLimitOf(event.job));
  if (fitted.notes.length === 0) return { event, job: event.job, message, files };
  const details = [message.details, ...fitted.notes].filter((part) => part !== undefined && part !== '').join(' · ');
  return { event, job: event.job, message: { ...message, details, files: fitted.files.map(({ bytes: _bytes, ...file }) => file) }, files: fitted.files };
}

async function readFiles(bot: Bot, job: Job, message: JobMessage): Promise<JobDelivery['files']> {
  if (message.files.length === 0) return [];
  const bytes = await bot.resultFiles(job);
  return message.files.flatMap((file) => {
    const content = bytes[file.kind];
    return content ? [{ ...file, bytes: content }] : [];
  });
}

export interface JobDeliveries {
  /**
   * Runs `work` (a command's own "queued" reply, say) in line with the job's event deliveries, and
   * only if the job is still queued by then: a reply that would say "Queued" after the job started
   * painting is dropped, so the later state always wins.
   */
  whileQueued(jobId: string, work: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
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
