import type { App, MessageShortcut } from '@slack/bolt';
import { describeFailure, replyOrRefusal } from '../../../bot/errors.ts';
import { savedStyleText } from '../../../bot/styles/saved.ts';
import { fetchFile, imageOf, linkedPictureHostOf, slackTextOf, type SlackMessageLike } from '../conversation.ts';
import { noPictureText } from '../../../bot/format.ts';
import { IDS, type SlackState } from '../state.ts';

/** "Use as style" on a message with an image saves it as the member's style, offered first in "Stylize with…". */
export function registerUseAsStyle(app: App, state: SlackState): void {
  app.shortcut<MessageShortcut>(IDS.useAsStyleShortcut, async ({ shortcut, ack, respond }) => {
    await ack();
    // Answered through the response URL, which works where the bot is not a member.
    const text = await saveStyle(state, shortcut).catch((error: unknown) => {
      state.logger.error({ err: error }, 'slack: could not save a style');
      return describeFailure(error);
    });
    await respond({ response_type: 'ephemeral', text: slackTextOf(state, text) });
  });
}

/** Fetches and keeps the image now (checked as a style), so that it outlives a restart; says what happened. */
async function saveStyle(state: SlackState, shortcut: MessageShortcut): Promise<string> {
  const message = shortcut.message as SlackMessageLike;
  const reply = await replyOrRefusal(async () => {
    const image = await imageOf(state, message);
    if (!image) return { text: noPictureText('That message has no image. Use "Use as style" on a message with a painting.', linkedPictureHostOf(message)) };
    const saved = await state.bot.savedStyles.save({ platform: 'slack', userId: shortcut.user.id }, await fetchFile(state, image, 'style image', 'style'));
    return { text: savedStyleText(saved) };
  });
  return reply.text;
}
