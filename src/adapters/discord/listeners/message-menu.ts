import { randomBytes } from 'node:crypto';
import { ActionRowBuilder, MessageFlags, StringSelectMenuBuilder, type Attachment, type Interaction, type MessageContextMenuCommandInteraction } from 'discord.js';
import { replyOrRefusal } from '../../../bot/errors.ts';
import { tellPrivately } from '../answer.ts';
import { USE_AS_STYLE } from '../application-commands.ts';
import { checkCanPostFiles, fetchAttachment, linkedPictureHostOf, pictureAttachmentsOf, sizeProblemOf } from '../attachments.ts';
import { noPictureText, pictureChoiceLabel, whichPictureToKeepText } from '../../../bot/format.ts';
import { inGroupsOf } from '../../message-limits.ts';
import { communityOf } from '../interaction-context.ts';
import { styleChoiceLabel } from '../../../bot/styles/library.ts';
import { savedStyleLabel, savedStyleText } from '../../../bot/styles/saved.ts';
import type { DiscordState, PendingPick } from '../state.ts';

export const SAVED_STYLE = '__saved__';
export const OTHER_MESSAGE = '__other__';

/**
 * A message's Apps menu: "Use as style" saves its image as the member's style; "Stylize with…" offers
 * the styles (the saved one first) in a menu whose choice `onStylePick` handles, and, when the
 * message has several pictures, which of them to paint (`onPicturePick`).
 */
export async function onMessageCommand(state: DiscordState, interaction: MessageContextMenuCommandInteraction): Promise<void> {
  const pictures = pictureAttachmentsOf(interaction.targetMessage);
  const image = pictures[0];
  if (!image) return tellPrivately(interaction, noPictureText('That message has no image attached.', linkedPictureHostOf(interaction.targetMessage)));
  if (interaction.commandName === USE_AS_STYLE) return pictures.length > 1 ? askWhichToSave(state, interaction, pictures) : saveStyle(state, interaction, image);
  // A single picture too large is refused before any style is asked for (of several, another may be chosen).
  const problem = checkCanPostFiles(interaction) ?? (pictures.length === 1 ? sizeProblemOf(state.env, image, 'content image') : undefined);
  if (problem) return tellPrivately(interaction, problem);
  const { key, pick } = rememberPick(state, interaction, pictures);
  await interaction.reply({ ...pickPrompt(state, interaction, key, pick), flags: MessageFlags.Ephemeral });
}

export const EXPIRED_PICK = 'This choice has expired; use Stylize with… again.';
export const EXPIRED_SAVE = 'This choice has expired; choose Use as style on the message again.';

/** The message's pictures, kept under a new key until the member chooses (or the prompt's time is past). */
function rememberPick(state: DiscordState, interaction: MessageContextMenuCommandInteraction, pictures: readonly Attachment[]): { key: string; pick: PendingPick } {
  const key = randomBytes(6).toString('base64url');
  const pick: PendingPick = {
    pictures: pictures.slice(0, MAX_PICTURES).map(({ url, name, size }) => ({ url, name, size })),
    chosen: 0,
    postedBy: interaction.targetMessage.author.id,
    expires: state.now() + state.lifetimeMs,
  };
  // A prompt left unanswered is never asked again: those past their time go as the next one comes.
  for (const [other, waiting] of state.pendingPicks) if (waiting.expires < state.now()) state.pendingPicks.delete(other);
  state.pendingPicks.set(key, pick);
  return { key, pick };
}

/** "Use as style" on a message with several pictures: which to save, in a menu whose choice `onSavePick` saves. */
async function askWhichToSave(state: DiscordState, interaction: MessageContextMenuCommandInteraction, pictures: readonly Attachment[]): Promise<void> {
  const { key, pick } = rememberPick(state, interaction, pictures);
  await interaction.reply({ content: whichPictureToKeepText(pick.pictures.length), components: [pictureMenu(`impasto:keep:${key}`, pick.pictures)], flags: MessageFlags.Ephemeral });
}

/**
 * "Stylize with…"'s question and its menus: which picture, first, when the message has several
 * (each row holds one menu, so the styles then have one menu fewer), then the styles.
 */
