import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadBotEnvironment } from '../../bot/config.ts';
import { openDatabase } from '../../bot/database.ts';
import { createDataDirs } from '../../bot/files.ts';
import { formatClusterStatus, readClusterStatus } from '../../bot/jobs/redis/status.ts';
import { JobStore } from '../../bot/jobs/store.ts';

/** `impasto status`: the queue, and with Redis the workers. */
export function define(command: Command): void {
  command.option('--json', 'print JSON instead of lines').action(async (flags: { json?: boolean }) => {
    const env = loadBotEnvironment();
    if (env.REDIS_URL) {
      const status = await readClusterStatus(env.REDIS_URL, env.IMPASTO_REDIS_PREFIX);
      process.stdout.write(`${flags.json ? JSON.stringify(status, null, 2) : formatClusterStatus(status)}\n`);
      return;
    }
    // The embedded queue: what the bot's job store says (running first, then waiting in order).
    const db = openDatabase(createDataDirs(resolve(env.IMPASTO_DATA_DIR)).database);
    const store = new JobStore(db);
    const jobs = [...store.running(), ...store.queued()].map((job) => ({ jobId: job.id, method: job.method, state: job.status, by: job.requester.userName }));
    db.close();
    if (flags.json) process.stdout.write(`${JSON.stringify({ jobs }, null, 2)}\n`);
    else process.stdout.write(`${jobs.length === 0 ? 'no job is queued or running' : jobs.map((job) => `${job.state} ${job.jobId} (${job.method}) for ${job.by}`).join('\n')}\n`);
  });
}
