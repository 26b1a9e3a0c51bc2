import type { Reply } from './commands/types.ts';
import { BotError } from './errors.ts';
import { deleteOwnFiles } from './files.ts';
import { filesOf, isOfCommunity, type Requester } from './jobs/store.ts';
import type { BotServices } from './services.ts';

export interface ForgetReport {
  readonly jobs: number;
  /** Uploads and results, and the saved style's image if there was one. */
  readonly files: number;
  readonly contestEntries: number;
}

/**
 * Deletes what the bot holds about one person on one platform: their jobs (rows with names and
 * reply tokens, uploads, results) and the jobs painted from photos they posted, their contest entries; their votes are kept without their id, and
 * styles and contests they added no longer name them, and their saved style is deleted. Their waiting and running jobs are cancelled
 * first, so that no engine writes a file after it.
 */
export async function forgetUser(services: Pick<BotServices, 'queue' | 'store' | 'contests' | 'library' | 'savedStyles' | 'dirs'>, requester: Requester): Promise<ForgetReport> {
  const { platform, userId } = requester;
  for (const { job } of services.queue.entries()) {
    if (job.requester.platform !== platform) continue;
    // Cancelled as its own requester: the photo's owner is not a moderator of it.
    if (job.requester.userId === userId || job.photoOwner === userId) services.queue.cancel(job.id, { ...job.requester, isModerator: false });
  }
  const contestEntries = services.contests.forgetUser(platform, userId).length;
  const deleted = services.store.deleteByUser(platform, userId);
  const files = await deleteOwnFiles(services.dirs, deleted.flatMap(filesOf));
  services.library.forgetAdder(platform, userId);
  const savedStyle = await services.savedStyles.forget(requester);
  return { jobs: deleted.length, files: files + (savedStyle ? 1 : 0), contestEntries };
}

/**
 * Removes one finished picture and its row, at the request of whoever posted the photo it was painted
 * from, whoever asked for it, or a moderator of its community. The photo itself goes too unless
 * another job still uses it (a repaint of the same photo has a Remove button of its own).
 */
export async function removeResult(services: Pick<BotServices, 'store' | 'dirs'>, jobId: string, requester: Requester): Promise<Reply> {
  const job = services.store.get(jobId);
  if (!job || !isOfCommunity(job.requester, requester)) throw new BotError('unknown_job', `There is no job "${jobId}"; it may have been removed already.`);
  const asks = (userId: string | undefined) => userId !== undefined && job.requester.platform === requester.platform && userId === requester.userId;
  if (!asks(job.photoOwner) && !asks(job.requester.userId) && !requester.isModerator) {
    throw new BotError('not_allowed', 'Only the person whose photo this is, the person who asked for the picture, or a moderator can remove it.');
  }
  if (job.status === 'queued' || job.status === 'running') throw new BotError('invalid_option', `Job ${jobId} is still painting: cancel it first.`);
  services.store.delete(jobId);
  const stillUsed = services.store.pathsInUse();
  await deleteOwnFiles(services.dirs, filesOf(job).filter((path) => !stillUsed.has(path)));
  const why = asks(job.photoOwner) ? 'at the request of the photo’s owner' : asks(job.requester.userId) ? 'by the person who asked for it' : 'by a moderator';
  return { text: `This picture (job ${jobId}) was removed ${why}.`, jobId };
}
