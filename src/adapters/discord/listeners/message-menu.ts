import { randomBytes } from 'node:crypto';
import { ActionRowBuilder, MessageFlags, StringSelectMenuBuilder, type Attachment, type MessageContextMenuCommandInteraction } from 'discord.js';
import { replyOrRefusal } from '../../../bot/errors.ts';
import { tellPrivately } from '../answer.ts';
import { USE_AS_STYLE } from '../application-commands.ts';
import { checkCanPostFiles, fetchAttachment, linkedPictureHostOf, pictureAttachmentOf } from '../attachments.ts';
import { noPictureText } from '../../../bot/format.ts';
import { communityOf } from '../interaction-context.ts';
import { styleChoiceLabel } from '../../../bot/styles/library.ts';
import { savedStyleLabel, savedStyleText } from '../../../bot/styles/saved.ts';
import type { DiscordState } from '../state.ts';

export const SAVED_STYLE = '__saved__';
export const OTHER_MESSAGE = '__other__';

/**
 * A message's Apps menu: "Use as style" saves its image as the member's style; "Stylize with…" offers
 * the styles (the saved one first) in a menu whose choice `onStylePick` handles.
 */
export async function onMessageCommand(state: DiscordState, interaction: MessageContextMenuCommandInteraction): Promise<void> {
  const image = pictureAttachmentOf(interaction.targetMessage);
  if (!image) return tellPrivately(interaction, noPictureText('That message has no image attached.', linkedPictureHostOf(interaction.targetMessage)));
  if (interaction.commandName === USE_AS_STYLE) return saveStyle(state, interaction, image);
  const problem = checkCanPostFiles(interaction);
  if (problem) return tellPrivately(interaction, problem);
  const key = randomBytes(6).toString('base64url');
  state.pendingPicks.set(key, { url: image.url, name: image.name, postedBy: interaction.targetMessage.author.id, expires: state.now() + state.lifetimeMs });
  const menu = new StringSelectMenuBuilder().setCustomId(`impasto:pick:${key}`).setPlaceholder('Choose a style');
  const saved = state.bot.savedStyles.find({ platform: 'discord', userId: interaction.user.id });
  if (saved) menu.addOptions({ label: savedStyleLabel(saved).slice(0, 100), value: SAVED_STYLE });
  for (const style of state.bot.library.in(communityOf(interaction)).list().slice(0, saved ? 23 : 24)) menu.addOptions({ label: styleChoiceLabel(style), description: style.title.slice(0, 100), value: style.name });
  menu.addOptions({ label: 'Use an image from another message…', value: OTHER_MESSAGE });
  await interaction.reply({
    content: `Paint **${image.name}** in which style?`,
    components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu)],
    flags: MessageFlags.Ephemeral,
  });
}

/**
 * Fetches and keeps the image now (checked as a style, re-encoded), so that it outlives a restart
 * and Discord's expiring attachment links. The answer waits for that, privately.
 */
async function saveStyle(state: DiscordState, interaction: MessageContextMenuCommandInteraction, image: Attachment): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const reply = await replyOrRefusal(async () => {
    const saved = await state.bot.savedStyles.save({ platform: 'discord', userId: interaction.user.id }, await fetchAttachment(state.env, image, 'style image', 'style'));
    return { text: savedStyleText(saved) };
  });
  await interaction.editReply({ content: reply.text });
}
