import { filesOf, type Requester } from './jobs/store.ts';
import { deleteOwnFiles } from './files.ts';
import type { BotServices } from './services.ts';

export interface ForgetReport {
  readonly jobs: number;
  readonly files: number;
  readonly contestEntries: number;
}

/**
 * Deletes what the bot holds about one person on one platform: their jobs (rows with names and
 * reply tokens, uploads, results), their contest entries; their votes are kept without their id, and
 * styles and contests they added no longer name them. Their waiting and running jobs are cancelled
 * first, so that no engine writes a file after it.
 */
export async function forgetUser(services: Pick<BotServices, 'queue' | 'store' | 'contests' | 'library' | 'dirs'>, requester: Requester): Promise<ForgetReport> {
  const { platform, userId } = requester;
  for (const { job } of services.queue.entries()) {
    if (job.requester.platform === platform && job.requester.userId === userId) services.queue.cancel(job.id, requester);
  }
  const contestEntries = services.contests.forgetUser(platform, userId).length;
  const deleted = services.store.deleteByUser(platform, userId);
  const files = await deleteOwnFiles(services.dirs, deleted.flatMap(filesOf));
  services.library.forgetAdder(platform, userId);
  return { jobs: deleted.length, files, contestEntries };
}
