import type { ReplyPages } from './types.ts';

/** The commands whose pages a button may show: a button names the command, and no other may run from one. */
const PAGED_COMMANDS = new Set(['styles']);

/** What a button that the bot no longer understands says to whoever presses it. */
export const OUTDATED_BUTTON = 'This button is from an older version of the bot and does nothing now.';

/** A button to the page before or after the one shown. */
export interface PageButton {
  readonly direction: 'previous' | 'next';
  /** `◀ Page 1`, `Page 3 ▶`. */
  readonly label: string;
  /** The command and options that show its page, as a button carries them: `styles?search=wave&page=3`. */
  readonly request: string;
}

/**
 * The buttons under a page of several (the gallery): to the page before and the page after, none
 * past the ends, and none for a command no button may run.
 */
export function pageButtonsOf(pages: ReplyPages | undefined): PageButton[] {
  if (!pages || !PAGED_COMMANDS.has(pages.command)) return [];
  const requestOf = (page: number) => `${pages.command}?${new URLSearchParams({ ...pages.options, page: String(page) }).toString()}`;
  const buttons: PageButton[] = [];
  if (pages.current > 1) buttons.push({ direction: 'previous', label: `◀ Page ${pages.current - 1}`, request: requestOf(pages.current - 1) });
  if (pages.current < pages.count) buttons.push({ direction: 'next', label: `Page ${pages.current + 1} ▶`, request: requestOf(pages.current + 1) });
  return buttons;
}

/** The command and options a page button's request names, if it is one a button may run. */
export function pageRequestOf(request: string): { command: string; options: Record<string, string> } | undefined {
  const [command = '', query = ''] = request.split('?', 2);
  return PAGED_COMMANDS.has(command) ? { command, options: Object.fromEntries(new URLSearchParams(query)) } : undefined;
}
