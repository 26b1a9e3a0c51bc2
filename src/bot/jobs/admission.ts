import { BotError } from '../errors.ts';
import { communityNoun, counted, formatWhen } from '../format.ts';
import type { JobStore, Requester } from './store.ts';

export interface AdmissionLimits {
  /** Jobs one user may have waiting (besides one running). */
  readonly maxQueuedPerUser: number;
  /** Jobs one community may have waiting: a busy server cannot fill the whole queue. */
  readonly maxQueuedPerCommunity: number;
  /** Jobs waiting in all. */
  readonly maxQueue: number;
  /** Jobs one person may start in 24 hours (commands and buttons alike). */
  readonly dailyJobsPerUser: number;
  /** Jobs one community may start in 24 hours. */
  readonly dailyJobsPerCommunity: number;
}

const DAY_MS = 86_400_000;

/**
 * A person's limits held to a community's: one person may not take more of the queue than a whole
 * community may, even across several. A person alone with the bot is then told of their own limit
 * first: a Discord direct message is a community of one, where "This server already has 2 jobs
 * waiting" would name a server that is not there.
 */
function withPersonalLimitsWithinCommunities(limits: AdmissionLimits): AdmissionLimits {
  return {
    ...limits,
    maxQueuedPerUser: Math.min(limits.maxQueuedPerUser, limits.maxQueuedPerCommunity),
    dailyJobsPerUser: Math.min(limits.dailyJobsPerUser, limits.dailyJobsPerCommunity),
  };
}

/**
 * Who may queue another job. A place is reserved before anything slow happens (decoding and storing
 * the user's images), so simultaneous requests cannot all pass the checks before any of them is
 * counted; the reservation is released once the job is stored (and counted) or refused.
 */
export class Admission {
  /** Places promised to admitted jobs whose files are still being prepared. */
  private readonly reserved: { readonly user: string; readonly community: string }[] = [];
  private readonly limits: AdmissionLimits;

  constructor(
    private readonly store: JobStore,
    limits: AdmissionLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.limits = withPersonalLimitsWithinCommunities(limits);
  }

  /**
   * Throws the `BotError` that `reserve` would, taking no place: asked before a member's picture is
   * fetched, so that a request over a limit is refused without the download. `reserve` asks again.
   */
  check(requester: Requester): void {
    this.reserve(requester)();
  }

  /** Takes a place or throws a `BotError` naming the limit; call the returned function exactly once. */
  reserve(requester: Requester): () => void {
    const place = { user: `${requester.platform}:${requester.userId}`, community: requester.community };
    const reservedFor = (test: (entry: typeof place) => boolean) => this.reserved.filter(test).length;
    const mine = this.store.countActive(requester.platform, requester.userId).queued + reservedFor((entry) => entry.user === place.user);
    if (mine >= this.limits.maxQueuedPerUser) {
      throw new BotError(
        'limit_reached',
        `You already have ${counted(mine, 'job')} waiting; the limit is ${this.limits.maxQueuedPerUser} per person. Wait for one to finish, or cancel one.`,
      );
    }
    const ours = this.store.countQueuedIn(requester.community) + reservedFor((entry) => entry.community === place.community);
    if (ours >= this.limits.maxQueuedPerCommunity) {
      throw new BotError('limit_reached', `This ${communityNoun(requester.platform)} already has ${counted(ours, 'job')} waiting, its share of the queue. Try again when some have finished.`);
    }
    if (this.store.queued().length + this.reserved.length >= this.limits.maxQueue) {
      throw new BotError('limit_reached', `The queue is full (${counted(this.limits.maxQueue, 'job')} waiting). Try again in a few minutes.`);
    }
    const since = this.now() - DAY_MS;
    const today = this.store.createdSince({ platform: requester.platform, userId: requester.userId }, since);
    if (today.count + reservedFor((entry) => entry.user === place.user) >= this.limits.dailyJobsPerUser) {
      throw new BotError('limit_reached', `You have made ${this.limits.dailyJobsPerUser} pictures in the last 24 hours, the most one person may; your next one can start ${formatWhen(today.oldest + DAY_MS, this.now())}.`);
    }
    const ourDay = this.store.createdSince({ community: requester.community }, since);
    if (ourDay.count + reservedFor((entry) => entry.community === place.community) >= this.limits.dailyJobsPerCommunity) {
      throw new BotError('limit_reached', `This ${communityNoun(requester.platform)} has made ${this.limits.dailyJobsPerCommunity} pictures in the last 24 hours, its daily share; the next can start ${formatWhen(ourDay.oldest + DAY_MS, this.now())}.`);
    }
    this.reserved.push(place);
    return () => {
      const index = this.reserved.indexOf(place);
      if (index >= 0) this.reserved.splice(index, 1);
    };
  }
}
