import { stylizeArgsOfText } from '../../bot/commands/text.ts';
import { noPictureText, whichStyleHint, type WhereAsked } from '../../bot/format.ts';
import { contextOf, fetchFile, imageOf, linkedPictureHostOf, tell, threadStarterOf, type SlackMessageLike } from './conversation.ts';
import { stylize } from './guarded.ts';
import type { SlackState } from './state.ts';
import { stripMentions } from './text.ts';

/** A message that asks the bot to paint: a mention in a channel, or any message in a direct conversation with it. */
export interface PictureRequest extends SlackMessageLike {
  readonly ts: string;
  readonly text: string;
  readonly channel: string;
}

/** How to send a picture, in the words of where the member asked. */
const HOW_TO_SEND_A_PICTURE: Readonly<Record<WhereAsked, string>> = {
  mention: 'Mention me with a picture attached, or in the thread under one, with a style name: @impasto starry-night.',
  direct: 'Send me a picture with a style name (starry-night; see /impasto styles), or forward one to me, or write a style name in the thread under a picture here. /impasto help says all I can do.',
};

/**
 * Paints the picture the message brings (attached or forwarded), or the one its thread is under, in
 * the style its text names (`starry-night strength=8`; none: the member's saved style). The answer
 * goes in the picture's thread: the one the message is in, or the one it starts.
 */
export async function answerPictureRequest(state: SlackState, request: PictureRequest, where: WhereAsked): Promise<void> {
  const user = request.user ?? '';
  const args = stylizeArgsOfText(stripMentions(request.text));
  const own = await imageOf(state, request);
  const source = own ? request : request.thread_ts ? await threadStarterOf(state, request.channel, request.thread_ts) : undefined;
  if (!source) return tell(state, request.channel, user, HOW_TO_SEND_A_PICTURE[where]);
  const image = own ?? (await imageOf(state, source));
  if (!image) return tell(state, request.channel, user, noPictureText('The message this thread is under has no image.', linkedPictureHostOf(source)), request.thread_ts);
  const threadTs = request.thread_ts ?? request.ts;
  // No style named: the member's saved style, as in /stylize.
  if (!args.style_name && !state.bot.savedStyles.find({ platform: 'slack', userId: user })) {
    return tell(state, request.channel, user, whichStyleHint('/impasto styles', where), threadTs);
  }
  const context = { ...(await contextOf(state, user, user, request.channel, threadTs)), photoOwner: source.user };
  await stylize(state, context, args, { options: ['content'], fetch: async () => ({ content: await fetchFile(state, image, 'content image', 'content') }) });
}
