/**
 * The stylize form. Its option fields are generated from the bot's own command definition (fetched
 * from /api/info), so the page cannot drift from what /stylize accepts on Discord or Slack.
 */
import { acceptListOf, type CommandDefinition, type OptionDefinition } from '../../../bot/commands/types.ts';
import type { PublicJob, PublicStyle } from '../api-types.ts';
import { $, api, clearErrors, showError } from './dom.ts';
import { refreshHistory, showJob } from './job-panel.ts';
import { setUpStyleFilter, showFoundStyles, showNothingFound } from './style-filter.ts';

/** Options that have their own widgets (drop zones, the style grid). */
const SPECIAL_OPTIONS = new Set(['content', 'style', 'style_name']);

export function renderOptionFields(commands: readonly CommandDefinition[]): void {
  const stylize = commands.find((command) => command.name === 'stylize');
  if (!stylize) return;
  const container = $('#options');
  container.replaceChildren();
  for (const [name, option] of Object.entries(stylize.options)) {
    if (SPECIAL_OPTIONS.has(name)) continue;
    container.append(fieldFor(name, option));
  }
}

/** The page's own file pickers, and the command option each stands for. */
const PICKERS = [
  { command: 'stylize', option: 'content', selector: '#content-input' },
  { command: 'stylize', option: 'style', selector: '#style-input' },
  { command: 'style add', option: 'image', selector: '#library-form input[name="image"]' },
] as const;

/** Each picker offers the files its option takes (the photo may be a clip), from the command definitions. */
export function offerAcceptedFiles(commands: readonly CommandDefinition[]): void {
  for (const picker of PICKERS) {
    const option = commands.find((command) => command.name === picker.command)?.options[picker.option];
    if (option?.type === 'image') $<HTMLInputElement>(picker.selector).accept = acceptListOf(option);
  }
}

