/** The job panel: what the job says now (the chat's words), its buttons, live frames and the result. */
import type { JobAction } from '../../../bot/job-messages.ts';
import type { JobStreamEvent, PublicJob, PublicJobMessage } from '../api-types.ts';
import { $, api } from './dom.ts';
import { renderHistory } from './history.ts';
import { extendChart, resetChart } from './loss-chart.ts';

let activeStream: EventSource | undefined;

/** Re-reads the history list (and returns it, newest first); opening an entry shows its job here. */
export function refreshHistory(): Promise<PublicJob[]> {
  return renderHistory((job) => showJob(job));
}

/** "Delete all my pictures now": the bot's /forget-me for this browser, after the browser's own confirmation. */
export async function forgetMe(): Promise<void> {
  if (!window.confirm('Delete every picture and photo of yours from this playground, and cancel any still painting? This cannot be undone.')) return;
  activeStream?.close();
  $('#job').hidden = true;
  $('#notice').textContent = (await api<{ message: string }>('/api/forget-me', { method: 'POST' })).message;
  await refreshHistory();
}

export function showJob(job: PublicJob, message?: string): void {
  activeStream?.close();
  $('#connection').hidden = true;
  $('#job').hidden = false;
  $('#notice').textContent = '';
  $('#result').hidden = true;
  $('#job-title').textContent = `Job ${job.id} · ${job.styleLabel}`;
  $<HTMLImageElement>('#preview').src = job.result?.png ?? job.contentUrl;
  $('#preview-figure').hidden = false;
  // One pass of a network, or a clip's frames each painted apart, has no one loss to chart: an empty chart would only look broken.
  $('#loss-figure').hidden = job.method === 'fast' || isClip(job);
  renderStatus(job, message);
  resetChart(job.result?.lossHistory ?? [], job.options.multiScale !== false);
  if (job.status === 'queued' || job.status === 'running') follow(job.id);
  else finish(job);
  reveal($('#job'));
}

/**
 * On a phone the panel is below the form, and an entry of the history is below the panel: the job
 * just asked for or opened is brought into view, where it would otherwise appear out of sight.
 */
function reveal(panel: HTMLElement): void {
  const { top } = panel.getBoundingClientRect();
  if (top < 0 || top > window.innerHeight / 2) panel.scrollIntoView({ block: 'start' });
}

function renderStatus(job: PublicJob, message?: string): void {
  showMessage(job.message, message);
  if (job.status !== 'running') $<HTMLProgressElement>('#progress').value = job.status === 'succeeded' ? 1 : 0;
  else if (job.progress) $<HTMLProgressElement>('#progress').value = job.progress.fraction;
}

/** What the job says now (the same words as in chat) and its buttons: Cancel, or Less / More / Again under a result. */
function showMessage(message: PublicJobMessage, override?: string): void {
  $('#status').textContent = override ?? message.text;
  $('#job-actions').replaceChildren(
    ...message.actions.map((action) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = action.label;
      button.dataset.action = action.kind === 'rerun' ? action.change : action.kind;
      if (action.kind !== 'rerun') button.classList.add('danger');
      button.addEventListener('click', () => void runAction(action));
      return button;
    }),
  );
}

