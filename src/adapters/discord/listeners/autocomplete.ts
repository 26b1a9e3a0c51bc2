import type { AutocompleteInteraction } from 'discord.js';
import { styleChoiceLabel } from '../../../bot/styles/library.ts';
import { communityOf } from '../interaction-context.ts';
import type { DiscordState } from '../state.ts';

/** Style names as the user types (Discord shows at most 25), the ones with a fast network marked. */
export async function onAutocomplete(state: DiscordState, interaction: AutocompleteInteraction): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const styles = state.bot.library.in(communityOf(interaction)).suggest(String(focused.value));
  await interaction.respond(styles.slice(0, 25).map((style) => ({ name: styleChoiceLabel(style), value: style.name })));
}
