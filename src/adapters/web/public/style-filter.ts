/** The "Find a style" fields above the playground's two grids of styles (the form's and the library tab's). */
import { styleMatches } from '../../../bot/styles/match.ts';
import type { PublicStyle } from '../api-types.ts';

/** From this many styles on, a grid is long enough to be searched: a field above it finds one. */
const FILTER_FROM = 13;

/**
 * Shows `field` where the grid is that long, running `apply` as it is typed in. Enter does nothing:
 * in the stylize form it would start a painting mid-search.
 */
export function setUpStyleFilter(field: HTMLInputElement, styleCount: number, apply: () => void): void {
  field.hidden = styleCount < FILTER_FROM;
  field.oninput = apply;
  field.onkeydown = (event) => {
    if (event.key === 'Enter') event.preventDefault();
  };
}

/**
 * Hides the elements (one per style, in `styles`' order) whose style the field's words do not find,
 * by the rule of /styles' search (name or title); returns those shown. A hidden field finds all.
 */
export function showFoundStyles(field: HTMLInputElement, elements: readonly HTMLElement[], styles: readonly PublicStyle[]): HTMLElement[] {
  const words = field.hidden ? '' : field.value.trim();
  return elements.filter((element, index) => {
    element.hidden = words !== '' && !styleMatches(styles[index]!, words);
    return !element.hidden;
  });
}

/** The note under the field: shown, saying what was looked for (and `more`), only when nothing is found. */
export function showNothingFound(note: HTMLElement, field: HTMLInputElement, shown: number, more = ''): void {
  note.hidden = shown > 0;
  note.textContent = shown > 0 ? '' : `No style's name or title has "${field.value.trim()}"${more}.`;
}