export function pickPrompt(state: DiscordState, interaction: Interaction, key: string, pick: PendingPick): { content: string; components: ActionRowBuilder<StringSelectMenuBuilder>[] } {
  const saved = state.bot.savedStyles.find({ platform: 'discord', userId: interaction.user.id });
  const styles = state.bot.library.in(communityOf(interaction)).list();
  const pictureRows = pick.pictures.length > 1 ? [pictureMenu(`impasto:picture:${key}`, pick.pictures, pick.chosen)] : [];
  const room = (MENUS - pictureRows.length) * OPTIONS_PER_MENU - (saved ? 2 : 1);
  const choices: MenuChoice[] = [
    ...(saved ? [{ label: savedStyleLabel(saved).slice(0, 100), value: SAVED_STYLE }] : []),
    ...styles.slice(0, room).map((style) => ({ label: styleChoiceLabel(style), description: style.title.slice(0, 100), value: style.name })),
    { label: 'Use an image from another message…', value: OTHER_MESSAGE },
  ];
  const left = styles.length - Math.min(room, styles.length);
  const picture = pick.pictures[pick.chosen]!;
  const which = pick.pictures.length > 1 ? ` (picture ${pick.chosen + 1} of ${pick.pictures.length}; another in the first menu)` : '';
  return {
    content: `Paint **${picture.name}**${which} in which style?${left > 0 ? ` (${left} more not listed: name one with /stylize style_name:<name>.)` : ''}`,
    components: [...pictureRows, ...styleMenus(key, choices)],
  };
}

interface MenuChoice {
  readonly label: string;
  readonly description?: string;
  readonly value: string;
}

/** Discord's most: options to a select menu, rows (each holding one menu) to a message, and attachments to a message. */
const OPTIONS_PER_MENU = 25;
const MENUS = 5;
const MAX_PICTURES = 10;

/**
 * The choices in as many menus as they need, each labelled with the styles it runs from and to when
 * there are several: one menu of 25 left every style after the 24th out of reach. Each menu's id
 * carries the pick's key and its place (ids are unique within a message).
 */
function styleMenus(key: string, choices: readonly MenuChoice[]): ActionRowBuilder<StringSelectMenuBuilder>[] {
  const parts = inGroupsOf(choices, OPTIONS_PER_MENU);
  return parts.map((options, index) => {
    const named = options.filter((option) => option.value !== SAVED_STYLE && option.value !== OTHER_MESSAGE);
    const placeholder = parts.length > 1 && named.length > 0 ? `Styles ${named[0]!.value} to ${named.at(-1)!.value}` : 'Choose a style';
    const menu = new StringSelectMenuBuilder().setCustomId(`impasto:pick:${key}.${index}`).setPlaceholder(placeholder.slice(0, 150)).addOptions(options);
    return new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu);
  });
}

/** A menu of the message's pictures by number and name, each valued by its place; `chosen` shown selected. */
function pictureMenu(customId: string, pictures: PendingPick['pictures'], chosen?: number): ActionRowBuilder<StringSelectMenuBuilder> {
  const options = pictures.map((picture, index) => ({ label: pictureChoiceLabel(index, picture.name).slice(0, 100), value: String(index), ...(chosen === undefined ? {} : { default: index === chosen }) }));
  const menu = new StringSelectMenuBuilder().setCustomId(customId).setPlaceholder('Which picture').addOptions(options);
  return new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu);
}

/**
 * Fetches and keeps the image now (checked as a style, re-encoded), so that it outlives a restart
 * and Discord's expiring attachment links. The answer waits for that, privately.
 */
async function saveStyle(state: DiscordState, interaction: MessageContextMenuCommandInteraction, image: Attachment): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await interaction.editReply({ content: await savedStyleAnswer(state, interaction.user.id, image) });
}

/** A picture fetched and saved as the member's style, and what to tell them (what was saved, or why not). */
export async function savedStyleAnswer(state: DiscordState, userId: string, picture: Pick<Attachment, 'url' | 'name' | 'size'>): Promise<string> {
  const reply = await replyOrRefusal(async () => {
    const saved = await state.bot.savedStyles.save({ platform: 'discord', userId }, await fetchAttachment(state.env, picture, 'style image', 'style'));
    return { text: savedStyleText(saved) };
  });
  return reply.text;
}
