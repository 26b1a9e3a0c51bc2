import { formatEta, progressBar } from '../format.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';

export function createQueueCommand(services: BotServices) {
  return defineCommand({ name: 'queue', description: 'Show what is running and waiting, with ETAs', options: {} }, async (context) => {
    const entries = services.queue.entries();
    if (entries.length === 0) return { text: 'The queue is empty: a new job starts at once.', ephemeral: true };
    const lines = entries.map(({ job, position, etaMs }) => {
      const mine = job.requester.platform === context.requester.platform && job.requester.userId === context.requester.userId ? ' (yours)' : '';
      const state = position === 0 ? `running ${job.progress ? progressBar(job.progress) : ''}`.trim() : `#${position}`;
      return `${state} · job ${job.id} by ${job.requester.userName}${mine} · ${job.styleLabel}, ${job.options.size} px · done in ${formatEta(etaMs)}`;
    });
    return { text: lines.join('\n'), ephemeral: true };
  });
}
