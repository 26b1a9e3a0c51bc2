import { stylizeArgsOfText } from '../../bot/commands/text.ts';
import { pictureToFetch } from '../../bot/commands/images.ts';
import { noPictureText, whichStyleHint, withPicturesLeft, type WhereAsked } from '../../bot/format.ts';
import { contextOf, fetchFile, imagesOf, linkedPictureHostOf, MOST_PICTURES, tell, threadStarterOf, type SlackMessageLike } from './conversation.ts';
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
 * Paints the pictures the message brings (attached or forwarded), or those of the message its thread
 * is under, in the style its text names (`starry-night strength=8`; none: the member's saved style),
 * each as a job of its own. The answers go in the pictures' thread: the one the message is in, or the
 * one it starts.
 */
export async function answerPictureRequest(state: SlackState, request: PictureRequest, where: WhereAsked): Promise<void> {
  const user = request.user ?? '';
  const args = stylizeArgsOfText(stripMentions(request.text));
  const own = await imagesOf(state, request, MOST_PICTURES);
  const source = own.length > 0 ? request : request.thread_ts ? await threadStarterOf(state, request.channel, request.thread_ts) : undefined;
  if (!source) return tell(state, request.channel, user, HOW_TO_SEND_A_PICTURE[where]);
  const images = own.length > 0 ? own : await imagesOf(state, source, MOST_PICTURES);
  if (images.length === 0) return tell(state, request.channel, user, noPictureText('The message this thread is under has no image.', linkedPictureHostOf(source)), request.thread_ts);
  const threadTs = request.thread_ts ?? request.ts;
  // No style named: the member's saved style, as in /stylize.
  if (!args.style_name && !state.bot.savedStyles.find({ platform: 'slack', userId: user })) {
    return tell(state, request.channel, user, whichStyleHint('/impasto styles', where), threadTs);
  }
  const context = { ...(await contextOf(state, user, user, request.channel, threadTs)), photoOwner: source.user };
  for (const [index, image] of images.entries()) {
    // A refusal of the request itself (an unknown style, a limit reached) would hold for the rest too:
    // said once, with the pictures left. A picture that cannot be painted is said, and the next goes on.
    const refusal = state.bot.precheck('stylize', { ...args, content: pictureToFetch(image.name ?? 'image') }, context);
    if (refusal) return tell(state, request.channel, user, withPicturesLeft(refusal.text, images.length - index - 1), threadTs);
    await stylize(state, context, args, { options: ['content'], fetch: async () => ({ content: await fetchFile(state, image, 'content image', 'content') }) });
  }
}
