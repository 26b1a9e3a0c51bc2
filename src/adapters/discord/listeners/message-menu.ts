import { randomBytes } from 'node:crypto';
import { ActionRowBuilder, MessageFlags, StringSelectMenuBuilder, type MessageContextMenuCommandInteraction } from 'discord.js';
import { tellPrivately } from '../answer.ts';
import { STYLIZE_WITH, USE_AS_STYLE } from '../application-commands.ts';
import { checkCanPostFiles } from '../attachments.ts';
import { communityOf } from '../interaction-context.ts';
import { styleChoiceLabel } from '../../../bot/styles/library.ts';
import type { DiscordState } from '../state.ts';

export const REMEMBERED = '__remembered__';
export const OTHER_MESSAGE = '__other__';

/**
 * A message's Apps menu: "Use as style" remembers its image; "Stylize with…" offers the styles (the
 * remembered one first) in a menu whose choice `onStylePick` handles.
 */
export async function onMessageCommand(state: DiscordState, interaction: MessageContextMenuCommandInteraction): Promise<void> {
  const image = interaction.targetMessage.attachments.find((attachment) => /^(image|video)\//.test(attachment.contentType ?? ''));
  if (!image) return tellPrivately(interaction, 'That message has no image attached.');
  if (interaction.commandName === USE_AS_STYLE) {
    state.rememberedStyles.set(interaction.user.id, { url: image.url, name: image.name });
    return tellPrivately(interaction, `Saved ${image.name} as your style: pick "your saved style" in ${STYLIZE_WITH} on any picture.`);
  }
  const problem = checkCanPostFiles(interaction);
  if (problem) return tellPrivately(interaction, problem);
  const key = randomBytes(6).toString('base64url');
  state.pendingPicks.set(key, { url: image.url, name: image.name, postedBy: interaction.targetMessage.author.id, expires: state.now() + state.lifetimeMs });
  const menu = new StringSelectMenuBuilder().setCustomId(`impasto:pick:${key}`).setPlaceholder('Choose a style');
  const remembered = state.rememberedStyles.get(interaction.user.id);
  if (remembered) menu.addOptions({ label: `Your saved style (${remembered.name})`.slice(0, 100), value: REMEMBERED });
  for (const style of state.bot.library.in(communityOf(interaction)).list().slice(0, remembered ? 23 : 24)) menu.addOptions({ label: styleChoiceLabel(style), description: style.title.slice(0, 100), value: style.name });
  menu.addOptions({ label: 'Use an image from another message…', value: OTHER_MESSAGE });
  await interaction.reply({
    content: `Paint **${image.name}** in which style?`,
    components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu)],
    flags: MessageFlags.Ephemeral,
  });
}