async function runAction(action: JobAction): Promise<void> {
  // One press at a time: a double click queued the same repaint twice (the page then followed only the second).
  const buttons = [...document.querySelectorAll<HTMLButtonElement>('#job-actions button')];
  for (const button of buttons) button.disabled = true;
  try {
    if (action.kind === 'cancel') {
      await api(`/api/jobs/${action.jobId}`, { method: 'DELETE' });
      return;
    }
    if (action.kind === 'remove') {
      const removed = await api<{ message: string }>(`/api/jobs/${action.jobId}/result`, { method: 'DELETE' });
      $('#job').hidden = true;
      $('#notice').textContent = removed.message;
      void refreshHistory();
      return;
    }
    const created = await api<{ message: string; job: PublicJob }>(`/api/jobs/${action.jobId}/rerun/${action.change}`, { method: 'POST' });
    showJob(created.job, created.message);
    void refreshHistory();
  } catch (error) {
    $('#status').textContent = (error as Error).message;
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

/**
 * Follows a job's events. The browser reconnects by itself when the stream breaks (the server
 * restarting, the network): meanwhile the panel says so, and the snapshot the server sends on
 * reconnecting may be of a job that ended in between.
 */
function follow(jobId: string): void {
  const stream = new EventSource(`/api/jobs/${jobId}/events`);
  activeStream = stream;
  const connection = $('#connection');
  connection.hidden = true;
  stream.onerror = () => {
    // CONNECTING: it tries again by itself; CLOSED: the server refused the stream, and it gave up.
    connection.textContent =
      stream.readyState === EventSource.CLOSED
        ? 'Lost the connection to the playground. Reload the page to follow your picture.'
        : 'Lost the connection to the playground; reconnecting… Your picture is kept, and goes on once the server is back.';
    connection.hidden = false;
  };
  stream.onmessage = (message) => {
    connection.hidden = true;
    const event = JSON.parse(message.data as string) as JobStreamEvent;
    switch (event.type) {
      case 'snapshot':
        if (event.job.status === 'queued' || event.job.status === 'running') {
          renderStatus(event.job);
          break;
        }
        stream.close();
        finish(event.job);
        void refreshHistory();
        break;
      case 'update':
        showMessage(event.message);
        if (event.progress) {
          $<HTMLProgressElement>('#progress').value = event.progress.fraction;
          if (event.progress.preview) $<HTMLImageElement>('#preview').src = event.progress.preview;
          extendChart(event.progress.terms);
        }
        break;
      case 'finished':
        stream.close();
        finish(event.job);
        void refreshHistory();
        break;
    }
  };
}

function isClip(job: PublicJob): boolean {
  return job.options.clipFrames !== undefined;
}

/** What the result's GIF shows: the painted clip, a fast picture's before/after wipe, or the optimisation's frames. */
function gifCaptionOf(job: PublicJob, clip: boolean): string {
  if (clip) return `The clip, painted (${String(job.options.clipFrames)} frame${job.options.clipFrames === 1 ? '' : 's'})`;
  return job.method === 'fast' ? 'Before and after' : 'How it emerged';
}

/** What a result file shows, in the words the chats give it too. */
function descriptionOf(job: PublicJob, kind: 'png' | 'gif'): string {
  return job.message.files.find((file) => file.kind === kind)?.description ?? '';
}

function finish(job: PublicJob): void {
  renderStatus(job);
  if (job.status !== 'succeeded' || !job.result) return;
  resetChart(job.result.lossHistory, job.options.multiScale !== false);
  // The result below shows the finished picture: the live frame above would only repeat it.
  $('#preview-figure').hidden = true;
  // Sized before they load (the GIF has the picture's shape), so that the page is as tall as it will
  // be when the panel is brought into view below: on a phone it stopped short while they loaded.
  for (const [id, src] of [['#result-image', job.result.png], ['#result-gif', job.result.gif]] as const) {
    const image = $<HTMLImageElement>(id);
    image.width = job.result.width;
    image.height = job.result.height;
    image.src = src;
  }
  // A clip's GIF is the result itself, and its PNG only the first frame.
  const clip = isClip(job);
  $('#result-image-caption').textContent = clip ? 'First frame' : 'Result';
  $('#result-gif-caption').textContent = gifCaptionOf(job, clip);
  $<HTMLImageElement>('#result-image').alt = descriptionOf(job, 'png');
  $<HTMLImageElement>('#result-gif').alt = descriptionOf(job, 'gif');
  $<HTMLAnchorElement>('#download-png').href = `${job.result.png}?download`;
  $<HTMLAnchorElement>('#download-gif').href = `${job.result.gif}?download`;
  $('#parameters').textContent = `${job.message.details ?? ''} · computed by ${job.result.backend}`;
  $('#result').hidden = false;
  // Shown, the result makes the page taller: a scroll that stopped short at the page's end (a phone's) can now reach the panel.
  reveal($('#job'));
}
