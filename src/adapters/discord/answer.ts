import { MessageFlags, type ActionRowBuilder, type ButtonBuilder, type RepliableInteraction } from 'discord.js';
import type { Reply } from '../../bot/commands/types.ts';
import { cancelAction } from '../../bot/job-messages.ts';
import { MESSAGE_LIMITS, splitText } from '../message-limits.ts';
import { buttonRows, pageRows } from './render.ts';
import type { DiscordState } from './state.ts';

/**
 * Shows a command's reply in a deferred interaction; a refusal, or a reply for the asker alone (an
 * empty gallery, an error of ours), becomes an ephemeral follow-up instead of the public "thinking…".
 * A text over Discord's limit continues in follow-ups. A job's "queued" reply waits its turn behind
 * the job's own events, and is dropped if the job has started by then.
 */
export async function answer(state: DiscordState, interaction: RepliableInteraction, reply: Reply, deferredPublicly: boolean): Promise<void> {
  if ((reply.refusal || reply.ephemeral) && deferredPublicly) {
    await interaction.deleteReply().catch(() => undefined);
    await interaction.followUp({ content: reply.text, flags: MessageFlags.Ephemeral });
    return;
  }
  const [first = '', ...rest] = splitText(reply.text, MESSAGE_LIMITS.discord);
  const files = discordFilesOf(reply);
  await showReply(state, reply, (components) => interaction.editReply({ content: first, files, components: [...components, ...pageRows(reply.pages)] }));
  for (const piece of rest) await interaction.followUp({ content: piece, ...(deferredPublicly ? {} : { flags: MessageFlags.Ephemeral }) });
}

/** A reply's pictures as discord.js attaches them, each with its description (alt text). */
export function discordFilesOf(reply: Pick<Reply, 'files'>): { attachment: Buffer; name: string; description?: string }[] {
  return (reply.files ?? []).map((file) => ({ attachment: Buffer.from(file.bytes), name: file.name, ...(file.description ? { description: file.description } : {}) }));
}

/**
 * Shows a reply through `edit`. A job's reply (with its Cancel button) waits its turn behind the
 * job's own events, and is dropped if the job has started by then.
 */
export async function showReply(state: DiscordState, reply: Reply, edit: (components: ActionRowBuilder<ButtonBuilder>[]) => Promise<unknown>): Promise<void> {
  if (!reply.jobId) return void (await edit([]));
  const components = buttonRows([cancelAction({ id: reply.jobId })]);
  await state.deliveries.whileQueued(reply.jobId, async () => void (await edit(components)));
}

/** A private one-line answer to an interaction not yet answered. */
export async function tellPrivately(interaction: RepliableInteraction, content: string): Promise<void> {
  await interaction.reply({ content, flags: MessageFlags.Ephemeral });
}
