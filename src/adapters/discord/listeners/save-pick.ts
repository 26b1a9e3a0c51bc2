import type { StringSelectMenuInteraction } from 'discord.js';
import { whichPictureToKeepText } from '../../../bot/format.ts';
import type { DiscordState } from '../state.ts';
import { EXPIRED_SAVE, savedStyleAnswer } from './message-menu.ts';

/** The picture chosen in a "Use as style" prompt: fetched and saved as the member's style, said in place of the menu. */
export async function onSavePick(state: DiscordState, interaction: StringSelectMenuInteraction, key: string): Promise<void> {
  const pick = state.pendingPicks.get(key);
  const picture = pick?.pictures[Number(interaction.values[0])];
  if (!pick || pick.expires < state.now()) return void interaction.update({ content: EXPIRED_SAVE, components: [] });
  // Only the menu's own values name a picture.
  if (!picture) return void interaction.update({ content: whichPictureToKeepText(pick.pictures.length) });
  state.pendingPicks.delete(key);
  await interaction.update({ content: `Saving ${picture.name}…`, components: [] });
  await interaction.editReply({ content: await savedStyleAnswer(state, interaction.user.id, picture) });
}
