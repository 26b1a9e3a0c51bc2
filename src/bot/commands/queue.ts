import { counted, formatEta, progressBar } from '../format.ts';
import { isOfCommunity } from '../jobs/store.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';

export function createQueueCommand(services: BotServices) {
  return defineCommand({ name: 'queue', description: 'Show what is running and waiting, with ETAs', options: {} }, async (context) => {
    const all = services.queue.entries();
    // Only this community's jobs are listed; the others still count in positions and ETAs.
    const entries = all.filter(({ job }) => isOfCommunity(job.requester, context.requester));
    const elsewhere = all.length - entries.length;
    const others = elsewhere > 0 ? `${counted(elsewhere, 'job')} from other servers ${elsewhere === 1 ? 'is' : 'are'} in the queue too.` : '';
    if (entries.length === 0) return { text: all.length === 0 ? 'The queue is empty: a new job starts at once.' : `Nothing of this server's is waiting. ${others}`, ephemeral: true };
    const lines = entries.map(({ job, position, etaMs }) => {
      const mine = job.requester.platform === context.requester.platform && job.requester.userId === context.requester.userId ? ' (yours)' : '';
      const state = position === 0 ? `running ${job.progress ? progressBar(job.progress) : ''}`.trim() : `#${position}`;
      return `${state} · job ${job.id} by ${job.requester.userName}${mine} · ${job.styleLabel}, ${job.options.size} px · done in ${formatEta(etaMs)}`;
    });
    return { text: [...lines, ...(others ? [others] : [])].join('\n'), ephemeral: true };
  });
}
