import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bot } from '../../bot/bot.ts';
import { progressFraction } from '../../bot/format.ts';
import { messageForEvent } from '../../bot/job-messages.ts';
import { lossPointOf, type Job } from '../../bot/jobs/store.ts';
import type { JobStreamEvent } from './api-types.ts';
import { publicJob, publicMessage } from './public-job.ts';

/**
 * One job's events as Server-Sent Events: a snapshot, then an update per event (the same message
 * parts as in chat, with the progress for the chart), then the finished job. Returns the stream's
 * closer, for shutdown.
 */
export function streamJob(bot: Bot, request: IncomingMessage, response: ServerResponse, job: Job, onClose: () => void): (() => void) | undefined {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  const send = (event: JobStreamEvent) => response.write(`data: ${JSON.stringify(event)}\n\n`);
  send({ type: 'snapshot', job: publicJob(bot, job) });
  if (!['queued', 'running'].includes(job.status)) return void response.end();
  const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
  const unsubscribe = bot.onEvent((event) => {
    if (event.job.id !== job.id) return;
    const message = messageForEvent(event);
    if (message.final) {
      send({ type: 'finished', job: publicJob(bot, event.job) });
      return close();
    }
    send({
      type: 'update',
      message: publicMessage(message, event.job),
      progress:
        event.type === 'progress'
          ? {
              iteration: event.progress.iteration,
              totalIterations: event.progress.totalIterations,
              fraction: progressFraction(event.progress),
              terms: event.recentTerms.map(lossPointOf),
              preview: event.preview ? `data:image/jpeg;base64,${Buffer.from(event.preview).toString('base64')}` : undefined,
            }
          : undefined,
    });
  });
  const close = () => {
    clearInterval(keepAlive);
    unsubscribe();
    response.end();
    onClose();
  };
  request.on('close', close);
  return close;
}
