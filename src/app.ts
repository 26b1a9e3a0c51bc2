import type { Logger } from 'pino';
import { startWebServer, type WebServer } from './adapters/web/server.ts';
import { createBot, type Bot } from './bot/bot.ts';
import { loadBotEnvironment, secretsOf, type BotEnvironment } from './bot/config.ts';
import { createLogger } from './bot/logger.ts';

export interface RunningApp {
  readonly bot: Bot;
  readonly env: BotEnvironment;
  readonly logger: Logger;
  readonly web?: WebServer | undefined;
  stop(): Promise<void>;
}

/**
 * `npm start`: the bot core and its adapters. Until a chat platform is configured, the local web
 * playground is the adapter (IMPASTO_WEB=auto); IMPASTO_WEB=on/off forces it.
 */
export async function startApp(rawEnv: NodeJS.ProcessEnv = process.env): Promise<RunningApp> {
  const env = loadBotEnvironment(rawEnv);
  const logger = createLogger({ level: env.IMPASTO_LOG_LEVEL, secrets: secretsOf(env) });
  const bot = createBot({ env, logger });
  // Adapters attach before the bot starts, so that they hear about jobs resumed after a restart.
  const web = env.IMPASTO_WEB === 'off' ? undefined : await startWebServer({ bot, env, logger: logger.child({ component: 'web' }) });
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
    stop() {
      stopping ??= (async () => {
        await web?.close();
        await bot.stop();
      })();
      return stopping;
    },
  };
}
