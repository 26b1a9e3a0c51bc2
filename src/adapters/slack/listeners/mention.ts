import type { App } from '@slack/bolt';
import { guarded } from '../guarded.ts';
import { answerPictureRequest } from '../picture-request.ts';
import type { SlackState } from '../state.ts';

/**
 * `@impasto starry-night` with a picture attached paints it, in its thread; in the thread under a
 * picture, it paints that one (`@impasto` alone: with the member's saved style). Options follow as
 * in /stylize: `@impasto starry-night strength=8 size=768`.
 */
export function registerMention(app: App, state: SlackState): void {
  app.event('app_mention', async ({ event }) => {
    await guarded(state, event.channel, event.user ?? '', () => answerPictureRequest(state, event, 'mention'), event.thread_ts);
  });
}
