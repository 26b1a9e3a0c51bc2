import { MessageFlags, type RepliableInteraction } from 'discord.js';
import type { Reply } from '../../bot/commands/types.ts';
import { cancelAction } from '../../bot/job-messages.ts';
import { MESSAGE_LIMITS, splitText } from '../message-limits.ts';
import { buttonRows } from './render.ts';
import type { DiscordState } from './state.ts';

/**
 * Shows a command's reply in a deferred interaction; a refusal becomes an ephemeral follow-up
 * instead. A text over Discord's limit continues in follow-ups. A job's "queued" reply waits its turn
 * behind the job's own events, and is dropped if the job has started by then.
 */
export async function answer(state: DiscordState, interaction: RepliableInteraction, reply: Reply, deferredPublicly: boolean): Promise<void> {
  if (reply.refusal && deferredPublicly) {
    await interaction.deleteReply().catch(() => undefined);
    await interaction.followUp({ content: reply.text, flags: MessageFlags.Ephemeral });
    return;
  }
  const [first = '', ...rest] = splitText(reply.text, MESSAGE_LIMITS.discord);
  const edit = () =>
    interaction.editReply({
      content: first,
      files: (reply.files ?? []).map((file) => ({ attachment: Buffer.from(file.bytes), name: file.name })),
      components: reply.jobId ? buttonRows([cancelAction({ id: reply.jobId })]) : [],
    });
  if (reply.jobId) await state.deliveries.whileQueued(reply.jobId, async () => void (await edit()));
  else await edit();
  for (const piece of rest) await interaction.followUp({ content: piece, ...(deferredPublicly ? {} : { flags: MessageFlags.Ephemeral }) });
}

/** A private one-line answer to an interaction not yet answered. */
export async function tellPrivately(interaction: RepliableInteraction, content: string): Promise<void> {
  await interaction.reply({ content, flags: MessageFlags.Ephemeral });
}
