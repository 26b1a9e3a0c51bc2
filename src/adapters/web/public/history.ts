/** "Your earlier pictures": this browser's jobs, newest first; each one a button that opens it. */
import type { JobStatus } from '../../../bot/jobs/store.ts';
import type { PublicJob } from '../api-types.ts';
import { $, api } from './dom.ts';

/** Where a job is, in the words the rest of the page and the chats use ("Done in 13 s"), not the store's. */
const STATE_WORDS: Readonly<Record<JobStatus, string>> = { queued: 'waiting', running: 'painting', succeeded: 'done', failed: 'failed', cancelled: 'cancelled' };

/** Lists the jobs and returns them (newest first), so that the page can reopen one still painting. */
export async function renderHistory(open: (job: PublicJob) => void): Promise<PublicJob[]> {
  const jobs = await api<PublicJob[]>('/api/jobs');
  $('#history-empty').hidden = jobs.length > 0;
  $('#history').replaceChildren(
    ...jobs.map((job) => {
      const item = document.createElement('li');
      item.dataset.jobId = job.id;
      // A button, not a clickable item: reached with Tab and opened with Enter or Space, and named by its caption.
      const button = document.createElement('button');
      button.type = 'button';
      const image = document.createElement('img');
      image.src = job.result?.png ?? job.contentUrl;
      image.alt = '';
      const caption = document.createElement('span');
      caption.textContent = `${job.styleLabel} · ${STATE_WORDS[job.status]}`;
      button.append(image, caption);
      button.addEventListener('click', () => void api<PublicJob>(`/api/jobs/${job.id}`).then(open));
      item.append(button);
      return item;
    }),
  );
  return jobs;
}
