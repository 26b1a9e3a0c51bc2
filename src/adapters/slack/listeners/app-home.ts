import type { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/web-api';
import type { HomeSection } from '../../../bot/home.ts';
import type { JobEvent } from '../../../bot/jobs/queue.ts';
import { MESSAGE_LIMITS, splitText } from '../../message-limits.ts';
import { contextOf, slackTextOf } from '../conversation.ts';
import type { SlackState } from '../state.ts';

/**
 * The app's Home tab: drawn when a member opens it (Slack sends `app_home_opened`), and again as
 * their jobs start and end (`redrawHomesOnJobEvents`), so that it shows their pictures as they are.
 * The Messages tab sends the same event, and is left alone.
 */
export function registerAppHome(app: App, state: SlackState): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    state.homeViewers.set(event.user, event.channel);
    await drawHome(state, event.user, event.channel);
  });
}

/** The job events that change what a member's Home tab says of their pictures (not each step of progress). */
const REDRAWN_ON: ReadonlySet<JobEvent['type']> = new Set(['queued', 'started', 'succeeded', 'failed', 'cancelled']);
/** Events that come together (a job ending and the next starting) are drawn once. */
const REDRAW_DELAY_MS = 1000;

/** Draws a member's Home tab again when one of their jobs starts or ends, if they have opened it; returns the stop. */
export function redrawHomesOnJobEvents(state: SlackState): () => void {
  const pending = new Map<string, NodeJS.Timeout>();
  const stopListening = state.bot.onEvent((event) => {
    const { platform, community, userId } = event.job.requester;
    if (!REDRAWN_ON.has(event.type) || platform !== 'slack' || community !== state.community) return;
    const channel = state.homeViewers.get(userId);
    if (channel === undefined || pending.has(userId)) return;
    const timer = setTimeout(() => {
      pending.delete(userId);
      void drawHome(state, userId, channel);
    }, REDRAW_DELAY_MS);
    pending.set(userId, timer.unref());
  });
  return () => {
    stopListening();
    for (const timer of pending.values()) clearTimeout(timer);
    pending.clear();
  };
}

async function drawHome(state: SlackState, user: string, channel: string): Promise<void> {
  try {
    const context = await contextOf(state, user, user, channel, '');
    const sections = await state.bot.home(context);
    await state.client.views.publish({ user_id: user, view: { type: 'home', blocks: homeBlocks(state, sections) } });
  } catch (error) {
    state.logger.warn({ err: error, user }, 'could not draw the Slack Home tab');
  }
}

/** A Home tab's blocks: a section's text within Slack's limit for one (`MESSAGE_LIMITS.slack` is that limit). */
export function homeBlocks(state: SlackState, sections: readonly HomeSection[]): KnownBlock[] {
  const intro = 'I paint your photos in the style of a painting, and send back a GIF of the picture emerging.';
  return [
    { type: 'header', text: { type: 'plain_text', text: 'impasto' } },
    { type: 'section', text: { type: 'mrkdwn', text: intro } },
    ...sections.flatMap((section): KnownBlock[] => [
      { type: 'divider' },
      { type: 'header', text: { type: 'plain_text', text: section.heading } },
      ...splitText(section.lines.map((line) => `${line.channelId ? `In <#${line.channelId}>: ` : ''}${slackTextOf(state, line.text)}`).join('\n'), MESSAGE_LIMITS.slack).map(
        (text): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } }),
      ),
    ]),
  ];
}
