/** Small helpers the page's modules share: find an element, call the API, show a form's errors. */
import type { ApiError } from '../api-types.ts';

export const $ = <T extends HTMLElement = HTMLElement>(selector: string, root: ParentNode = document): T => {
  const element = root.querySelector<T>(selector);
  if (!element) throw new Error(`missing element ${selector}`);
  return element;
};

export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  const body = (await response.json()) as T | ApiError;
  if (!response.ok) throw Object.assign(new Error((body as ApiError).error), { field: (body as ApiError).field });
  return body as T;
}

export function clearErrors(form: HTMLFormElement): void {
  for (const element of form.querySelectorAll<HTMLElement>('.field-error')) element.textContent = '';
}

export function showError(form: HTMLFormElement, message: string, field: string | undefined): void {
  const target = (field && form.querySelector<HTMLElement>(`.field-error[data-field="${field}"]`)) || $('.field-error[data-field="form"]', form);
  target.textContent = message;
  const details = target.closest('details');
  if (details) details.open = true;
}
