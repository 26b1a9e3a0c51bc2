import type { Bot } from '../../bot/bot.ts';
import { progressFraction } from '../../bot/format.ts';
import { messageForJob, removeAction, type JobMessage } from '../../bot/job-messages.ts';
import { wasInterrupted, type Job } from '../../bot/jobs/store.ts';
import type { PublicJob, PublicJobMessage } from './api-types.ts';

/** A job as the page sees it: no file paths, results as URLs, and what it says now in the chat's words. */
export function publicJob(bot: Bot, job: Job): PublicJob {
  const entry = job.status === 'queued' || job.status === 'running' ? bot.queueEntry(job.id) : undefined;
  return {
    id: job.id,
    status: job.status,
    styleLabel: job.styleLabel,
    method: job.method,
    message: publicMessage(messageForJob(job, entry), job),
    options: job.options,
    position: entry?.position,
    // None while no engine takes its lane's jobs: the estimate would count on one.
    etaMs: entry?.waitsForEngine ? undefined : entry?.etaMs,
    progress: job.progress && { iteration: job.progress.iteration, totalIterations: job.progress.totalIterations, etaMs: job.progress.etaMs, elapsedMs: job.progress.elapsedMs, fraction: progressFraction(job.progress) },
    result: job.result && {
      width: job.result.width,
      height: job.result.height,
      iterations: job.result.iterations,
      elapsedMs: job.result.elapsedMs,
      backend: job.result.backend,
      png: `/api/jobs/${job.id}/result.png`,
      gif: `/api/jobs/${job.id}/result.gif`,
      lossHistory: job.result.lossHistory,
    },
    error: job.error,
    restarted: wasInterrupted(job),
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
    contentUrl: `/api/jobs/${job.id}/content.png`,
  };
}

/** The page's words and buttons; on the page, where every picture is its browser's own, a result can also be deleted. */
export function publicMessage(message: JobMessage, job: Pick<Job, 'id'>): PublicJobMessage {
  const canDelete = message.files.length > 0 && !message.actions.some((action) => action.kind === 'remove');
  return {
    text: message.text,
    details: message.details,
    actions: canDelete ? [...message.actions, { ...removeAction(job), label: 'Delete' }] : message.actions,
    files: message.files.map(({ kind, description }) => ({ kind, description })),
  };
}
