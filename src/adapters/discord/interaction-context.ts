import { PermissionFlagsBits, type Interaction, type Message, type PermissionsBitField } from 'discord.js';
import type { CommandContext } from '../../bot/commands/types.ts';
import { discordMoment } from './render.ts';

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
  /** Set once the reply was found deleted: it is not edited again (see `deliverToDiscord`). */
  readonly replyGone?: boolean;
}

/**
 * Where a job started from a message (a mention) answers: the bot's own reply, which it edits with
 * its bot token (no interaction token, so no 15 minutes' limit).
 */
export interface DiscordMessageReplyRef {
  readonly kind: 'message';
  readonly channelId: string;
  readonly messageId: string;
  readonly userId: string;
  /** Set once the reply was found deleted: it is not edited again (see `deliverToDiscord`). */
  readonly replyGone?: boolean;
}

/** The server an interaction came from (a direct message is a community of one). */
export function communityOf(interaction: Interaction): string {
  return communityIn(interaction.guildId, interaction.user.id);
}

function communityIn(guildId: string | null, userId: string): string {
  return guildId ? `discord:${guildId}` : `discord:dm-${userId}`;
}

/** Moderators are members who may manage the server. */
function isModeratorWith(permissions: Readonly<PermissionsBitField> | null | undefined): boolean {
  return Boolean(permissions?.has(PermissionFlagsBits.ManageGuild) || permissions?.has(PermissionFlagsBits.Administrator));
}

/** Who asked and where to answer. */
export function contextOf(interaction: Interaction, messageId?: string): CommandContext {
  const isModerator = isModeratorWith(interaction.memberPermissions);
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
    ...directnessOf(interaction.guildId),
    writeMoment: discordMoment,
  };
}

/** Who wrote `message` (a mention), and the bot's reply (`answerId`) where the job answers. */
export function contextOfMessage(message: Message, answerId: string): CommandContext {
  const reply: DiscordMessageReplyRef = { kind: 'message', channelId: message.channelId, messageId: answerId, userId: message.author.id };
  return {
    requester: {
      platform: 'discord',
      community: communityIn(message.guildId, message.author.id),
      userId: message.author.id,
      userName: message.author.username,
      isModerator: isModeratorWith(message.member?.permissions),
    },
    origin: { platform: 'discord', channelId: message.channelId, reply: { ...reply } },
    ...directnessOf(message.guildId),
    writeMoment: discordMoment,
  };
}

/** Outside a server, a direct message with the bot: it belongs to no server (the member's own community). */
function directnessOf(guildId: string | null): Pick<CommandContext, 'direct'> {
  return guildId ? {} : { direct: { ofCommunity: false } };
}
