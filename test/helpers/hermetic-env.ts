import { botEnvironmentSchema, workerEnvironmentSchema } from '../../src/bot/config.ts';

/**
 * vitest's global setup: the bots, workers and commands the tests start see only the settings the
 * tests give them. A developer's own, from their shell (a `DISCORD_TOKEN` exported, an
 * `IMPASTO_BACKEND`) or their `.env` (where the README suggests the bot's real tokens go), reached
 * them: a bot started for a test logged in to Discord with them. The forked test processes, and
 * the processes they start, inherit this environment.
 */
export function setup(): void {
  const settings = new Set([...Object.keys(botEnvironmentSchema.innerType().shape), ...Object.keys(workerEnvironmentSchema.shape)]);
  for (const name of Object.keys(process.env)) if (settings.has(name)) delete process.env[name];
  process.env.IMPASTO_ENV_FILE = '/dev/null';
}
