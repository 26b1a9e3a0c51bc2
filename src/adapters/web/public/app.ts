/**
 * The playground page. Its option fields are generated from the bot's own command definitions
 * (fetched from /api/info), so the page cannot drift from what /stylize accepts on Discord or Slack.
 */
import type { OptionDefinition } from '../../../bot/commands/types.ts';
import type { JobAction } from '../../../bot/job-messages.ts';
import type { ApiError, AppInfo, JobStreamEvent, PublicJob, PublicJobMessage, PublicStyle } from '../api-types.ts';

const $ = <T extends HTMLElement = HTMLElement>(selector: string, root: ParentNode = document): T => {
  const element = root.querySelector<T>(selector);
  if (!element) throw new Error(`missing element ${selector}`);
  return element;
};

/** Options that have their own widgets above (drop zones, the style grid). */
const SPECIAL_OPTIONS = new Set(['content', 'style', 'style_name']);
const SERIES = [
  { label: 'content', color: '#2f6db5' },
  { label: 'style', color: '#b5462f' },
  { label: 'TV', color: '#5a8f3a' },
] as const;

let info: AppInfo;
let activeStream: EventSource | undefined;
let lossHistory: (readonly [number, number, number])[] = [];

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  const body = (await response.json()) as T | ApiError;
  if (!response.ok) throw Object.assign(new Error((body as ApiError).error), { field: (body as ApiError).field });
  return body as T;
}

// ---------- form ----------

function renderOptionFields(): void {
  const stylize = info.commands.find((command) => command.name === 'stylize');
  if (!stylize) return;
  const container = $('#options');
  container.replaceChildren();
  for (const [name, option] of Object.entries(stylize.options)) {
    if (SPECIAL_OPTIONS.has(name)) continue;
    container.append(fieldFor(name, option));
  }
}

function fieldFor(name: string, option: OptionDefinition): HTMLElement {
  const label = document.createElement('label');
  label.textContent = name.replace(/_/g, ' ');
  let input: HTMLInputElement | HTMLSelectElement;
  if (option.type === 'choice') {
    input = document.createElement('select');
    for (const choice of option.choices) input.append(new Option(choice, choice, choice === option.default, choice === option.default));
  } else if (option.type === 'boolean') {
    // A select, not a checkbox: an unticked box sends nothing, which could not say "no" to a default "yes".
    input = document.createElement('select');
    for (const [label, value] of [['yes', 'true'], ['no', 'false']] as const) input.append(new Option(label, value, (option.default ?? false) === (value === 'true'), (option.default ?? false) === (value === 'true')));
  } else if (option.type === 'image') {
    input = document.createElement('input');
    input.type = 'file';
    input.accept = 'image/jpeg,image/png,image/webp,image/gif';
  } else {
    input = document.createElement('input');
    if (option.type === 'number' || option.type === 'integer') {
      input.type = 'number';
      input.min = String(option.min);
      input.max = String(option.max);
      input.step = option.type === 'integer' ? '1' : 'any';
      input.placeholder = option.default !== undefined ? String(option.default) : (option.unset ?? '');
    } else if (option.type === 'text') {
      input.maxLength = option.maxLength;
    }
  }
  input.name = name;
  input.id = `option-${name}`;
  const hint = document.createElement('span');
  hint.className = 'hint';
  hint.textContent = option.description;
  const error = document.createElement('p');
  error.className = 'field-error';
  error.dataset.field = name;
  label.append(input, hint, error);
  return label;
}

function clearErrors(form: HTMLFormElement): void {
  for (const element of form.querySelectorAll<HTMLElement>('.field-error')) element.textContent = '';
}

function showError(form: HTMLFormElement, message: string, field: string | undefined): void {
  const target = (field && form.querySelector<HTMLElement>(`.field-error[data-field="${field}"]`)) || $('.field-error[data-field="form"]', form);
  target.textContent = message;
  const details = target.closest('details');
  if (details) details.open = true;
}

function wireDropZone(zone: HTMLElement, input: HTMLInputElement, preview: HTMLImageElement, onChange?: () => void): void {
  const show = () => {
    const file = input.files?.[0];
    preview.hidden = !file;
    if (file) preview.src = URL.createObjectURL(file);
    onChange?.();
  };
  input.addEventListener('change', show);
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    if (event.dataTransfer?.files.length) {
      input.files = event.dataTransfer.files;
      show();
    }
  });
}

