import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deliverContestEvents } from '../../src/adapters/deliveries.ts';
import type { ContestEvent } from '../../src/bot/contests/types.ts';
import { contextFor, startTestBot, type TestBot } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';

/**
 * The contest posts' delivery as an adapter stops (a deploy): the post in flight is finished and
 * recorded before the store closes, and none queued behind it is begun, so that the next start
 * posts each of those once, and not the one that got through; a post dropped while it waits is not
 * made. The platform is a `render` held open by the test (no fake server can hold a response).
 */
describe('contest deliveries: as the adapter stops, and a post dropped while it waits', () => {
  let harness: TestBot;

  beforeAll(async () => {
    harness = await startTestBot();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const { requester, origin } = contextFor('mod', { platform: 'discord', isModerator: true });
  const startContest = (title: string) =>
    harness.bot.contests.start({ title, stylePath: sharedImagePath('style_starry_night.jpg'), styleLabel: 'starry-night', endsAt: Date.now() + 3_600_000, maxEntries: 1 }, requester, origin);

  /**
   * Delivers the contest events to a platform that holds its answer to every post until `release`:
   * what was `emitted`, what was `rendered` (begun), and `stop` (the adapter's, then no more listening).
   */
  function deliverToHeldPlatform() {
    let release!: () => void;
    const platformAnswers = new Promise<void>((resolve) => (release = resolve));
    const rendered: ContestEvent[] = [];
    const emitted: ContestEvent[] = [];
    const unlisten = harness.bot.onContestEvent((event) => emitted.push(event));
    const stopDelivering = deliverContestEvents(harness.bot, 'discord', async (event) => {
      rendered.push(event);
      await platformAnswers;
    }, { onError: () => undefined });
    const stop = async () => {
      await stopDelivering();
      unlisten();
    };
    return { rendered, emitted, release, stop };
  }

  it('waits for the post in flight and records it, and begins no other', async () => {
    const { rendered, emitted, release, stop } = deliverToHeldPlatform();
    await startContest('Dusk');
    harness.bot.contests.cancel(requester, origin.channelId);
    expect(emitted.map((event) => event.type)).toEqual(['started', 'cancelled']);

    // The announcement is on its way when the adapter stops; the platform answers after.
    const stopped = stop();
    release();
    await stopped;
    expect(rendered.map((event) => event.type)).toEqual(['started']);
    expect(harness.bot.contests.posts.isUnposted(emitted[0]!.postId!)).toBe(false);
    expect(harness.bot.contests.posts.isUnposted(emitted[1]!.postId!)).toBe(true);
  });

  it('does not render a post dropped while it waited behind another', async () => {
    const { rendered, emitted, release, stop } = deliverToHeldPlatform();
    await startContest('Dawn');
    harness.bot.contests.cancel(requester, origin.channelId);
    // The cancellation's post is dropped while the announcement is on its way (as a later vote
    // count drops an earlier one, or forgetting a member their entries').
    harness.bot.contests.posts.markPosted(emitted[1]!.postId!);
    release();
    // Posts come in order: the next contest's announcement comes after where the cancellation would have.
    await startContest('Noon');
    await vi.waitFor(() => expect(rendered).toHaveLength(2));
    await stop();
    harness.bot.contests.cancel(requester, origin.channelId);
    expect(rendered.map((event) => [event.type, event.contest.title])).toEqual([['started', 'Dawn'], ['started', 'Noon']]);
  });
});
