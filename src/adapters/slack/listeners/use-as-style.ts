import type { App, BlockAction, MessageShortcut, StaticSelectAction } from '@slack/bolt';
import { refusalOf, replyOrRefusal } from '../../../bot/errors.ts';
import { savedStyleText } from '../../../bot/styles/saved.ts';
import { chosenFileOf, fetchFile, imagesOf, linkedPictureHostOf, MOST_PICTURES, slackTextOf, type SlackFile, type SlackMessageLike } from '../conversation.ts';
import { noPictureText, pictureChoiceLabel, whichPictureToKeepText } from '../../../bot/format.ts';
import { describeSlackFailure, logSlackFailure } from '../render.ts';
import { IDS, type SlackState } from '../state.ts';

/**
 * "Use as style" on a message with an image saves it as the member's style, offered first in
 * "Stylize with…"; on a message with several, it asks which first (a menu, whose choice is saved).
 * Answered through the response URL, which works where the bot is not a member.
 */
export function registerUseAsStyle(app: App, state: SlackState): void {
  app.shortcut<MessageShortcut>(IDS.useAsStyleShortcut, async ({ shortcut, ack, respond }) => {
    await ack();
    const answer = await answerUseAsStyle(state, shortcut).catch((error: unknown) => {
      logSlackFailure(state.logger, error, 'slack: could not save a style');
      return { text: describeSlackFailure(error) };
    });
    await respond({ response_type: 'ephemeral', ...answer, text: slackTextOf(state, answer.text) });
  });

  app.action<BlockAction<StaticSelectAction>>(IDS.keepPicture, async ({ ack, action, body, respond }) => {
    await ack();
    const text = await keepChosenPicture(state, body.user.id, action.selected_option.value).catch((error: unknown) => {
      logSlackFailure(state.logger, error, 'slack: could not save a style');
      return describeSlackFailure(error);
    });
    await respond({ response_type: 'ephemeral', replace_original: true, text: slackTextOf(state, text) });
  });
}

/** The picture chosen in "Use as style"'s menu, saved; what was saved, or why not. */
async function keepChosenPicture(state: SlackState, userId: string, id: string): Promise<string> {
  // Slack sends only the values the menu offered; files.info says what the file is, and whether the bot may read it.
  return (await replyOrRefusal(async () => ({ text: await saveStyle(state, userId, await chosenFileOf(state, id, 'Choose Use as style on the message again.')) }))).text;
}

/** The answer to "Use as style": the style saved, which picture to keep (a message with several), or why not. */
async function answerUseAsStyle(state: SlackState, shortcut: MessageShortcut): Promise<{ text: string; blocks?: unknown[] }> {
  const message = shortcut.message as SlackMessageLike;
  try {
    const pictures = await imagesOf(state, message, MOST_PICTURES);
    const first = pictures[0];
    if (!first) return { text: noPictureText('That message has no image. Use "Use as style" on a message with a painting.', linkedPictureHostOf(message)) };
    if (pictures.length > 1) return whichToKeep(pictures);
    return { text: await saveStyle(state, shortcut.user.id, first) };
  } catch (error) {
    const refusal = refusalOf(error);
    if (!refusal) throw error;
    return { text: refusal.text };
  }
}

/** A menu of the message's pictures: the one chosen is saved (`IDS.keepPicture`). */
function whichToKeep(pictures: readonly SlackFile[]): { text: string; blocks: unknown[] } {
  const text = whichPictureToKeepText(pictures.length);
  const options = pictures.map((picture, index) => ({ text: { type: 'plain_text', text: pictureChoiceLabel(index, picture.name ?? 'image').slice(0, 75) }, value: picture.id ?? '' }));
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'plain_text', text } },
      { type: 'actions', elements: [{ type: 'static_select', action_id: IDS.keepPicture, placeholder: { type: 'plain_text', text: 'Which picture' }, options }] },
    ],
  };
}

/** Fetches and keeps the image now (checked as a style), so that it outlives a restart; says what was saved. */
async function saveStyle(state: SlackState, userId: string, image: SlackFile): Promise<string> {
  const saved = await state.bot.savedStyles.save({ platform: 'slack', userId }, await fetchFile(state, image, 'style image', 'style'));
  return savedStyleText(saved);
}
