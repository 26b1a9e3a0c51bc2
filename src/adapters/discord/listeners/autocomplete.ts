import type { AutocompleteInteraction } from 'discord.js';
import { styleChoiceLabel } from '../../../bot/styles/library.ts';
import { SAVED_STYLE_NAME, savedStyleLabel } from '../../../bot/styles/saved.ts';
import { communityOf } from '../interaction-context.ts';
import type { DiscordState } from '../state.ts';

/**
 * Style names as the user types (Discord shows at most 25), the ones with a fast network marked; in
 * /stylize's style_name, the member's saved style first while what is typed could be its name.
 */
export async function onAutocomplete(state: DiscordState, interaction: AutocompleteInteraction): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const typed = String(focused.value);
  const styles = state.bot.library.in(communityOf(interaction)).suggest(typed);
  const choices = styles.map((style) => ({ name: styleChoiceLabel(style), value: style.name }));
  const saved = interaction.commandName === 'stylize' && focused.name === 'style_name' && SAVED_STYLE_NAME.startsWith(typed.trim().toLowerCase()) ? state.bot.savedStyles.find({ platform: 'discord', userId: interaction.user.id }) : undefined;
  if (saved) choices.unshift({ name: `${SAVED_STYLE_NAME} · ${savedStyleLabel(saved)}`.slice(0, 100), value: SAVED_STYLE_NAME });
  await interaction.respond(choices.slice(0, 25));
}
