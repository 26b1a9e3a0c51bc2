import type { Logger } from 'pino';
import { startDiscordAdapter, type DiscordAdapter } from './adapters/discord/adapter.ts';
import { startSlackAdapter, type SlackAdapter } from './adapters/slack/adapter.ts';
import { startWebServer, type WebServer } from './adapters/web/server.ts';
import { createBot, type Bot } from './bot/bot.ts';
import { loadBotEnvironment, secretsOf, type BotEnvironment } from './bot/config.ts';
import { createLogger } from './bot/logger.ts';

export interface RunningApp {
  readonly bot: Bot;
  readonly env: BotEnvironment;
  readonly logger: Logger;
  readonly web?: WebServer | undefined;
  readonly discord?: DiscordAdapter | undefined;
  readonly slack?: SlackAdapter | undefined;
  stop(): Promise<void>;
}

/**
 * `npm start`: the bot core and its adapters: each chat platform whose token is configured, and the
 * local web playground, which IMPASTO_WEB=auto starts only when no chat platform is configured.
 */
export async function startApp(rawEnv: NodeJS.ProcessEnv = process.env): Promise<RunningApp> {
  const env = loadBotEnvironment(rawEnv);
  const logger = createLogger({ level: env.IMPASTO_LOG_LEVEL, format: env.IMPASTO_LOG_FORMAT, secrets: secretsOf(env) });
  const bot = createBot({ env, logger });
  const chatConfigured = Boolean(env.DISCORD_TOKEN || env.SLACK_BOT_TOKEN);
  const webEnabled = env.IMPASTO_WEB === 'on' || (env.IMPASTO_WEB === 'auto' && !chatConfigured);
  // Adapters attach before the bot starts, so that they hear about jobs resumed after a restart.
  const web = webEnabled ? await startWebServer({ bot, env, logger: logger.child({ component: 'web' }) }) : undefined;
  const discord = env.DISCORD_TOKEN ? await startDiscordAdapter({ bot, env, logger: logger.child({ component: 'discord' }) }) : undefined;
  const slack = env.SLACK_BOT_TOKEN ? await startSlackAdapter({ bot, env, logger: logger.child({ component: 'slack' }) }) : undefined;
  await bot.start();
  if (web) {
    const address = env.IMPASTO_WEB_TOKEN ? `${web.url}?token=<IMPASTO_WEB_TOKEN>` : web.url;
    logger.info({ url: web.url }, 'web playground listening');
    process.stderr.write(`\nimpasto playground: ${address}\nOpen it in a browser to stylize images. Chat platforms: see "Run it on Discord / Slack" in the README.\n\n`);
  }
  let stopping: Promise<void> | undefined;
  return {
    bot,
    env,
    logger,
    web,
    discord,
    slack,
    stop() {
      stopping ??= (async () => {
        await discord?.stop();
        await slack?.stop();
        await web?.close();
        await bot.stop();
      })();
      return stopping;
    },
  };
}
