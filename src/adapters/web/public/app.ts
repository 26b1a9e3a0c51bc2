/** The playground page: wires the form, the job panel, the history and the library tab. */
import type { AppInfo } from '../api-types.ts';
import { $, api } from './dom.ts';
import { offerAcceptedFiles, renderOptionFields, renderStyleChoices, submitStylize, wireDropZone, wirePastedPhoto } from './form.ts';
import { forgetMe, refreshHistory, showJob } from './job-panel.ts';
import { renderLibrary, submitLibrary } from './library.ts';

function selectTab(name: string, permissions: Pick<AppInfo, 'libraryEdits' | 'training'>): void {
  for (const tab of document.querySelectorAll<HTMLButtonElement>('.tab')) tab.setAttribute('aria-selected', String(tab.dataset.tab === name));
  $('#tab-stylize').hidden = name !== 'stylize';
  $('#tab-library').hidden = name !== 'library';
  if (name === 'library') void renderLibrary(permissions);
}

/** How often the header asks again while the engine is not available (an operator may be mending it). */
const PROBLEM_RECHECK_MS = 5000;
/** How often it asks while one is: an engine can fail to start again, and the last worker can stop. */
const ENGINE_RECHECK_MS = 15_000;

/**
 * The engine loads its weights after the page can already be used: say which backend once known, or
 * why there is none (the fix, with its paths, is in the server's log). Keep asking, more often while
 * there is none: the weights put in place, the next job's engine finds them, a worker started, and
 * the header says so without a reload.
 */
async function showBackend(info: Pick<AppInfo, 'backend' | 'engineProblem'>): Promise<void> {
  for (let attempt = 0; !info.backend && !info.engineProblem && attempt < 60; attempt++) {
    $('#backend').textContent = 'engine: starting…';
    await new Promise((resolve) => setTimeout(resolve, 1000));
    info = await api<AppInfo>('/api/info');
  }
  // A problem is the latest word: an engine that started once may fail to start again.
  const unavailable = Boolean(info.engineProblem) || !info.backend;
  $('#backend').textContent = unavailable ? `engine: not available${info.engineProblem ? `: ${info.engineProblem}` : ''} (see the server log)` : `engine: ${info.backend}`;
  setTimeout(() => void api<AppInfo>('/api/info').then(showBackend, () => showBackend(info)), unavailable ? PROBLEM_RECHECK_MS : ENGINE_RECHECK_MS);
}

async function main(): Promise<void> {
  const info = await api<AppInfo>('/api/info');
  void showBackend(info);
  $('#retention').textContent = `Pictures are deleted ${info.retentionDays === 1 ? 'a day' : `${info.retentionDays} days`} after they are painted.`;
  renderOptionFields(info.commands);
  offerAcceptedFiles(info.commands);
  wireDropZone($('#content-drop'), $<HTMLInputElement>('#content-input'), { image: $<HTMLImageElement>('#content-preview'), video: $<HTMLVideoElement>('#content-video-preview') });
  wirePastedPhoto($<HTMLInputElement>('#content-input'), () => !$('#tab-stylize').hidden);
  wireDropZone($('#style-drop'), $<HTMLInputElement>('#style-input'), { image: $<HTMLImageElement>('#style-preview') }, () => {
    for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="style_name"]')) radio.checked = false;
  });
  $<HTMLFormElement>('#stylize-form').addEventListener('submit', (event) => void submitStylize(event));
  $<HTMLFormElement>('#library-form').addEventListener('submit', (event) => void submitLibrary(event, info));
  $<HTMLFormElement>('#library-form').hidden = !info.libraryEdits;
  $('#forget-me').addEventListener('click', () => void forgetMe());
  for (const tab of document.querySelectorAll<HTMLButtonElement>('.tab')) tab.addEventListener('click', () => selectTab(tab.dataset.tab ?? 'stylize', info));
  const [, jobs] = await Promise.all([renderStyleChoices(), refreshHistory()]);
  // Reloaded, or come back, while a picture is still painting: follow it again, as before the reload.
  const unfinished = jobs.find((job) => job.status === 'queued' || job.status === 'running');
  if (unfinished) showJob(unfinished);
  document.body.dataset.ready = 'true';
}

void main();
