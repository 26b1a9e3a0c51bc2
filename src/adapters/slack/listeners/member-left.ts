import type { App } from '@slack/bolt';
import type { SlackState } from '../state.ts';

/** A member who left keeps their contest entries, marked as such. */
export function registerMemberLeft(app: App, state: SlackState): void {
  app.event('member_left_channel', async ({ event }) => {
    state.bot.contests.markMemberLeft('slack', event.user);
  });
}
