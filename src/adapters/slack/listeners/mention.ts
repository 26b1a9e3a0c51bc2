import type { App } from '@slack/bolt';
import { contextOf, fetchFile, imageOf, linkedPictureHostOf, tell, threadStarterOf, type SlackFile } from '../conversation.ts';
import { whichStyleHint, noPictureText } from '../../../bot/format.ts';
import { stylizeArgsOfText } from '../../../bot/commands/text.ts';
import { guarded, stylize } from '../guarded.ts';
import type { SlackState } from '../state.ts';
import { stripMentions } from '../text.ts';

interface Mention {
  readonly user?: string | undefined;
  readonly ts: string;
  readonly thread_ts?: string | undefined;
  readonly text: string;
  readonly channel: string;
  /** A picture sent with the mention itself. */
  readonly files?: readonly SlackFile[] | undefined;
}

/**
 * `@impasto starry-night` with a picture attached paints it, in its thread; in the thread under a
 * picture, it paints that one (`@impasto` alone: with the member's saved style). Options follow as
 * in /stylize: `@impasto starry-night strength=8 size=1536`.
 */
export function registerMention(app: App, state: SlackState): void {
  app.event('app_mention', async ({ event }) => {
    await guarded(state, event.channel, event.user ?? '', () => runMention(state, event), event.thread_ts);
  });
}

async function runMention(state: SlackState, event: Mention): Promise<void> {
  const user = event.user ?? '';
  const args = stylizeArgsOfText(stripMentions(event.text));
  const own = await imageOf(state, event);
  const source = own ? event : event.thread_ts ? await threadStarterOf(state, event.channel, event.thread_ts) : undefined;
  if (!source) return tell(state, event.channel, user, 'Mention me with a picture attached, or in the thread under one, with a style name: @impasto starry-night.');
  const image = own ?? (await imageOf(state, source));
  if (!image) return tell(state, event.channel, user, noPictureText('The message this thread is under has no image.', linkedPictureHostOf(source)), event.thread_ts);
  // The answer goes in the picture's thread: the one the mention is in, or the one it starts.
  const threadTs = event.thread_ts ?? event.ts;
  // No style named: the member's saved style, as in /stylize.
  if (!args.style_name && !state.bot.savedStyles.find({ platform: 'slack', userId: user })) {
    return tell(state, event.channel, user, whichStyleHint('/impasto styles'), threadTs);
  }
  const context = { ...(await contextOf(state, user, user, event.channel, threadTs)), photoOwner: source.user };
  await stylize(state, context, args, async () => ({ content: await fetchFile(state, image, 'content image', 'content') }));
}