async function renderStyleChoices(): Promise<void> {
  const styles = await api<PublicStyle[]>('/api/styles');
  const grid = $('#style-choices');
  grid.replaceChildren(
    ...styles.map((style, index) => {
      const label = document.createElement('label');
      label.className = 'style-choice';
      label.title = style.title;
      const radio = document.createElement('input');
      radio.type = 'radio';
      radio.name = 'style_name';
      radio.value = style.name;
      radio.checked = index === 0;
      radio.addEventListener('change', () => {
        const upload = $<HTMLInputElement>('#style-input');
        upload.value = '';
        $<HTMLImageElement>('#style-preview').hidden = true;
      });
      const image = document.createElement('img');
      image.src = style.imageUrl;
      image.alt = style.title;
      image.loading = 'lazy';
      const caption = document.createElement('span');
      caption.textContent = style.name;
      label.append(radio, image, caption);
      return label;
    }),
  );
}

async function submitStylize(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  clearErrors(form);
  const data = new FormData(form);
  const styleFile = data.get('style');
  if (styleFile instanceof File && styleFile.size > 0) data.delete('style_name');
  for (const [key, value] of [...data.entries()]) {
    if (value instanceof File && value.size === 0 && !value.name) data.delete(key);
  }
  const button = $<HTMLButtonElement>('#stylize-button');
  button.disabled = true;
  try {
    const { job, message } = await api<{ job: PublicJob; message: string }>('/api/jobs', { method: 'POST', body: data });
    showJob(job, message);
    void renderHistory();
  } catch (error) {
    showError(form, (error as Error).message, (error as { field?: string }).field);
  } finally {
    button.disabled = false;
  }
}

// ---------- the job panel ----------

function showJob(job: PublicJob, message?: string): void {
  activeStream?.close();
  lossHistory = [...(job.result?.lossHistory ?? [])];
  $('#job').hidden = false;
  $('#result').hidden = true;
  $('#job-title').textContent = `Job ${job.id} · ${job.styleLabel}`;
  $<HTMLImageElement>('#preview').src = job.result?.png ?? job.contentUrl;
  renderStatus(job, message);
  drawChart();
  if (job.status === 'queued' || job.status === 'running') follow(job.id);
  else finish(job);
}

function renderStatus(job: PublicJob, message?: string): void {
  showMessage(job.message, message);
  if (job.status !== 'running') $<HTMLProgressElement>('#progress').value = job.status === 'succeeded' ? 1 : 0;
  else if (job.progress) $<HTMLProgressElement>('#progress').value = job.progress.iteration / job.progress.totalIterations;
}

/** What the job says now (the same words as in chat) and its buttons: Cancel, or Less / More / Again under a result. */
function showMessage(message: PublicJobMessage, override?: string): void {
  $('#status').textContent = override ?? message.text;
  $('#job-actions').replaceChildren(
    ...message.actions.map((action) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = action.label;
      button.dataset.action = action.kind === 'cancel' ? 'cancel' : action.change;
      if (action.kind === 'cancel') button.classList.add('danger');
      button.addEventListener('click', () => void runAction(action));
      return button;
    }),
  );
}

async function runAction(action: JobAction): Promise<void> {
  try {
    if (action.kind === 'cancel') {
      await api(`/api/jobs/${action.jobId}`, { method: 'DELETE' });
      return;
    }
    const created = await api<{ message: string; job: PublicJob }>(`/api/jobs/${action.jobId}/rerun/${action.change}`, { method: 'POST' });
    showJob(created.job, created.message);
    void renderHistory();
  } catch (error) {
    $('#status').textContent = (error as Error).message;
  }
}

function follow(jobId: string): void {
  const stream = new EventSource(`/api/jobs/${jobId}/events`);
  activeStream = stream;
  stream.onmessage = (message) => {
    const event = JSON.parse(message.data as string) as JobStreamEvent;
    switch (event.type) {
      case 'snapshot':
        renderStatus(event.job);
        break;
      case 'update':
        showMessage(event.message);
        if (event.progress) {
          $<HTMLProgressElement>('#progress').value = event.progress.iteration / event.progress.totalIterations;
          if (event.progress.preview) $<HTMLImageElement>('#preview').src = event.progress.preview;
          lossHistory.push(...event.progress.terms);
          drawChart();
        }
        break;
      case 'finished':
        stream.close();
        finish(event.job);
        void renderHistory();
        break;
    }
  };
}

function finish(job: PublicJob): void {
  renderStatus(job);
  if (job.status !== 'succeeded' || !job.result) return;
  lossHistory = [...job.result.lossHistory];
  drawChart();
  $<HTMLImageElement>('#preview').src = job.result.png;
  $<HTMLImageElement>('#result-image').src = job.result.png;
  $<HTMLImageElement>('#result-gif').src = job.result.gif;
  $<HTMLAnchorElement>('#download-png').href = `${job.result.png}?download`;
  $<HTMLAnchorElement>('#download-gif').href = `${job.result.gif}?download`;
  $('#parameters').textContent = `${job.message.details ?? ''} · computed by ${job.result.backend}`;
  $('#result').hidden = false;
}

