import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';
import { BotError } from '../errors.ts';
import { counted } from '../format.ts';
import { POSTED_SHEET, styleChoiceLabel, type Style } from '../styles/library.ts';
import { styleMatches } from '../styles/match.ts';
import { nameMeantBy } from '../../suggest.ts';
import { invocationOf, stylizeWithNamedStyle } from './invocation.ts';
import type { ArgsOf, CommandContext, CommandDefinition, Platform } from './types.ts';

/**
 * How many styles one gallery picture shows: six across and four down still read on a phone. A
 * community may hold a hundred styles of its own; one picture of them all was 27 rows, 6,000 px tall,
 * which chats shrink to a strip of unreadable labels, and its list of names passed a message's length.
 */
export const GALLERY_PAGE = 24;

const definition = {
  name: 'styles',
  description: 'Show the style library as a gallery',
  options: {
    search: { type: 'text', description: 'only the styles whose name or title has this (wave, monet)', maxLength: 50 },
    page: { type: 'integer', description: `which page of the gallery, when it has more than ${GALLERY_PAGE} styles`, min: 1, max: 100 },
  },
} as const satisfies CommandDefinition;

export function createStylesCommand(services: BotServices) {
  const libraryOf = (context: CommandContext) => services.library.in(context.requester.community);
  return defineCommand(
    definition,
    async (context, args) => {
      const library = libraryOf(context);
      const styles = library.list();
      // Nothing to show the channel: the asker alone hears how to fill it.
      if (styles.length === 0) return { text: 'The style library is empty. Moderators can add styles with /style add; anyone can upload a style image to /stylize.', ephemeral: true };
      const { platform } = context.requester;
      const { search, found, page, pages, shown } = pageOf(styles, args, platform);
      const sheet = await library.contactSheet(shown, shown.length > 16 ? 6 : 4);
      const what = `${counted(found, 'style')}${search === undefined ? '' : ` with "${search}"`}`;
      const fast = shown.some((style) => style.network) ? ' (those marked fast paint in seconds)' : '';
      const searched: Record<string, string> = search === undefined ? {} : { search };
      const next = page < pages ? ` More: ${invocationOf('styles', platform, { ...searched, page: page + 1 })}.` : '';
      return {
        text: `${pages > 1 ? `${what}, page ${page} of ${pages}` : what}: ${shown.map(styleChoiceLabel).join(', ')}. Use one with ${stylizeWithNamedStyle(platform)}${fast}.${next}`,
        files: [{ name: `styles${POSTED_SHEET.extension}`, bytes: sheet, description: "The library's paintings side by side, each labelled with its name." }],
        ...(pages > 1 ? { pages: { command: 'styles', options: searched, current: page, count: pages } } : {}),
      };
    },
    // A search that finds nothing or a page past the end is refused before Discord shows the channel "thinking…".
    (context, args) => {
      const styles = libraryOf(context).list();
      if (styles.length > 0) pageOf(styles, args, context.requester.platform);
    },
  );
}

/** The styles one page of the gallery shows, of those the search finds; refuses a search that finds none and a page past the end. */
function pageOf(styles: readonly Style[], args: ArgsOf<typeof definition>, platform: Platform) {
  const search = args.search?.trim() || undefined;
  const found = search === undefined ? styles : styles.filter((style) => styleMatches(style, search));
  if (found.length === 0) throw noMatch(search!, styles, platform);
  const pages = Math.ceil(found.length / GALLERY_PAGE);
  const page = args.page ?? 1;
  if (page > pages) throw new BotError('invalid_option', `The gallery${search === undefined ? '' : ` of "${search}"`} has ${counted(pages, 'page')}: page ${page} is past its end.`, 'page');
  return { search, found: found.length, page, pages, shown: found.slice((page - 1) * GALLERY_PAGE, page * GALLERY_PAGE) };
}

function noMatch(search: string, styles: readonly Style[], platform: Platform): BotError {
  const meant = nameMeantBy(search, styles.map((style) => style.name));
  const suggestion = meant ? `; did you mean ${meant}?` : '.';
  return new BotError('unknown_style', `No style's name or title has "${search}"${suggestion} ${invocationOf('styles', platform)} shows them all.`, 'search');
}
