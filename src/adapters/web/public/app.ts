/** The playground page: wires the form, the job panel, the history and the library tab. */
import type { AppInfo } from '../api-types.ts';
import { $, api } from './dom.ts';
import { renderOptionFields, renderStyleChoices, submitStylize, wireDropZone } from './form.ts';
import { forgetMe, refreshHistory } from './job-panel.ts';
import { renderLibrary, submitLibrary } from './library.ts';

function selectTab(name: string, permissions: Pick<AppInfo, 'libraryEdits' | 'training'>): void {
  for (const tab of document.querySelectorAll<HTMLButtonElement>('.tab')) tab.setAttribute('aria-selected', String(tab.dataset.tab === name));
  $('#tab-stylize').hidden = name !== 'stylize';
  $('#tab-library').hidden = name !== 'library';
  if (name === 'library') void renderLibrary(permissions);
}

/** The engine loads its weights after the page can already be used; say which backend once known. */
async function showBackend(backend: string | undefined): Promise<void> {
  for (let attempt = 0; !backend && attempt < 60; attempt++) {
    $('#backend').textContent = 'engine: starting…';
    await new Promise((resolve) => setTimeout(resolve, 1000));
    backend = (await api<AppInfo>('/api/info')).backend;
  }
  $('#backend').textContent = backend ? `engine: ${backend}` : 'engine: not available (see the server log)';
}

async function main(): Promise<void> {
  const info = await api<AppInfo>('/api/info');
  void showBackend(info.backend);
  $('#retention').textContent = `Pictures are deleted ${info.retentionDays === 1 ? 'a day' : `${info.retentionDays} days`} after they are painted.`;
  renderOptionFields(info.commands);
  wireDropZone($('#content-drop'), $<HTMLInputElement>('#content-input'), $<HTMLImageElement>('#content-preview'));
  wireDropZone($('#style-drop'), $<HTMLInputElement>('#style-input'), $<HTMLImageElement>('#style-preview'), () => {
    for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="style_name"]')) radio.checked = false;
  });
  $<HTMLFormElement>('#stylize-form').addEventListener('submit', (event) => void submitStylize(event));
  $<HTMLFormElement>('#library-form').addEventListener('submit', (event) => void submitLibrary(event, info));
  $<HTMLFormElement>('#library-form').hidden = !info.libraryEdits;
  $('#forget-me').addEventListener('click', () => void forgetMe());
  for (const tab of document.querySelectorAll<HTMLButtonElement>('.tab')) tab.addEventListener('click', () => selectTab(tab.dataset.tab ?? 'stylize', info));
  await Promise.all([renderStyleChoices(), refreshHistory()]);
  document.body.dataset.ready = 'true';
}

void main();
