import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadBotEnvironment } from '../../bot/config.ts';
import { openDatabase } from '../../bot/database.ts';
import { dataDirsOf } from '../../bot/files.ts';
import { JobStore } from '../../bot/jobs/store.ts';

/** The jobs running, then those waiting in order, in the bot's job store at `database`. */
function readJobs(database: string) {
  const db = openDatabase(database);
  try {
    const store = new JobStore(db);
    return [...store.running(), ...store.queued()].map((job) => ({ jobId: job.id, method: job.method, state: job.status, by: job.requester.userName }));
  } finally {
    db.close();
  }
}

/** `impasto status`: the queue, and with Redis the workers. */
export function define(command: Command): void {
  command.option('--json', 'print JSON instead of lines').action(async (flags: { json?: boolean }) => {
    const env = loadBotEnvironment();
    if (env.REDIS_URL) {
      // BullMQ and ioredis only where there is a Redis to ask.
      const { formatClusterStatus, readClusterStatus } = await import('../../bot/jobs/redis/status.ts');
      const status = await readClusterStatus(env.REDIS_URL, env.IMPASTO_REDIS_PREFIX);
      process.stdout.write(`${flags.json ? JSON.stringify(status, null, 2) : formatClusterStatus(status)}\n`);
      return;
    }
    // The embedded queue: what the bot's job store says. A look makes nothing (it made the data
    // folders): where no bot has run yet there is no store, and so no job.
    const { root, database } = dataDirsOf(resolve(env.IMPASTO_DATA_DIR));
    const hasStore = existsSync(database);
    const jobs = hasStore ? readJobs(database) : [];
    if (flags.json) process.stdout.write(`${JSON.stringify({ jobs }, null, 2)}\n`);
    else if (jobs.length > 0) process.stdout.write(`${jobs.map((job) => `${job.state} ${job.jobId} (${job.method}) for ${job.by}`).join('\n')}\n`);
    else process.stdout.write(`no job is queued or running${hasStore ? '' : ` (no bot has run with its data in ${root})`}\n`);
  });
}
