import { REST, Routes, type RESTGetAPIOAuth2CurrentApplicationResult } from 'discord.js';
import type { CommandDefinition } from '../../bot/commands/types.ts';
import type { BotEnvironment } from '../../bot/config.ts';
import { BotError } from '../../bot/errors.ts';
import { buildApplicationCommands } from './application-commands.ts';

/**
 * `npm run discord:register`: publishes the commands, for one server (DISCORD_GUILD_ID: instant,
 * for testing) or globally (may take up to an hour to appear everywhere).
 */
export async function registerDiscordCommands(env: BotEnvironment, definitions: readonly CommandDefinition[]): Promise<{ scope: string; count: number }> {
  if (!env.DISCORD_TOKEN) throw new BotError('missing_option', 'Set DISCORD_TOKEN (the bot token from the Discord developer portal) first.');
  const rest = new REST(env.DISCORD_API_URL ? { api: env.DISCORD_API_URL } : {}).setToken(env.DISCORD_TOKEN);
  const application = (await rest.get(Routes.oauth2CurrentApplication())) as RESTGetAPIOAuth2CurrentApplicationResult;
  const body = buildApplicationCommands(definitions, { global: !env.DISCORD_GUILD_ID });
  const route = env.DISCORD_GUILD_ID ? Routes.applicationGuildCommands(application.id, env.DISCORD_GUILD_ID) : Routes.applicationCommands(application.id);
  const registered = (await rest.put(route, { body })) as unknown[];
  return { scope: env.DISCORD_GUILD_ID ? `server ${env.DISCORD_GUILD_ID}` : 'all servers (global)', count: registered.length };
}
