import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import type { CommandDefinition } from '../../../bot/commands/types.ts';
import { parseArgs } from '../../../bot/commands/validate.ts';
import { refusalOf, replyOrRefusal } from '../../../bot/errors.ts';
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
  if (publicReply) {
    const problem = checkCanPostFiles(interaction) ?? refuseEarly(state, interaction, definition);
    if (problem) return tellPrivately(interaction, problem);
  }
  await interaction.deferReply(publicReply ? {} : { flags: MessageFlags.Ephemeral });
  const reply = await replyOrRefusal(async () => {
    const raw: Record<string, unknown> = {};
    for (const [option, spec] of Object.entries(definition.options)) {
      if (spec.type === 'image') {
        const attachment = interaction.options.getAttachment(option);
        if (attachment) raw[option] = await fetchAttachment(state.env, attachment, labelOfImageOption(option), option);
      } else {
        const value = interaction.options.get(option)?.value;
        if (value !== undefined) raw[option] = value;
      }
    }
    return state.bot.execute(name, raw, contextOf(interaction));
  });
  await answer(state, interaction, reply, publicReply);
}

/**
 * What can be refused from the interaction alone (a missing style, a number out of range, a file
 * Discord itself says is no image), so that the refusal is private and immediate rather than a
 * public "thinking…" that then vanishes.
 */
function refuseEarly(state: DiscordState, interaction: ChatInputCommandInteraction, definition: CommandDefinition): string | undefined {
  const raw: Record<string, unknown> = {};
  for (const [option, spec] of Object.entries(definition.options)) {
    if (spec.type === 'image') {
      const attachment = interaction.options.getAttachment(option);
      if (!attachment) continue;
      const label = labelOfImageOption(option);
      if (attachment.contentType && !attachment.contentType.startsWith('image/')) return `The ${label} (${attachment.name}) is not an image; send a JPEG, PNG, WebP or GIF.`;
      const tooLarge = sizeProblemOf(state.env, attachment, label);
      if (tooLarge) return tooLarge;
      raw[option] = { bytes: new Uint8Array(0), name: attachment.name };
    } else {
      const value = interaction.options.get(option)?.value;
      if (value !== undefined) raw[option] = value;
    }
  }
  try {
    parseArgs(definition, raw);
    return undefined;
  } catch (error) {
    return refusalOf(error)?.text;
  }
}
