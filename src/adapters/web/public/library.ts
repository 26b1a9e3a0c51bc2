/** The style library tab: the paintings, and (where allowed) adding, removing and training one. */
import type { AppInfo, PublicJob, PublicStyle } from '../api-types.ts';
import { $, api, clearErrors, showError } from './dom.ts';
import { filesLast, renderStyleChoices } from './form.ts';
import { refreshHistory } from './job-panel.ts';
import { setUpStyleFilter, showFoundStyles, showNothingFound } from './style-filter.ts';

type Permissions = Pick<AppInfo, 'libraryEdits' | 'training'>;

export async function renderLibrary(permissions: Permissions): Promise<void> {
  const { libraryEdits } = permissions;
  const styles = await api<PublicStyle[]>('/api/styles');
  const empty = $('#library-empty');
  empty.hidden = styles.length > 0;
  empty.textContent = libraryEdits ? 'The style library is empty: add a painting with the form below.' : 'The style library is empty.';
  setUpStyleFilter($<HTMLInputElement>('#library-filter'), styles.length, () => filterLibrary(styles));
  $('#library').replaceChildren(
    ...styles.map((style) => {
      const card = document.createElement('div');
      card.className = 'library-card';
      const image = document.createElement('img');
      image.src = style.imageUrl;
      image.alt = style.title;
      const footer = document.createElement('div');
      const name = document.createElement('span');
      name.textContent = style.label;
      name.title = style.title;
      footer.append(name);
      if (libraryEdits) {
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.textContent = 'Remove';
        // Every card has one: the name says whose (the visible word first, as WCAG's label-in-name asks).
        remove.setAttribute('aria-label', `Remove ${style.name}`);
        remove.addEventListener('click', async () => {
          await api(`/api/styles/${style.name}`, { method: 'DELETE' });
          await Promise.all([renderLibrary(permissions), renderStyleChoices()]);
        });
        footer.append(remove);
      }
      if (permissions.training && !style.fast) footer.append(trainButton(style, card));
      card.append(image, footer);
      return card;
    }),
  );
  filterLibrary(styles);
}

function filterLibrary(styles: readonly PublicStyle[]): void {
  const field = $<HTMLInputElement>('#library-filter');
  const shown = showFoundStyles(field, [...document.querySelectorAll<HTMLElement>('#library .library-card')], styles);
  showNothingFound($('#library-filter-none'), field, shown.length);
}

/** "Make fast": queues the training of the style's network; its job is in the history. */
function trainButton(style: PublicStyle, card: HTMLElement): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Make fast';
  button.setAttribute('aria-label', `Make fast: ${style.name}`);
  button.title = 'Train a fast network for this painting (hours on a CPU; paintings go first)';
  button.addEventListener('click', async () => {
    const note = document.createElement('p');
    note.className = 'library-note';
    try {
      const created = await api<{ message: string; job: PublicJob }>(`/api/styles/${style.name}/train`, { method: 'POST' });
      note.textContent = created.message;
      button.disabled = true;
      await refreshHistory();
    } catch (error) {
      note.textContent = (error as Error).message;
    }
    card.querySelector('.library-note')?.remove();
    card.append(note);
  });
  return button;
}

export async function submitLibrary(event: SubmitEvent, permissions: Permissions): Promise<void> {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  clearErrors(form);
  try {
    await api('/api/styles', { method: 'POST', body: filesLast(new FormData(form)) });
    form.reset();
    await Promise.all([renderLibrary(permissions), renderStyleChoices()]);
  } catch (error) {
    showError(form, (error as Error).message, (error as { field?: string }).field);
  }
}
