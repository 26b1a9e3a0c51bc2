import { ApplicationCommandOptionType, MessageFlags, type Attachment, type ChatInputCommandInteraction } from 'discord.js';
import { pictureToFetch } from '../../../bot/commands/images.ts';
import type { CommandDefinition, ImageOption } from '../../../bot/commands/types.ts';
import { READABLE_FORMATS } from '../../../engine/image.ts';
import { BotError, refusalOf, replyOrRefusal } from '../../../bot/errors.ts';
import { answer, tellPrivately } from '../answer.ts';
import { checkCanPostFiles, fetchAttachment, labelOfImageOption, sizeProblemOf } from '../attachments.ts';
import { contextOf } from '../interaction-context.ts';
import type { DiscordState } from '../state.ts';

/** Commands whose answer everyone in the channel sees; the others answer privately. */
const PUBLIC_COMMANDS = new Set(['stylize', 'styles', 'contest enter', 'contest status']);

/** A slash command: refused early and privately if it can be, else deferred, run, and answered. */
export async function onChatInput(state: DiscordState, interaction: ChatInputCommandInteraction): Promise<void> {
  const sub = interaction.options.getSubcommand(false);
  const name = sub ? `${interaction.commandName} ${sub}` : interaction.commandName;
  const definition = state.bot.definition(name);
  if (!definition) return tellPrivately(interaction, `I don't know /${name}. Try /help.`);
  const publicReply = PUBLIC_COMMANDS.has(name);
  const problem = (publicReply ? checkCanPostFiles(interaction) : undefined) ?? refuseEarly(state, interaction, name, definition);
  if (problem) return tellPrivately(interaction, problem);
  await interaction.deferReply(publicReply ? {} : { flags: MessageFlags.Ephemeral });
  const reply = await replyOrRefusal(async () => {
    const { values, attachments } = givenOptionsOf(interaction, definition);
    const raw: Record<string, unknown> = { ...values };
    for (const [option, attachment] of attachments) raw[option] = await fetchAttachment(state.env, attachment, labelOfImageOption(option), option);
    return state.bot.execute(name, raw, contextOf(interaction));
  });
  await answer(state, interaction, reply, publicReply);
}

/**
 * What can be refused from the interaction alone (a number out of range, a file Discord itself says
 * is no image, no style given and none saved, a limit reached), so that the refusal is private and
 * immediate rather than a public "thinking…" that then vanishes, and no file is fetched for nothing.
 */
function refuseEarly(state: DiscordState, interaction: ChatInputCommandInteraction, name: string, definition: CommandDefinition): string | undefined {
  try {
    const { values, attachments } = givenOptionsOf(interaction, definition);
    const raw: Record<string, unknown> = { ...values };
    for (const [option, attachment] of attachments) {
      const label = labelOfImageOption(option);
      const clips = (definition.options[option] as ImageOption).clips === true;
      const type = attachment.contentType;
      if (type && !type.startsWith('image/') && !(clips && type.startsWith('video/'))) return `The ${label} (${attachment.name}) is not an image; send a ${READABLE_FORMATS}.`;
      const tooLarge = sizeProblemOf(state.env, attachment, label);
      if (tooLarge) return tooLarge;
      raw[option] = pictureToFetch(attachment.name);
    }
    return state.bot.precheck(name, raw, contextOf(interaction))?.text;
  } catch (error) {
    return refusalOf(error)?.text;
  }
}

/**
 * The options Discord sent: values as they are (the definitions check them), files as attachments.
 * Discord sends the types of the commands as they were registered, so a file option that arrives as
 * another type means the registration is older than this bot.
 */
function givenOptionsOf(interaction: ChatInputCommandInteraction, definition: CommandDefinition): { values: Record<string, unknown>; attachments: Map<string, Attachment> } {
  const values: Record<string, unknown> = {};
  const attachments = new Map<string, Attachment>();
  for (const [option, spec] of Object.entries(definition.options)) {
    const given = interaction.options.get(option);
    if (!given) continue;
    if (spec.type !== 'image') {
      if (given.value !== undefined) values[option] = given.value;
    } else if (given.type !== ApplicationCommandOptionType.Attachment) {
      throw new BotError('invalid_option', `Discord sent ${option} as another kind of value than a file: this server has an older version of the bot's commands. The bot's operator updates them with \`npm run discord:register\`.`, option);
    } else if (!given.attachment) {
      throw new BotError('missing_image', `Discord did not send the file for ${option}; try sending it again.`, option);
    } else attachments.set(option, given.attachment);
  }
  return { values, attachments };
}
