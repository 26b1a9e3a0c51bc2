import type { App, MessageShortcut } from '@slack/bolt';
import { imagesOf, linkedPictureHostOf, MOST_PICTURES, saidCannotPostIn, tell, type SlackMessageLike } from '../conversation.ts';
import { noPictureText } from '../../../bot/format.ts';
import { guarded } from '../guarded.ts';
import { fileRefOf, stylizeModal } from '../modal.ts';
import { IDS, type SlackState } from '../state.ts';

/** "Stylize with…" on a message with an image opens the stylize modal (which picture, when it has several; the member's saved style first). */
export function registerShortcut(app: App, state: SlackState): void {
  app.shortcut<MessageShortcut>(IDS.stylizeShortcut, async ({ shortcut, ack, respond }) => {
    await ack();
    if (await saidCannotPostIn(state, shortcut.channel.id, respond)) return;
    await guarded(state, shortcut.channel.id, shortcut.user.id, () => openStylizeModal(state, shortcut));
  });
}

async function openStylizeModal(state: SlackState, shortcut: MessageShortcut): Promise<void> {
  const message = shortcut.message as SlackMessageLike;
  const pictures = (await imagesOf(state, message, MOST_PICTURES)).map(fileRefOf);
  const first = pictures[0];
  if (!first) return tell(state, shortcut.channel.id, shortcut.user.id, noPictureText('That message has no image. Use "Stylize with…" on a message with a picture.', linkedPictureHostOf(message)));
  const threadTs = message.thread_ts ?? shortcut.message.ts;
  const saved = state.bot.savedStyles.find({ platform: 'slack', userId: shortcut.user.id });
  await state.client.views.open({ trigger_id: shortcut.trigger_id, view: stylizeModal(state.bot, state.community, { channel: shortcut.channel.id, threadTs, file: first, photoOwner: message.user }, saved, pictures) });
}
