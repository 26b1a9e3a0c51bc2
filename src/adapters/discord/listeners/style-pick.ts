import { MessageFlags, type StringSelectMenuInteraction } from 'discord.js';
import { pictureToFetch } from '../../../bot/commands/images.ts';
import { replyOrRefusal } from '../../../bot/errors.ts';
import { SAVED_STYLE_NAME } from '../../../bot/styles/saved.ts';
import { USE_AS_STYLE, STYLIZE_WITH } from '../application-commands.ts';
import { showReply } from '../answer.ts';
import { fetchAttachment, sizeProblemOf } from '../attachments.ts';
import { contextOf } from '../interaction-context.ts';
import type { DiscordState } from '../state.ts';
import { EXPIRED_PICK, OTHER_MESSAGE, SAVED_STYLE } from './message-menu.ts';

/** The style chosen in a "Stylize with…" menu: the job answers in a public follow-up message. */
export async function onStylePick(state: DiscordState, interaction: StringSelectMenuInteraction, menuId: string): Promise<void> {
  // `<key>.<menu>`: a long library is offered in several menus of one pick (menus before those had the key alone).
  const key = menuId.split('.')[0]!;
  const pick = state.pendingPicks.get(key);
  const choice = interaction.values[0] ?? '';
  if (!pick || pick.expires < state.now()) return void interaction.update({ content: EXPIRED_PICK, components: [] });
  if (choice === OTHER_MESSAGE) {
    return void interaction.update({
      content: `Open the menu of the message that has the style image (right-click, or long-press) → Apps → **${USE_AS_STYLE}**, then use **${STYLIZE_WITH}** on this picture again.`,
      components: [],
    });
  }
  state.pendingPicks.delete(key);
  const picture = pick.pictures[pick.chosen]!;
  const raw = { style_name: choice === SAVED_STYLE ? SAVED_STYLE_NAME : choice };
  // A limit reached (a picture too large, or a style removed since the menu opened) is said in place of the menu, before the picture is fetched.
  const refusal = sizeProblemOf(state.env, picture, 'content image') ?? state.bot.precheck('stylize', { ...raw, content: pictureToFetch(picture.name) }, { ...contextOf(interaction, ''), photoOwner: pick.postedBy })?.text;
  if (refusal) return void (await interaction.update({ content: refusal, components: [] }));
  await interaction.update({ content: `Painting ${picture.name}…`, components: [] });
  const message = await interaction.followUp({ content: 'Fetching the images…' });
  const reply = await replyOrRefusal(async () => {
    const content = await fetchAttachment(state.env, picture, 'content image', 'content');
    return state.bot.execute('stylize', { ...raw, content }, { ...contextOf(interaction, message.id), photoOwner: pick.postedBy });
  });
  if (reply.refusal) {
    await interaction.webhook.deleteMessage(message.id).catch(() => undefined);
    await interaction.followUp({ content: reply.text, flags: MessageFlags.Ephemeral });
    return;
  }
  await showReply(state, reply, (components) => interaction.webhook.editMessage(message.id, { content: reply.text, components }));
}
