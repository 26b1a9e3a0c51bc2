/** The style library tab: the paintings, and (where allowed) adding and removing one. */
import type { PublicStyle } from '../api-types.ts';
import { $, api, clearErrors, showError } from './dom.ts';
import { renderStyleChoices } from './form.ts';

export async function renderLibrary(libraryEdits: boolean): Promise<void> {
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
      name.textContent = style.label;
      name.title = style.title;
      footer.append(name);
      if (libraryEdits) {
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.textContent = 'Remove';
        remove.addEventListener('click', async () => {
          await api(`/api/styles/${style.name}`, { method: 'DELETE' });
          await Promise.all([renderLibrary(libraryEdits), renderStyleChoices()]);
        });
        footer.append(remove);
      }
      card.append(image, footer);
      return card;
    }),
  );
}

export async function submitLibrary(event: SubmitEvent, libraryEdits: boolean): Promise<void> {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  clearErrors(form);
  try {
    await api('/api/styles', { method: 'POST', body: new FormData(form) });
    form.reset();
    await Promise.all([renderLibrary(libraryEdits), renderStyleChoices()]);
  } catch (error) {
    showError(form, (error as Error).message, (error as { field?: string }).field);
  }
}
