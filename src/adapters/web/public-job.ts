import type { Bot } from '../../bot/bot.ts';
import { messageForJob, type JobMessage } from '../../bot/job-messages.ts';
import { wasInterrupted, type Job } from '../../bot/jobs/store.ts';
import type { PublicJob, PublicJobMessage } from './api-types.ts';

/** A job as the page sees it: no file paths, results as URLs, and what it says now in the chat's words. */
export function publicJob(bot: Bot, job: Job): PublicJob {
  const entry = job.status === 'queued' || job.status === 'running' ? bot.queueEntry(job.id) : undefined;
  return {
    id: job.id,
    status: job.status,
    styleLabel: job.styleLabel,
    message: publicMessage(messageForJob(job, entry)),
    options: job.options,
    position: entry?.position,
    etaMs: entry?.etaMs,
    progress: job.progress,
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

export function publicMessage(message: JobMessage): PublicJobMessage {
  return { text: message.text, details: message.details, actions: message.actions };
}
