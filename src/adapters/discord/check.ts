import { REST, Routes, type APIUser } from 'discord.js';
import type { ChatEnvironment } from '../../bot/config.ts';
import type { PlatformCheck } from '../connection-errors.ts';
import { describeLoginFailure } from './adapter.ts';

/**
 * For `impasto doctor`: whether Discord takes DISCORD_TOKEN (who the bot is), asked once, without
 * connecting to the gateway; refused or out of reach, in the words `npm start` would use.
 */
export async function checkDiscord(env: Pick<ChatEnvironment, 'DISCORD_TOKEN' | 'DISCORD_API_URL'>): Promise<PlatformCheck> {
  if (!env.DISCORD_TOKEN) return { configured: false, note: 'DISCORD_TOKEN is not set: the bot is not on Discord' };
  try {
    const rest = new REST({ ...(env.DISCORD_API_URL ? { api: env.DISCORD_API_URL } : {}), retries: 0, timeout: 10_000 }).setToken(env.DISCORD_TOKEN);
    const user = (await rest.get(Routes.user())) as APIUser;
    return { configured: true, ok: true, note: `Discord takes DISCORD_TOKEN: the bot is ${user.username} (${user.id})` };
  } catch (error) {
    return { configured: true, ok: false, note: describeLoginFailure(error, env) };
  }
}
