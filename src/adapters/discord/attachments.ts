import { PermissionFlagsBits, type Attachment, type Message, type RepliableInteraction } from 'discord.js';
import { hostOfLink } from '../../bot/format.ts';
import type { UploadedImage } from '../../bot/commands/types.ts';
import type { BotEnvironment } from '../../bot/config.ts';
import { BotError } from '../../bot/errors.ts';
import { maxUploadBytes } from '../../bot/limits.ts';
import { formatMegabytes } from '../../engine/image.ts';
import { downloadImage, isPictureOrClipType } from '../download.ts';

/** Discord says how large an attachment is before we fetch it. */
export function sizeProblemOf(env: BotEnvironment, attachment: Pick<Attachment, 'size'>, label: string): string | undefined {
  if (attachment.size <= maxUploadBytes(env)) return undefined;
  return `The ${label} is ${formatMegabytes(attachment.size)}; the limit is ${env.IMPASTO_MAX_UPLOAD_MB} MB.`;
}

/** Fetches an attachment from Discord's CDN only, within the upload limit. */
export async function fetchAttachment(env: BotEnvironment, attachment: Pick<Attachment, 'url' | 'name' | 'size'>, label: string, field: string): Promise<UploadedImage> {
  const tooLarge = sizeProblemOf(env, attachment, label);
  if (tooLarge) throw new BotError('limit_reached', tooLarge, field);
  return downloadImage(attachment.url, attachment.name, { allowedHosts: env.DISCORD_CDN_HOSTS, maxBytes: maxUploadBytes(env), label, field });
}

type MessageParts = Pick<Message, 'attachments' | 'embeds' | 'messageSnapshots'>;

/**
 * A message's pictures and videos, in their order: attached to it, or to the message it forwards (a
 * forward carries the original's attachments in a snapshot, and none of its own).
 */
export function pictureAttachmentsOf(message: MessageParts): Attachment[] {
  const isPicture = (attachment: Attachment) => isPictureOrClipType(attachment.contentType);
  for (const source of [message, ...message.messageSnapshots.values()]) {
    const pictures = [...source.attachments.filter(isPicture).values()];
    if (pictures.length > 0) return pictures;
  }
  return [];
}

/** Where a message's embedded picture points (a Tenor GIF, a pasted image address; a forward's too), when it shows one (for `noPictureText`). */
export function linkedPictureHostOf(message: MessageParts): string | undefined {
  const embeds = [...message.embeds, ...[...message.messageSnapshots.values()].flatMap((snapshot) => snapshot.embeds)];
  const embed = embeds.find((candidate) => candidate.image ?? candidate.thumbnail ?? candidate.video);
  return embed ? hostOfLink(embed.url ?? embed.image?.url ?? embed.thumbnail?.url) : undefined;
}

export function labelOfImageOption(option: string): string {
  return option === 'content' ? 'content image' : `${option} image`;
}

export const CANNOT_ATTACH_FILES = "I can't post images in this channel: I'm missing the Attach Files permission. Ask a moderator to grant it, or use me in another channel.";

/** Refuses early when the bot could not post the result here. */
export function checkCanPostFiles(interaction: RepliableInteraction): string | undefined {
  return interaction.appPermissions && !interaction.appPermissions.has(PermissionFlagsBits.AttachFiles) ? CANNOT_ATTACH_FILES : undefined;
}
