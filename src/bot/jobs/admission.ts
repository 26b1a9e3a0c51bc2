import { BotError } from '../errors.ts';
import type { JobStore, Requester } from './store.ts';

export interface AdmissionLimits {
  /** Jobs one user may have waiting (besides one running). */
  readonly maxQueuedPerUser: number;
  /** Jobs waiting in all. */
  readonly maxQueue: number;
}

/**
 * Who may queue another job. A place is reserved before anything slow happens (decoding and storing
 * the user's images), so simultaneous requests cannot all pass the check before any of them is
 * counted; the reservation is released once the job is stored (and counted) or refused.
 */
export class Admission {
  /** Places promised to admitted jobs whose files are still being prepared, per user. */
  private readonly reserved = new Map<string, number>();

  constructor(
    private readonly store: JobStore,
    private readonly limits: AdmissionLimits,
  ) {}

  /** Takes a place or throws a `BotError` naming the limit; call the returned function exactly once. */
  reserve(requester: Requester): () => void {
    const key = `${requester.platform}:${requester.userId}`;
    const mine = this.store.countActive(requester.platform, requester.userId).queued + (this.reserved.get(key) ?? 0);
    if (mine >= this.limits.maxQueuedPerUser) {
      throw new BotError(
        'limit_reached',
        `You already have ${mine} job${mine === 1 ? '' : 's'} waiting; the limit is ${this.limits.maxQueuedPerUser} per person. Wait for one to finish, or cancel one.`,
      );
    }
    const reservedInAll = [...this.reserved.values()].reduce((sum, count) => sum + count, 0);
    if (this.store.queued().length + reservedInAll >= this.limits.maxQueue) {
      throw new BotError('limit_reached', `The queue is full (${this.limits.maxQueue} jobs waiting). Try again in a few minutes.`);
    }
    this.reserved.set(key, (this.reserved.get(key) ?? 0) + 1);
    return () => {
      const left = (this.reserved.get(key) ?? 1) - 1;
      if (left > 0) this.reserved.set(key, left);
      else this.reserved.delete(key);
    };
  }
}
