import { setTimeout } from 'node:timers/promises';
import type { Bot } from '../bot/bot.ts';
import type { ContestEvent } from '../bot/contests/types.ts';
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

export interface JobDeliveryOptions {
  /** A delivery failed; `retryInMs` when it is a job's last message that will be tried again then. */
  readonly onError: (error: unknown, event: JobEvent, retryInMs?: number) => void;
  /** A job's last message was delivered (or given up on). */
  readonly onFinished?: (jobId: string) => void;
  /** The chat's upload limit where the job answers: a result's files are made to fit it, and its details say how. */
  readonly uploadLimitOf?: (job: Job) => UploadLimit;
  /**
   * Whether a failed delivery may succeed later: the platform down or overloaded, the network gone.
   * A job's last message that failed so is tried again after each of `retryDelaysMs`, and at the
   * bot's next start if none of those got through; any other failure (a missing permission, a
   * deleted channel) is final. Without it, every failure is final.
   */
  readonly isTemporary?: (error: unknown) => boolean;
  readonly retryDelaysMs?: readonly number[];
}

/**
 * After a message that must arrive failed: tries over about 20 minutes, longer than most of the
 * platforms' outages (trying again within 10 s would only repeat what their client has just done).
 */
export const ANSWER_RETRY_DELAYS_MS: readonly number[] = [10_000, 60_000, 5 * 60_000, 15 * 60_000];

/**
 * Feeds one platform's job events, as message parts, to `deliver`, one at a time per job (so that a
 * job's edits arrive in order) while different jobs proceed independently. A failed delivery is
 * reported and does not hold up other jobs. A job's last message (its picture, or why there is
 * none) is the one that must arrive: it is recorded as answered once delivered, and tried again
 * while the failure is temporary (`isTemporary`); one never delivered is sent again by the bot's
 * next start (`JobQueue.resume`).
 */
export function deliverJobEvents(bot: Bot, platform: Platform, deliver: (delivery: JobDelivery) => Promise<void>, options: JobDeliveryOptions): JobDeliveries {
  const { onError, onFinished, uploadLimitOf, isTemporary = () => false, retryDelaysMs = ANSWER_RETRY_DELAYS_MS } = options;
  const pending = new Map<string, Promise<void>>();
  const stopping = new AbortController();
  const deliverOnce = async (event: JobEvent, message: JobMessage) => deliver(await deliveryOf(bot, event, message, uploadLimitOf));
  const deliverLast = async (event: JobEvent, message: JobMessage) => {
    const outcome = await tryWhileTemporary(() => deliverOnce(event, message), {
      isTemporary,
      retryDelaysMs,
      signal: stopping.signal,
      onError: (error, retryInMs) => onError(error, event, retryInMs),
      // The member may have removed it or had it forgotten meanwhile.
      stillWanted: () => bot.job(event.job.id) !== undefined,
    });
    // Refused for good: answered as well as it can be. Out of tries, or stopping: the next start sends it again.
    if (outcome !== 'given up') bot.markAnswered(event.job.id);
  };
  const unsubscribe = bot.onEvent((event) => {
    if (event.job.origin.platform !== platform) return;
    const jobId = event.job.id;
    const message = messageForEvent(event);
    const next = (pending.get(jobId) ?? Promise.resolve()).then(() => (message.final ? deliverLast(event, message) : deliverOnce(event, message))).catch((error: unknown) => onError(error, event));
    pending.set(jobId, next);
    if (message.final) {
      void next.then(() => {
        if (pending.get(jobId) === next) pending.delete(jobId);
        onFinished?.(jobId);
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
      stopping.abort();
      await Promise.allSettled(pending.values());
    },
  };
}

/**
 * Runs `attempt` while it is `stillWanted`, again after each of `retryDelaysMs` while it fails
 * temporarily (`isTemporary`): `delivered`, `refused` (a failure that will not change), or
 * `given up` (out of tries, no longer wanted, or `signal` aborted: the bot stopping, before or
 * between tries). Each failure goes to `onError`, with the delay before the next try when there
 * is one.
 */
async function tryWhileTemporary(
  attempt: () => Promise<void>,
  options: { isTemporary: (error: unknown) => boolean; retryDelaysMs: readonly number[]; signal: AbortSignal; onError: (error: unknown, retryInMs?: number) => void; stillWanted?: () => boolean },
): Promise<'delivered' | 'refused' | 'given up'> {
  const { isTemporary, retryDelaysMs, signal, onError, stillWanted = () => true } = options;
  for (const retryInMs of [...retryDelaysMs, undefined]) {
    // Nothing new is begun once the bot is stopping (the next start sends it), nor once it is no
    // longer wanted: an event may wait a while behind another's tries.
    if (signal.aborted || !stillWanted()) return 'given up';
    const failure = await attempt().then(() => undefined, (error: unknown) => ({ error }));
    if (!failure) return 'delivered';
    const temporary = isTemporary(failure.error);
    onError(failure.error, temporary && !signal.aborted ? retryInMs : undefined);
    if (!temporary) return 'refused';
    if (retryInMs === undefined || !(await waitUnlessStopped(retryInMs, signal))) return 'given up';
  }
  return 'given up';
}

/** Waits `ms`; false when `signal` aborted first. */
async function waitUnlessStopped(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await setTimeout(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
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

export interface ContestDeliveryOptions {
  /** A post failed; `retryInMs` when it will be tried again then. */
  readonly onError: (error: unknown, event: ContestEvent, retryInMs?: number) => void;
  /** As for jobs: whether a failure may pass. An event that failed so is rendered again after each of `retryDelaysMs`. */
  readonly isTemporary?: (error: unknown) => boolean;
  readonly retryDelaysMs?: readonly number[];
}

/**
 * Feeds one platform's contest events to `render` strictly in order (an entry must be posted before
 * its vote counts are edited). An event whose rendering failed temporarily is rendered again (the
 * later ones wait: the order holds), while the bot runs; so each event's render fails only at its
 * one message that must arrive, and does not redo what succeeded (the adapters' `contests.ts`). A
 * failure is reported and does not hold up the next event. An event whose message must arrive
 * (`postId`) is recorded as posted once it was; one never posted is emitted again by the bot's next
 * start (`Contests.resume`); one dropped meanwhile (a vote count a later one replaced, a forgotten
 * member's entry) is not rendered, or no longer retried.
 */
export function deliverContestEvents(bot: Bot, platform: Platform, render: (event: ContestEvent) => Promise<void>, options: ContestDeliveryOptions): () => Promise<void> {
  const { onError, isTemporary = () => false, retryDelaysMs = ANSWER_RETRY_DELAYS_MS } = options;
  const stopping = new AbortController();
  let chain = Promise.resolve();
  const unsubscribe = bot.onContestEvent((event) => {
    if (event.contest.platform !== platform) return;
    chain = chain
      .then(async () => {
        const outcome = await tryWhileTemporary(() => render(event), {
          isTemporary,
          retryDelaysMs,
          signal: stopping.signal,
          onError: (error, retryInMs) => onError(error, event, retryInMs),
          stillWanted: () => event.postId === undefined || bot.contests.posts.isUnposted(event.postId),
        });
        // Refused for good: posted as well as it can be. Out of tries, or stopping: the next start posts it again.
        if (outcome !== 'given up' && event.postId !== undefined) bot.contests.posts.markPosted(event.postId);
      })
      .catch((error: unknown) => onError(error, event));
  });
  // Stopping waits for the post in flight, so that the store hears of it before it closes (else the next start would post it again).
  return async () => {
    unsubscribe();
    stopping.abort();
    await chain;
  };
}