function fieldFor(name: string, option: OptionDefinition): HTMLElement {
  const label = document.createElement('label');
  label.textContent = name.replace(/_/g, ' ');
  let input: HTMLInputElement | HTMLSelectElement;
  if (option.type === 'choice') {
    input = document.createElement('select');
    // No default: an empty first entry says what leaving it means, and sends nothing.
    if (option.default === undefined) input.append(new Option(option.unset ?? '', '', true, true));
    for (const choice of option.choices) input.append(new Option(choice, choice, choice === option.default, choice === option.default));
  } else if (option.type === 'boolean') {
    // A select, not a checkbox: an unticked box sends nothing, which could not say "no" to a default "yes".
    input = document.createElement('select');
    for (const [label, value] of [['yes', 'true'], ['no', 'false']] as const) input.append(new Option(label, value, (option.default ?? false) === (value === 'true'), (option.default ?? false) === (value === 'true')));
  } else if (option.type === 'image') {
    input = document.createElement('input');
    input.type = 'file';
    input.accept = acceptListOf(option);
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
      // Library style names as suggestions (the page's autocomplete, as Discord's).
      if (option.autocomplete === 'style') input.setAttribute('list', 'style-names');
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

/** A drop zone's previews: a picture's, and a video's where the zone takes videos (an <img> cannot show one). */
export interface DropPreviews {
  readonly image: HTMLImageElement;
  readonly video?: HTMLVideoElement | undefined;
}

export function wireDropZone(zone: HTMLElement, input: HTMLInputElement, previews: DropPreviews, onChange?: () => void): void {
  const hint = zone.querySelector<HTMLElement>('.drop-hint');
  // A zone's own words for "nothing chosen" may change (the style's, when the library is empty).
  const emptyHint = () => zone.dataset.emptyHint ?? '';
  zone.dataset.emptyHint = hint?.textContent ?? '';
  // A picture this browser cannot draw (a HEIC in Chromium) is said so by name, not shown as a broken image: the bot paints it all the same.
  previews.image.addEventListener('error', () => {
    const name = input.files?.[0]?.name;
    if (!name || !hint) return;
    previews.image.hidden = true;
    hint.textContent = `${name}: this browser cannot show it, but it will be painted all the same.`;
  });
  const show = () => {
    const file = input.files?.[0];
    const video = file?.type.startsWith('video/') ? previews.video : undefined;
    if (hint) hint.textContent = emptyHint();
    previews.image.hidden = !file || video !== undefined;
    if (previews.video) previews.video.hidden = video === undefined;
    previews.image.alt = file?.name ?? '';
    if (file) (video ?? previews.image).src = URL.createObjectURL(file);
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

/**
 * A picture pasted on the page while `isActive` (a screenshot, an image copied in another tab)
 * becomes the photo, as if dropped on its zone; a paste of text is left alone.
 */
export function wirePastedPhoto(input: HTMLInputElement, isActive: () => boolean): void {
  document.addEventListener('paste', (event) => {
    const file = [...(event.clipboardData?.files ?? [])].find((candidate) => candidate.type.startsWith('image/'));
    if (!file || !isActive()) return;
    event.preventDefault();
    const pasted = new DataTransfer();
    pasted.items.add(file);
    input.files = pasted.files;
    input.dispatchEvent(new Event('change'));
  });
}

export async function renderStyleChoices(): Promise<void> {
  const styles = await api<PublicStyle[]>('/api/styles');
  $('#style-names').replaceChildren(...styles.map((style) => new Option(style.label, style.name)));
  $('#style-choices-empty').hidden = styles.length > 0;
  setStyleDropHint(styles.length > 0 ? '…or drop your own style image' : 'Drop a painting here, or click to choose one');
  const grid = $('#style-choices');
  grid.hidden = styles.length === 0;
  setUpStyleFilter($<HTMLInputElement>('#style-filter'), styles.length, () => filterStyleChoices(styles));
  grid.replaceChildren(
    ...styles.map((style, index) => {
      const label = document.createElement('label');
      label.className = 'style-choice';
      label.title = style.fast ? `${style.title} (fast: paints in seconds)` : style.title;
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
      caption.className = 'caption';
      caption.textContent = style.name;
      label.append(radio, image, caption);
      // On the picture, where a long name cannot cut it off.
      if (style.fast) label.append(fastBadge());
      return label;
    }),
  );
  // Drawn again (a style added or removed): what the field holds still applies.
  filterStyleChoices(styles);
}

/**
 * Shows the styles the field finds, and says so when none is. A chosen style the words hide gives
 * way to the first shown: Stylize paints what is in sight, or what the note names.
 */
function filterStyleChoices(styles: readonly PublicStyle[]): void {
  const field = $<HTMLInputElement>('#style-filter');
  const labels = [...document.querySelectorAll<HTMLLabelElement>('#style-choices .style-choice')];
  const shown = showFoundStyles(field, labels, styles);
  const chosen = labels.find((label) => label.querySelector('input')!.checked);
  if (chosen?.hidden && shown[0]) shown[0].querySelector('input')!.checked = true;
  // None in sight: the one chosen before is still what Stylize paints, and the note says which.
  const still = chosen && shown.length === 0 ? ` (still chosen: ${chosen.querySelector('input')!.value})` : '';
  showNothingFound($('#style-filter-none'), field, shown.length, still);
}

/** Shown while no style image is chosen: "…or" follows the library's paintings, and reads oddly without them. */
function setStyleDropHint(text: string): void {
  const zone = $('#style-drop');
  zone.dataset.emptyHint = text;
  if (!$<HTMLInputElement>('#style-input').files?.length) $('#style-drop .drop-hint').textContent = text;
}

function fastBadge(): HTMLElement {
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.textContent = 'fast';
  return badge;
}

export async function submitStylize(event: SubmitEvent): Promise<void> {
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
    const { job, message } = await api<{ job: PublicJob; message: string }>('/api/jobs', { method: 'POST', body: filesLast(data) });
    showJob(job, message);
    void refreshHistory();
  } catch (error) {
    showError(form, (error as Error).message, (error as { field?: string }).field);
  } finally {
    button.disabled = false;
  }
}

/**
 * The form with its text fields first and its files last: the server refuses what the fields alone
 * can (a full queue, a limit reached) before it reads a photo, and answers at once.
 */
export function filesLast(data: FormData): FormData {
  const ordered = new FormData();
  const entries = [...data.entries()];
  for (const [key, value] of entries) if (typeof value === 'string') ordered.append(key, value);
  for (const [key, value] of entries) if (typeof value !== 'string') ordered.append(key, value);
  return ordered;
}
