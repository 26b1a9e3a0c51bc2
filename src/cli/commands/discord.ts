import type { Command } from 'commander';

/** `impasto discord register`: the slash and context-menu commands, registered with Discord. */
export function define(command: Command): void {
  command
    .command('register')
    .description('register the slash and context-menu commands (DISCORD_GUILD_ID: one server, else global)')
    .action(async () => {
      // Loaded when it runs: discord.js and the bot take seconds to import, which the help need not wait for.
      const [{ registerDiscordCommands }, { createBot }, { loadBotEnvironment, secretsOf }, { createLogger }] = await Promise.all([
        import('../../adapters/discord/register.ts'),
        import('../../bot/bot.ts'),
        import('../../bot/config.ts'),
        import('../../bot/logger.ts'),
      ]);
      const env = loadBotEnvironment();
      const logger = createLogger({ level: 'silent', secrets: secretsOf(env) });
      const bot = createBot({ env, logger });
      const result = await registerDiscordCommands(env, bot.commands.map((command) => command.definition));
      await bot.stop();
      process.stderr.write(`registered ${result.count} commands for ${result.scope}\n`);
    });
}