/** Content, style and TV loss per iteration on a log scale, drawn on a canvas. */
function drawChart(): void {
  const canvas = $<HTMLCanvasElement>('#loss-chart');
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height } = canvas;
  const pad = { left: 48, right: 10, top: 10, bottom: 24 };
  context.clearRect(0, 0, width, height);
  context.fillStyle = '#fffdf8';
  context.fillRect(0, 0, width, height);
  const values = lossHistory.flatMap((terms) => terms.filter((value) => value > 0).map(Math.log10));
  if (values.length === 0) return;
  const low = Math.floor(Math.min(...values));
  const high = Math.ceil(Math.max(...values)) === low ? low + 1 : Math.ceil(Math.max(...values));
  const x = (index: number) => pad.left + (index / Math.max(1, lossHistory.length - 1)) * (width - pad.left - pad.right);
  const y = (log: number) => pad.top + (1 - (log - low) / (high - low)) * (height - pad.top - pad.bottom);
  context.strokeStyle = '#e2dccf';
  context.fillStyle = '#7a7268';
  context.font = '11px DejaVu Sans, sans-serif';
  for (let decade = low; decade <= high; decade++) {
    context.beginPath();
    context.moveTo(pad.left, y(decade));
    context.lineTo(width - pad.right, y(decade));
    context.stroke();
    context.fillText(`1e${decade}`, 4, y(decade) + 4);
  }
  context.fillText(`iteration ${lossHistory.length}`, width - 100, height - 6);
  SERIES.forEach((series, seriesIndex) => {
    context.strokeStyle = series.color;
    context.lineWidth = 2;
    context.beginPath();
    let started = false;
    lossHistory.forEach((terms, index) => {
      const value = terms[seriesIndex]!;
      if (value <= 0) return;
      if (started) context.lineTo(x(index), y(Math.log10(value)));
      else context.moveTo(x(index), y(Math.log10(value)));
      started = true;
    });
    context.stroke();
    context.fillStyle = series.color;
    context.fillText(series.label, pad.left + 8 + seriesIndex * 60, pad.top + 12);
  });
  canvas.dataset.points = String(lossHistory.length);
}

async function renderHistory(): Promise<void> {
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
      item.addEventListener('click', () => void api<PublicJob>(`/api/jobs/${job.id}`).then((fresh) => showJob(fresh)));
      return item;
    }),
  );
}

// ---------- the library ----------

async function renderLibrary(): Promise<void> {
  const styles = await api<PublicStyle[]>('/api/styles');
  $('#library').replaceChildren(
    ...styles.map((style) => {
      const card = document.createElement('div');
      card.className = 'library-card';
      const image = document.createElement('img');
      image.src = style.imageUrl;
      image.alt = style.title;
      const footer = document.createElement('div');
      const name = document.createElement('span');
      name.textContent = `${style.name}`;
      name.title = style.title;
      footer.append(name);
      if (info.libraryEdits) {
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.textContent = 'Remove';
        remove.addEventListener('click', async () => {
          await api(`/api/styles/${style.name}`, { method: 'DELETE' });
          await Promise.all([renderLibrary(), renderStyleChoices()]);
        });
        footer.append(remove);
      }
      card.append(image, footer);
      return card;
    }),
  );
}

async function submitLibrary(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  clearErrors(form);
  try {
    await api('/api/styles', { method: 'POST', body: new FormData(form) });
    form.reset();
    await Promise.all([renderLibrary(), renderStyleChoices()]);
  } catch (error) {
    showError(form, (error as Error).message, (error as { field?: string }).field);
  }
}

function selectTab(name: string): void {
  for (const tab of document.querySelectorAll<HTMLButtonElement>('.tab')) tab.setAttribute('aria-selected', String(tab.dataset.tab === name));
  $('#tab-stylize').hidden = name !== 'stylize';
  $('#tab-library').hidden = name !== 'library';
  if (name === 'library') void renderLibrary();
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
  info = await api<AppInfo>('/api/info');
  void showBackend(info.backend);
  renderOptionFields();
  wireDropZone($('#content-drop'), $<HTMLInputElement>('#content-input'), $<HTMLImageElement>('#content-preview'));
  wireDropZone($('#style-drop'), $<HTMLInputElement>('#style-input'), $<HTMLImageElement>('#style-preview'), () => {
    for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="style_name"]')) radio.checked = false;
  });
  $<HTMLFormElement>('#stylize-form').addEventListener('submit', (event) => void submitStylize(event));
  $<HTMLFormElement>('#library-form').addEventListener('submit', (event) => void submitLibrary(event));
  $<HTMLFormElement>('#library-form').hidden = !info.libraryEdits;
  for (const tab of document.querySelectorAll<HTMLButtonElement>('.tab')) tab.addEventListener('click', () => selectTab(tab.dataset.tab ?? 'stylize'));
  await Promise.all([renderStyleChoices(), renderHistory()]);
  document.body.dataset.ready = 'true';
}

void main();
