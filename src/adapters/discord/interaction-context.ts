import { PermissionFlagsBits, type Interaction } from 'discord.js';
import type { CommandContext } from '../../bot/commands/types.ts';

/** What the core stores for a Discord job so that any later process can answer it. */
export interface DiscordReplyRef {
  readonly applicationId: string;
  readonly token: string;
  /** When the interaction was created: its token works for 15 minutes from then. */
  readonly createdAt: number;
  readonly userId: string;
  readonly channelId: string;
  /** A job started from a component answers through a follow-up message, not @original. */
  readonly messageId?: string;
}

/** The server an interaction came from (a direct message is a community of one). */
export function communityOf(interaction: Interaction): string {
  return interaction.guildId ? `discord:${interaction.guildId}` : `discord:dm-${interaction.user.id}`;
}

/** Who asked and where to answer; moderators are members who may manage the server. */
export function contextOf(interaction: Interaction, messageId?: string): CommandContext {
  const permissions = interaction.memberPermissions;
  const isModerator = Boolean(permissions?.has(PermissionFlagsBits.ManageGuild) || permissions?.has(PermissionFlagsBits.Administrator));
  const reply: DiscordReplyRef = {
    applicationId: interaction.applicationId,
    token: interaction.token,
    createdAt: interaction.createdTimestamp,
    userId: interaction.user.id,
    channelId: interaction.channelId ?? '',
    ...(messageId ? { messageId } : {}),
  };
  return {
    requester: { platform: 'discord', community: communityOf(interaction), userId: interaction.user.id, userName: interaction.user.username, isModerator },
    origin: { platform: 'discord', channelId: interaction.channelId ?? '', reply: { ...reply } },
  };
}
