import type { Command } from 'commander';
import { messageOf } from '../../error-message.ts';

/** `impasto worker`: an engine machine taking its jobs from Redis. */
export function define(command: Command): void {
  command.action(async () => {
    // Loaded when it runs: the queue's client and the engine host take a second to import, which the help need not wait for.
    const [{ ConfigError, parseEnvironment, redisSecretsOf, workerEnvironmentSchema }, { isRedisAuthError, redisAuthText }, { startWorker }, { createLogger }, { guardProcess }, { stopOnSignal }] = await Promise.all([
      import('../../bot/config.ts'),
      import('../../bot/jobs/redis/remote-protocol.ts'),
      import('../../bot/jobs/redis/worker.ts'),
      import('../../bot/logger.ts'),
      import('../../process-guard.ts'),
      import('../signals.ts'),
    ]);
    const env = parseEnvironment(workerEnvironmentSchema, process.env);
    if (!env.REDIS_URL) throw new ConfigError('impasto worker takes its jobs from Redis: set REDIS_URL (e.g. redis://:password@queue-host:6379), the same as the bot\'s.');
    const logger = createLogger({ level: env.IMPASTO_LOG_LEVEL, format: env.IMPASTO_LOG_FORMAT, secrets: redisSecretsOf(env) });
    guardProcess(logger);
    const worker = await startWorker({ env: { ...env, REDIS_URL: env.REDIS_URL }, logger }).catch((error: unknown) => {
      // Redis refusing the password, or else almost always the weights (missing, or no internet to fetch them): one line.
      throw new ConfigError(isRedisAuthError(error) ? redisAuthText(error) : `the engine could not start: ${messageOf(error)}`);
    });
    // Ready to be stopped before it says it is ready (a supervisor may stop it as soon as it reads that).
    stopOnSignal(logger, 'worker shutting down; its job goes back to the queue', () => worker.stop());
    process.stderr.write(`impasto worker ${worker.name}: taking ${env.IMPASTO_WORKER_LANES.join(' and ')} jobs${worker.metrics ? `; metrics at ${worker.metrics.url}` : ''}\n`);
  });
}
