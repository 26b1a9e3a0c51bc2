import type { Command } from 'commander';
import { registerDiscordCommands } from '../../adapters/discord/register.ts';
import { createBot } from '../../bot/bot.ts';
import { loadBotEnvironment, secretsOf } from '../../bot/config.ts';
import { createLogger } from '../../bot/logger.ts';

/** `impasto discord register`: the slash and context-menu commands, registered with Discord. */
export function define(command: Command): void {
  command
    .command('register')
    .description('register the slash and context-menu commands (DISCORD_GUILD_ID: one server, else global)')
    .action(async () => {
      const env = loadBotEnvironment();
      const logger = createLogger({ level: 'silent', secrets: secretsOf(env) });
      const bot = createBot({ env, logger });
      const result = await registerDiscordCommands(env, bot.commands.map((command) => command.definition));
      await bot.stop();
      process.stderr.write(`registered ${result.count} commands for ${result.scope}\n`);
    });
}
