import { settingNames } from '../../src/bot/config.ts';

/**
 * Removes from `env` every setting of the bot and the worker, and keeps the settings file out, so
 * that the processes started with it see only what they are given. A developer's own settings,
 * from their shell (a `DISCORD_TOKEN` exported, an `IMPASTO_BACKEND`) or their `.env` (where the
 * README suggests the bot's real tokens go), reached the bots the tests started: one logged in to
 * Discord with them.
 */
export function clearDeveloperSettings(env: NodeJS.ProcessEnv = process.env): void {
  const settings = settingNames();
  for (const name of Object.keys(env)) if (settings.has(name)) delete env[name];
  env.IMPASTO_ENV_FILE = '/dev/null';
}

/** vitest's global setup: the forked test processes, and the processes they start, inherit the cleared environment. */
export function setup(): void {
  clearDeveloperSettings();
}
