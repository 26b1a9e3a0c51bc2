import type { AutocompleteInteraction } from 'discord.js';
import type { DiscordState } from '../state.ts';

/** Style names as the user types (Discord shows at most 25). */
export async function onAutocomplete(state: DiscordState, interaction: AutocompleteInteraction): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const names = state.bot.library.suggest(String(focused.value));
  await interaction.respond(names.slice(0, 25).map((name) => ({ name, value: name })));
}
