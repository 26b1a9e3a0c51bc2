import { BotError } from '../errors.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';

export function createCancelCommand(services: BotServices) {
  return defineCommand(
    {
      name: 'cancel',
      description: 'Cancel your job (moderators: any job)',
      options: { job: { type: 'text', description: 'the job id (default: your latest waiting or running job)', maxLength: 32 } },
    },
    async (context, args) => {
      let jobId = args.job;
      if (!jobId) {
        const own = services.queue
          .entries()
          .filter(({ job }) => job.requester.platform === context.requester.platform && job.requester.userId === context.requester.userId);
        // Entries come lane by lane: the latest is the one submitted last.
        const latest = own.sort((a, b) => a.job.seq - b.job.seq).at(-1);
        if (!latest) throw new BotError('unknown_job', 'You have no job waiting or running.', 'job');
        jobId = latest.job.id;
      }
      const job = services.queue.cancel(jobId, context.requester);
      return { text: `Cancelled job ${job.id}.`, ephemeral: true, jobId: job.id };
    },
  );
}
