import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { OUTDATED_BUTTON, pageRequestOf } from '../../../bot/commands/pages.ts';
import { rerunChangeNamed } from '../../../bot/job-messages.ts';
import { answer, discordFilesOf, tellPrivately } from '../answer.ts';
import { checkCanPostFiles } from '../attachments.ts';
import { contextOf } from '../interaction-context.ts';
import { MESSAGE_LIMITS, splitText } from '../../message-limits.ts';
import { pageRows } from '../render.ts';
import type { DiscordState } from '../state.ts';

/** Vote, Cancel (answered privately), Remove (the message loses its picture), a gallery's pages, and the result's Less / More / Again / Paint it properly (a new public job). */
export async function onButton(state: DiscordState, interaction: ButtonInteraction, action: string, id: string): Promise<void> {
  if (action === 'vote') return tellPrivately(interaction, (await state.bot.vote(id, contextOf(interaction))).text);
  if (action === 'cancel') return tellPrivately(interaction, (await state.bot.execute('cancel', { job: id }, contextOf(interaction))).text);
  if (action === 'remove') return removePicture(state, interaction, id);
  if (action === 'page') return showPage(state, interaction, id);
  // `again` (another seed) is the custom id of messages posted before the buttons were named by their change.
  const change = action === 'again' ? 'seed' : rerunChangeNamed(action);
  if (!change) return tellPrivately(interaction, OUTDATED_BUTTON);
  const problem = checkCanPostFiles(interaction);
  if (problem) return tellPrivately(interaction, problem);
  await interaction.deferReply();
  await answer(state, interaction, await state.bot.rerun(id, contextOf(interaction), change), true);
}

/**
 * ◀ / ▶ under a page of the gallery: the other page in the message's place, for everyone who sees
 * it. A page that is gone since (the library shrank) is said to the presser alone.
 */
async function showPage(state: DiscordState, interaction: ButtonInteraction, id: string): Promise<void> {
  // The part after `impasto:page:`.
  const request = pageRequestOf(id);
  if (!request) return tellPrivately(interaction, OUTDATED_BUTTON);
  // Drawing a page may take longer than Discord's three seconds on a busy machine: acknowledged first.
  await interaction.deferUpdate();
  const reply = await state.bot.execute(request.command, request.options, contextOf(interaction));
  if (reply.refusal || reply.ephemeral) return void (await interaction.followUp({ content: reply.text, flags: MessageFlags.Ephemeral }));
  await interaction.editReply({ content: splitText(reply.text, MESSAGE_LIMITS.discord)[0] ?? '', files: discordFilesOf(reply), attachments: [], components: pageRows(reply.pages) });
}

/** Remove: the bot forgets the picture, and its message keeps only a line saying why. */
async function removePicture(state: DiscordState, interaction: ButtonInteraction, jobId: string): Promise<void> {
  const reply = await state.bot.remove(jobId, contextOf(interaction));
  if (reply.refusal) return tellPrivately(interaction, reply.text);
  await interaction.update({ content: reply.text, attachments: [], components: [] });
}
