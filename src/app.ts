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
  // One that cannot start (a refused token, no network), or the bot itself (a style folder that is
  // not there), stops the others: the process then exits with its reason, rather than half-running
  // or hanging on an open port.
  const started: (() => Promise<void>)[] = [];
  const attach = async <T>(start: () => Promise<T>, stop: (adapter: T) => Promise<void>): Promise<T> => {
    const adapter = await start();
    started.unshift(() => stop(adapter));
    return adapter;
  };
  let web: WebServer | undefined;
  let discord: DiscordAdapter | undefined;
  let slack: SlackAdapter | undefined;
  try {
    if (webEnabled) web = await attach(() => startWebServer({ bot, env, logger: logger.child({ component: 'web' }) }), (server) => server.close());
    if (env.DISCORD_TOKEN) discord = await attach(() => startDiscordAdapter({ bot, env, logger: logger.child({ component: 'discord' }) }), (adapter) => adapter.stop());
    if (env.SLACK_BOT_TOKEN) slack = await attach(() => startSlackAdapter({ bot, env, logger: logger.child({ component: 'slack' }) }), (adapter) => adapter.stop());
    await bot.start();
  } catch (error) {
    for (const stop of started) await stop().catch(() => undefined);
    await bot.stop();
    throw error;
  }
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
