import type { App } from '@slack/bolt';
import { contextOf, fetchFile, imageOf, linkedPictureHostOf, tell, threadStarterOf } from '../conversation.ts';
import { noPictureText } from '../../../bot/format.ts';
import { guarded, stylize } from '../guarded.ts';
import type { SlackState } from '../state.ts';
import { stripMentions } from '../text.ts';

interface Mention {
  readonly user?: string | undefined;
  readonly thread_ts?: string | undefined;
  readonly text: string;
  readonly channel: string;
}

/** `@impasto starry-night` in the thread under an image paints that image (`@impasto` alone: with the member's saved style). */
export function registerMention(app: App, state: SlackState): void {
  app.event('app_mention', async ({ event }) => {
    await guarded(state, event.channel, event.user ?? '', () => runMention(state, event), event.thread_ts);
  });
}

async function runMention(state: SlackState, event: Mention): Promise<void> {
  const user = event.user ?? '';
  const threadTs = event.thread_ts;
  const style = stripMentions(event.text).split(/\s+/)[0];
  if (!threadTs) return tell(state, event.channel, user, 'Mention me in the thread under an image, with a style name: @impasto starry-night.');
  const starter = await threadStarterOf(state, event.channel, threadTs);
  const image = await imageOf(state, starter);
  if (!image) return tell(state, event.channel, user, noPictureText('The message this thread is under has no image.', linkedPictureHostOf(starter)), threadTs);
  // No style named: the member's saved style, as in /stylize.
  if (!style && !state.bot.savedStyles.find({ platform: 'slack', userId: user })) {
    return tell(state, event.channel, user, 'Which style? Mention me with a style name, e.g. @impasto starry-night (see /impasto styles), or save a painting with Use as style (on its message) to be painted with it by default.', threadTs);
  }
  const context = { ...(await contextOf(state, user, user, event.channel, threadTs)), photoOwner: starter?.user };
  await stylize(state, context, style ? { style_name: style } : {}, async () => ({ content: await fetchFile(state, image, 'content image', 'content') }));
}
