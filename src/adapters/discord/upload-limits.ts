import { GuildPremiumTier, type Client } from 'discord.js';
import { MEBIBYTE as MIB, formatMegabytes } from '../../engine/image.ts';
import type { UploadLimit } from '../../bot/upload-limit.ts';

/** The largest file Discord takes, in bytes, by a server's boost level. */
export type UploadLimitsByBoost = Readonly<Record<GuildPremiumTier, number>>;

/**
 * Discord's published limits: 10 MB a file without boosts (and in direct messages, where a bot has
 * no Nitro), 50 MB from boost level 2, 100 MB at level 3.
 */
export const DISCORD_UPLOAD_LIMITS: UploadLimitsByBoost = {
  [GuildPremiumTier.None]: 10 * MIB,
  [GuildPremiumTier.Tier1]: 10 * MIB,
  [GuildPremiumTier.Tier2]: 50 * MIB,
  [GuildPremiumTier.Tier3]: 100 * MIB,
};

/**
 * The upload limit where a message is posted: its server's, as boosted now (a boost can come or go
 * while a job waits). A channel the bot has not seen (a thread it was never told of) gets the
 * unboosted limit: a picture sent as a JPEG where a PNG would have passed, never a refused message.
 */
export function uploadLimitIn(client: Client, channelId: string, limits: UploadLimitsByBoost): UploadLimit {
  const channel = client.channels.cache.get(channelId);
  const guild = channel && 'guild' in channel ? channel.guild : undefined;
  const tier = guild?.premiumTier ?? GuildPremiumTier.None;
  const bytes = limits[tier];
  const boosted = bytes > limits[GuildPremiumTier.None];
  return { bytes, label: boosted ? `this server's ${formatMegabytes(bytes)} upload limit` : `Discord's ${formatMegabytes(bytes)} upload limit` };
}
