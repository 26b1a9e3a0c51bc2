import type { StringSelectMenuInteraction } from 'discord.js';
import type { DiscordState } from '../state.ts';
import { EXPIRED_PICK, pickPrompt } from './message-menu.ts';

/**
 * Another of a message's pictures chosen in a "Stylize with…" prompt: the prompt says which, and
 * the style chosen next paints it.
 */
export async function onPicturePick(state: DiscordState, interaction: StringSelectMenuInteraction, key: string): Promise<void> {
  const pick = state.pendingPicks.get(key);
  if (!pick || pick.expires < state.now()) return void interaction.update({ content: EXPIRED_PICK, components: [] });
  const chosen = Number(interaction.values[0]);
  // Only the menu's own values name a picture; anything else leaves the choice as it was.
  const updated = Number.isInteger(chosen) && pick.pictures[chosen] ? { ...pick, chosen } : pick;
  state.pendingPicks.set(key, updated);
  await interaction.update(pickPrompt(state, interaction, key, updated));
}
