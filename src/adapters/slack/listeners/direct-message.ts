import type { App, KnownEventFromType } from '@slack/bolt';
import { guarded } from '../guarded.ts';
import { answerPictureRequest, type PictureRequest } from '../picture-request.ts';
import type { SlackState } from '../state.ts';

/**
 * In the app's Messages tab (a direct conversation with the bot) no mention is needed: a picture
 * sent or forwarded with `starry-night` is painted, in its thread, as a mention is in a channel; so
 * is the picture a thread is under when a style is written in the thread.
 */
export function registerDirectMessage(app: App, state: SlackState): void {
  app.event('message', async ({ event }) => {
    const request = directRequestOf(event);
    if (request) await guarded(state, request.channel, request.user, () => answerPictureRequest(state, request, 'direct'), request.thread_ts);
  });
}

/** A member's new messages: plain, with files, or a thread reply also sent to the conversation. */
const MEMBER_MESSAGES: ReadonlySet<string | undefined> = new Set([undefined, 'file_share', 'thread_broadcast']);

/**
 * A member's new message in a direct conversation with the bot, or undefined for anything else that
 * arrives as a message event: channels' messages, edits, deletions, joins. (Bolt has already dropped
 * the bot's own posts, by the ids auth.test gave it.)
 */
export function directRequestOf(event: KnownEventFromType<'message'>): (PictureRequest & { readonly user: string }) | undefined {
  if (event.channel_type !== 'im' || !MEMBER_MESSAGES.has(event.subtype)) return undefined;
  const user = 'user' in event ? event.user : undefined;
  return user ? { ...event, user, text: ('text' in event ? event.text : undefined) ?? '' } : undefined;
}
