import type { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/web-api';
import type { HomeSection } from '../../../bot/home.ts';
import { MESSAGE_LIMITS, splitText } from '../../message-limits.ts';
import { contextOf, slackTextOf } from '../conversation.ts';
import type { SlackState } from '../state.ts';

/**
 * The app's Home tab: drawn afresh each time a member opens it (Slack sends `app_home_opened`), so
 * it shows their pictures as they are now. The Messages tab sends the same event, and is left alone.
 */
export function registerAppHome(app: App, state: SlackState): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    try {
      const context = await contextOf(state, event.user, event.user, event.channel, '');
      const sections = await state.bot.home(context);
      await state.client.views.publish({ user_id: event.user, view: { type: 'home', blocks: homeBlocks(state, sections) } });
    } catch (error) {
      state.logger.warn({ err: error, user: event.user }, 'could not draw the Slack Home tab');
    }
  });
}

/** A Home tab holds 100 blocks; a section's text, 3000 characters. */
const SECTION_TEXT_LIMIT = 3000;

export function homeBlocks(state: SlackState, sections: readonly HomeSection[]): KnownBlock[] {
  const intro = 'I paint your photos in the style of a painting, and send back a GIF of the picture emerging.';
  return [
    { type: 'header', text: { type: 'plain_text', text: 'impasto' } },
    { type: 'section', text: { type: 'mrkdwn', text: intro } },
    ...sections.flatMap((section): KnownBlock[] => [
      { type: 'divider' },
      { type: 'header', text: { type: 'plain_text', text: section.heading } },
      ...splitText(section.lines.map((line) => `${line.channelId ? `In <#${line.channelId}>: ` : ''}${slackTextOf(state, line.text)}`).join('\n'), Math.min(SECTION_TEXT_LIMIT, MESSAGE_LIMITS.slack)).map(
        (text): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } }),
      ),
    ]),
  ];
}
