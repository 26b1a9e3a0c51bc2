import { counted, formatEta, NO_ENGINE_NOW, progressBar, shortenedList } from '../format.ts';
import { isOfCommunity } from '../jobs/store.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';

/** The queue's first entries listed by /queue; the asker's own are listed wherever they are. */
const SHOWN_ENTRIES = 10;

type QueueEntry = ReturnType<BotServices['queue']['entries']>[number];

export function createQueueCommand(services: BotServices) {
  return defineCommand({ name: 'queue', description: 'Show what is running and waiting, with ETAs', options: {} }, async (context) => {
    const all = services.queue.entries();
    // Only this community's jobs are listed; the others still count in positions and ETAs.
    const entries = all.filter(({ job }) => isOfCommunity(job.requester, context.requester));
    const elsewhere = all.length - entries.length;
    const others = elsewhere > 0 ? `${counted(elsewhere, 'job')} from elsewhere ${elsewhere === 1 ? 'is' : 'are'} in the queue too.` : '';
    if (entries.length === 0) return { text: all.length === 0 ? 'The queue is empty: a new job starts at once.' : `Nothing from here is waiting. ${others}`, ephemeral: true };
    const isMine = (job: QueueEntry['job']) => job.requester.platform === context.requester.platform && job.requester.userId === context.requester.userId;
    const lineOf = ({ job, position, etaMs, waitsForEngine }: QueueEntry) => {
      const state = position === 0 ? `running ${job.progress ? progressBar(job.progress) : ''}`.trim() : `#${position}`;
      const when = waitsForEngine ? `waiting: ${NO_ENGINE_NOW}` : `done in ${formatEta(etaMs)}`;
      return `${state} · job ${job.id} by ${job.requester.userName}${isMine(job) ? ' (yours)' : ''} · ${job.styleLabel}, ${job.options.size} px · ${when}`;
    };
    // Whole, the queue at its default limit of 20 waiting passed Discord's 2000 characters.
    const lines = shortenedList(entries, SHOWN_ENTRIES, ({ job }) => isMine(job), lineOf, (hidden) => `…and ${counted(hidden, 'more job')} waiting`);
    return { text: [...lines, ...(others ? [others] : [])].join('\n'), ephemeral: true };
  });
}
