/** "Your earlier pictures": this browser's jobs, newest first; a click opens one. */
import type { PublicJob } from '../api-types.ts';
import { $, api } from './dom.ts';

export async function renderHistory(open: (job: PublicJob) => void): Promise<void> {
  const jobs = await api<PublicJob[]>('/api/jobs');
  $('#history-empty').hidden = jobs.length > 0;
  $('#history').replaceChildren(
    ...jobs.map((job) => {
      const item = document.createElement('li');
      item.dataset.jobId = job.id;
      const image = document.createElement('img');
      image.src = job.result?.png ?? job.contentUrl;
      image.alt = '';
      const caption = document.createElement('span');
      caption.textContent = `${job.styleLabel} · ${job.status}`;
      item.append(image, caption);
      item.addEventListener('click', () => void api<PublicJob>(`/api/jobs/${job.id}`).then(open));
      return item;
    }),
  );
}
