import { rm } from 'node:fs/promises';
import sharp from 'sharp';
import type { RgbImage } from '../../engine/image.ts';
import type { Db } from '../database.ts';
import { BotError } from '../errors.ts';
import { readFileIfPresent, storeImage } from '../files.ts';
import { styleMatches } from './match.ts';
import { SAVED_STYLE_NAME } from './saved.ts';
import { closestNames } from '../../suggest.ts';

export interface Style {
  readonly name: string;
  readonly title: string;
  readonly path: string;
  readonly addedBy: string;
  readonly createdAt: number;
  /**
   * The feed-forward network trained on this painting, when it is installed: the style can then be
   * painted in seconds (the `fast` method) as well as by optimisation.
   */
  readonly network?: string | undefined;
}

/** What names a style: its name, and the title it may be called by. */
export type NamedStyle = Pick<Style, 'name' | 'title'>;

interface StyleRow extends Omit<Style, 'network'> {
  readonly network: string | null;
}

const COLUMNS = 'name, title, path, added_by AS addedBy, created_at AS createdAt, network';

/** How a style is offered in menus and autocomplete: its name, and "fast" when it has a network. */
export function styleChoiceLabel(style: Pick<Style, 'name' | 'network'>): string {
  return style.network ? `${style.name} · fast` : style.name;
}

export const STYLE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** `style_starry_night.jpg` → `starry-night`: how imported file names become style names. */
export function styleNameFromFileName(fileName: string): string {
  return fileName
    .replace(/\.[^.]+$/, '')
    .replace(/^style[_-]/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    // Cut at 32, it may end in a dash, which a name may not.
    .replace(/-+$/, '');
}

function titleFromName(name: string): string {
  return name.replace(/-+/g, ' ').replace(/\b\w/g, (letter) => letter.toUpperCase());
}

/** Styles every community sees (the shipped paintings, the operator's imports) unless it hides them. */
export const SHARED_STYLES = '*';

/**
 * The most styles a community may add of its own (the shared ones aside). Where everyone may add
 * styles, a flood of them had no end: disk, a gallery of hundreds, and menus (Slack's hold 100 options).
 */
export const MAX_OWN_STYLES = 100;

/**
 * The named styles of every community: rows in SQLite, images on disk beside it. Commands reach
 * them through `in(community)`, which sees that community's own styles and the shared ones it has
 * not hidden, and changes only its own.
 */
export class StyleLibrary {
  /**
   * @param installedNetworks the fast networks whose weights are present now (asked each time, so
   *   that networks downloaded while the bot runs are offered at once).
   */
  constructor(
    private readonly db: Db,
    private readonly dir: string,
    private readonly installedNetworks: () => ReadonlySet<string> = () => new Set(),
  ) {}

  /** One community's view of the library. */
  in(community: string): CommunityStyles {
    return new CommunityStyles(this.db, this.dir, community, this.installedNetworks);
  }

  /** The styles every community shares (`in('*')`): seeding and the operator's imports write here. */
  shared(): CommunityStyles {
    return this.in(SHARED_STYLES);
  }

  /** Links a shared style to the fast network trained on its painting (or unlinks it with `undefined`). */
  setNetwork(name: string, network: string | undefined): void {
    this.db.prepare('UPDATE styles SET network = ? WHERE community = ? AND name = ?').run(network ?? null, SHARED_STYLES, name);
  }

  /** Links the style (its own row: the community's, or the shared one) to a network, e.g. one trained for it. */
  linkNetwork(style: Pick<Style, 'path'>, network: string): void {
    this.db.prepare('UPDATE styles SET network = ? WHERE path = ?').run(network, style.path);
  }

  /** Marks trained networks (`trained:<name>`) as no longer wanted by the style they were made for. */
  releaseNetworks(networks: readonly string[]): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO released_networks (network, released_at) VALUES (?, ?)');
    for (const network of networks) insert.run(network, Date.now());
  }

  /** Released networks, oldest first. */
  releasedNetworks(): string[] {
    return this.db.prepare('SELECT network FROM released_networks ORDER BY released_at').pluck().all() as string[];
  }

  /** Whether any style of any community is linked to the network (a style of the same name trained again). */
  isNetworkLinked(network: string): boolean {
    return this.db.prepare('SELECT 1 FROM styles WHERE network = ? LIMIT 1').get(network) !== undefined;
  }

  /** Forgets a release: the network was deleted, or is a style's again. */
  dropRelease(network: string): void {
    this.db.prepare('DELETE FROM released_networks WHERE network = ?').run(network);
  }

  /** The communities whose view differs from the shared library (styles of their own, or shared ones hidden), by id. */
  customisedCommunities(): string[] {
    return this.db
      .prepare('SELECT community FROM styles WHERE community != ? UNION SELECT community FROM hidden_styles ORDER BY community')
      .pluck()
      .all(SHARED_STYLES) as string[];
  }

  /** A forgotten person's styles stay in the library, no longer saying who added them. */
  forgetAdder(platform: string, userId: string): void {
    this.db.prepare("UPDATE styles SET added_by = 'forgotten' WHERE added_by = ?").run(`${platform}:${userId}`);
  }
}

/** The library as one community sees it. */
export class CommunityStyles {
  constructor(
    private readonly db: Db,
    private readonly dir: string,
    readonly community: string,
    private readonly installedNetworks: () => ReadonlySet<string>,
  ) {}

  /** Its own styles and the shared ones it has not hidden (its own win a name), by name. */
  list(): Style[] {
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM styles WHERE community = ?
         UNION ALL
         SELECT ${COLUMNS} FROM styles s WHERE community = ? AND ? != ?
           AND NOT EXISTS (SELECT 1 FROM hidden_styles h WHERE h.community = ? AND h.name = s.name)
           AND NOT EXISTS (SELECT 1 FROM styles own WHERE own.community = ? AND own.name = s.name)
         ORDER BY name`,
      )
      .all(this.community, SHARED_STYLES, this.community, SHARED_STYLES, this.community, this.community) as StyleRow[];
    return this.styleOf(rows);
  }

  get(name: string): Style | undefined {
    const wanted = name.toLowerCase();
    return this.list().find((style) => style.name === wanted);
  }

  /** The style called `name`, or a `BotError` that suggests the closest names. */
  resolve(name: string, field = 'style_name'): Style {
    // The library is read once: a name, then its other spellings, then the suggestions, all from it.
    const styles = this.list();
    const style = styleWrittenAs(styles, name);
    if (style) return style;
    // /stylize takes the saved style alone, before any library name is looked up.
    if (name.trim() === SAVED_STYLE_NAME) {
      throw new BotError('invalid_option', `"${SAVED_STYLE_NAME}" is your saved style: name it alone in /stylize (it cannot be blended, painted behind a person or set for a contest).`, field);
    }
    if (styles.length === 0) throw new BotError('unknown_style', `There is no style "${name}": the style library is empty. Upload a style image instead.`, field);
    throw new BotError('unknown_style', `There is no style "${name}".${styleHint(styles, name)}`, field);
  }

  /** Styles for autocomplete: those whose name contains the typed text first, then the closest. */
  suggest(typed: string, limit = 25): Style[] {
    const styles = this.list();
    const byName = new Map(styles.map((style) => [style.name, style]));
    const query = typed.trim().toLowerCase();
    if (!query) return styles.slice(0, limit);
    const containing = styles.filter((style) => styleMatches(style, query)).map((style) => style.name);
    return [...new Set([...containing, ...closestNames(query, [...byName.keys()], limit)])].slice(0, limit).map((name) => byName.get(name)!);
  }

  async add(name: string, image: RgbImage, addedBy: string, title = titleFromName(name)): Promise<Style> {
    this.checkNewName(name);
    const path = await storeImage(this.dir, image, name);
    // Another add may have been inserted while the image was stored: of the same name, or the one that filled the library.
    const inserted = this.db
      .prepare('INSERT OR IGNORE INTO styles (community, name, title, path, added_by, created_at) SELECT ?, ?, ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM styles WHERE community = ?) < ?')
      .run(this.community, name, title, path, addedBy, Date.now(), this.community, this.ownLimit());
    if (inserted.changes === 0) {
      await rm(path, { force: true });
      throw this.get(name) ? styleExists(name) : libraryFull();
    }
    return this.get(name)!;
  }

  /** Refuses a name a new style cannot take: not a style name, the saved style's, or taken here. */
  checkNewName(name: string): void {
    if (!STYLE_NAME.test(name)) {
      throw new BotError('unknown_style', 'A style name is 1–32 lowercase letters, digits or dashes, such as "starry-night".', 'name');
    }
    if (name === SAVED_STYLE_NAME) throw new BotError('invalid_option', `"${SAVED_STYLE_NAME}" is the name of each member's own saved style ("Use as style"); choose another.`, 'name');
    if (this.get(name)) throw styleExists(name);
    if (this.ownCount() >= this.ownLimit()) throw libraryFull();
  }

  private ownCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS count FROM styles WHERE community = ?').get(this.community) as { count: number }).count;
  }

  /** How many styles of its own this view may hold: the shared ones (the operator's) are not limited. */
  private ownLimit(): number {
    return this.community === SHARED_STYLES ? Number.MAX_SAFE_INTEGER : MAX_OWN_STYLES;
  }

  /**
   * Deletes one of its own styles (`own`), or hides a shared one from this community only.
   * `linkedNetwork`: the network the deleted row named, whether or not its weights are installed
   * (`style.network` says only those that are), for its release.
   */
  async remove(name: string): Promise<{ readonly style: Style; readonly own: boolean; readonly linkedNetwork: string | undefined }> {
    const style = this.resolve(name);
    const deleted = this.db.prepare('DELETE FROM styles WHERE community = ? AND name = ? RETURNING network').get(this.community, style.name) as { network: string | null } | undefined;
    const own = deleted !== undefined;
    if (own) {
      // A shared style is gone for everyone: one imported later under its name is new to every community, hidden nowhere.
      if (this.community === SHARED_STYLES) this.db.prepare('DELETE FROM hidden_styles WHERE name = ?').run(style.name);
      // Jobs already queued with this style keep working: they reference their own copy (see BotQueue.submit).
      await rm(style.path, { force: true });
    } else {
      this.db.prepare('INSERT OR IGNORE INTO hidden_styles (community, name) VALUES (?, ?)').run(this.community, style.name);
    }
    return { style, own, linkedNetwork: deleted?.network ?? undefined };
  }

  /** The library as one picture to post: a labelled grid of thumbnails (`POSTED_SHEET`). */
  async contactSheet(styles: readonly Style[] = this.list(), columns = 4): Promise<Buffer> {
    // The name whole, as it is typed; "fast" on the picture, where it cut no name short.
    const tiles = styles.map((style) => ({ path: style.path, label: style.name, badge: style.network ? 'fast' : undefined }));
    return renderContactSheet(tiles, { columns, empty: 'The style library is empty.', format: POSTED_SHEET.format });
  }

  private styleOf(rows: readonly StyleRow[]): Style[] {
    const installed = this.installedNetworks();
    return rows.map(({ network, ...style }) => ({ ...style, network: network !== null && installed.has(network) ? network : undefined }));
  }
}

export interface SheetTile {
  readonly path: string;
  readonly label: string;
  /** A word in the picture's corner (a style's "fast"). */
  readonly badge?: string | undefined;
}

/** How a sheet posted in a chat is encoded (see `SheetOptions.format`), and so how its file is named. */
export const POSTED_SHEET = { format: 'jpeg', extension: '.jpg' } as const;

export interface SheetOptions {
  readonly columns?: number;
  /** `cover` crops to fill each square (a gallery); `contain` shows whole pictures (comparisons). */
  readonly fit?: 'cover' | 'contain';
  /** What the sheet says when none of its tiles' files is left. */
  readonly empty?: string;
  /**
   * `jpeg` for a sheet posted in a chat: a 24-style gallery page is 0.5 MB instead of the PNG's
   * 2.9 MB, each time a page is turned; at quality 90 without chroma subsampling the captions stay
   * crisp. `png` for sheets kept to inspect results, where every pixel counts.
   */
  readonly format?: 'jpeg' | 'png';
}

const TILE = 200;
const LABEL_HEIGHT = 28;
const GAP = 8;

/**
 * A grid of square thumbnails with a caption under each, drawn with sharp (SVG text for captions).
 * A tile whose file is deleted before it is read (a style removed, an entry's picture forgotten,
 * while the sheet is drawn) is left out: the sheet shows what is still there, and `empty` says
 * so when nothing is.
 */
export async function renderContactSheet(tiles: readonly SheetTile[], { columns = 4, fit = 'cover', empty = 'Nothing to show.', format = 'png' }: SheetOptions = {}): Promise<Buffer> {
  const encoded = (sheet: sharp.Sharp) => (format === 'jpeg' ? sheet.jpeg({ quality: 90, chromaSubsampling: '4:4:4' }) : sheet.png()).toBuffer();
  const thumbnails = (
    await Promise.all(
      tiles.map(async (tile) => {
        const bytes = await readFileIfPresent(tile.path);
        return bytes && { label: tile.label, badge: tile.badge, thumbnail: await sharp(bytes).resize(TILE, TILE, { fit, background: '#f4f1ea' }).flatten({ background: '#f4f1ea' }).png().toBuffer() };
      }),
    )
  ).filter((tile) => tile !== undefined);
  if (thumbnails.length === 0) {
    return encoded(sharp({ create: { width: 480, height: 80, channels: 3, background: '#f4f1ea' } }).composite([{ input: captionSvg(empty, 480, 80, 20), top: 0, left: 0 }]));
  }
  const cols = Math.min(columns, thumbnails.length);
  const rows = Math.ceil(thumbnails.length / cols);
  const width = cols * TILE + (cols + 1) * GAP;
  const height = rows * (TILE + LABEL_HEIGHT) + (rows + 1) * GAP;
  const layers = thumbnails.flatMap(({ label, badge, thumbnail }, index) => {
    const left = GAP + (index % cols) * (TILE + GAP);
    const top = GAP + Math.floor(index / cols) * (TILE + LABEL_HEIGHT + GAP);
    return [
      { input: thumbnail, left, top },
      { input: captionSvg(label, TILE, LABEL_HEIGHT, 16), left, top: top + TILE },
      ...(badge ? [{ input: badgeSvg(badge), left: left + TILE - BADGE_WIDTH - 6, top: top + 6 }] : []),
    ];
  });
  return encoded(sharp({ create: { width, height, channels: 3, background: '#f4f1ea' } }).composite(layers));
}

/**
 * A line of text centred in a box: in a smaller type, down to `MIN_FONT`, where it is long, since a
 * caption is often a name to type (a style's may be 32 characters: at 16 px its end was cut off);
 * shortened with an ellipsis only past that.
 */
function captionSvg(text: string, width: number, height: number, largestFont: number): Buffer {
  // DejaVu Sans averages about 0.6 em a character.
  const fontSize = Math.max(MIN_FONT, Math.min(largestFont, Math.floor(width / (text.length * 0.6))));
  const fits = Math.floor(width / (fontSize * 0.6));
  const shown = text.length > fits ? `${text.slice(0, Math.max(1, fits - 1))}…` : text;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><text x="${width / 2}" y="${height / 2 + fontSize / 3}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="#222">${escapedForSvg(shown)}</text></svg>`,
  );
}

const MIN_FONT = 10;
const BADGE_WIDTH = 44;

/** A small dark label for a tile's corner, legible on any painting. */
function badgeSvg(text: string): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${BADGE_WIDTH}" height="20"><rect width="${BADGE_WIDTH}" height="20" rx="10" fill="#222" fill-opacity="0.8"/><text x="${BADGE_WIDTH / 2}" y="14" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="12" fill="#fff">${escapedForSvg(text)}</text></svg>`,
  );
}

function escapedForSvg(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function libraryFull(): BotError {
  return new BotError('limit_reached', `This library holds ${MAX_OWN_STYLES} styles of its own, the most it may: remove one with /style remove to add another.`, 'name');
}

function styleExists(name: string): BotError {
  return new BotError('style_exists', `There is already a style called "${name}"; remove it first to replace it.`, 'name');
}

/**
 * The style of `styles` a name names, written as people write it: in any case, with spaces or
 * underscores for its dashes ("Starry Night", `starry_night`), or by its title, whole or up to its
 * comma ("The Starry Night" of "The Starry Night, Vincent van Gogh (1889)"; a style added as `wave2`
 * titled "My Wave").
 */
export function styleWrittenAs<S extends NamedStyle>(styles: readonly S[], written: string): S | undefined {
  const wanted = written.trim().toLowerCase().replace(/\s+/g, ' ');
  const asName = wanted.replace(/[\s_]+/g, '-');
  const titled = (style: S) => [style.title, style.title.split(',')[0]!].some((title) => title.trim().toLowerCase().replace(/\s+/g, ' ') === wanted);
  return styles.find((style) => style.name === asName) ?? styles.find(titled);
}

/**
 * What to say after "There is no style …": the names it may have meant, or some of the library's.
 * A painter or a painting's title ("van gogh") names the style as surely as a slip of its name does;
 * names that begin as it does come first ("the" suggested three paintings titled "The …" before the-scream).
 */
export function styleHint(styles: readonly NamedStyle[], written: string): string {
  const suggestions = namesMeantBy(styles, written);
  return suggestions.length > 0 ? ` Did you mean ${suggestions.map((entry) => `"${entry}"`).join(' or ')}?` : ` Try one of: ${styles.slice(0, 10).map((style) => style.name).join(', ')}.`;
}

/**
 * The names `written` may have meant, three at most: the styles whose name or title holds it (those
 * whose name begins with it first), then the closest of `names` by spelling (the styles' own, or a
 * wider set: `impasto fast --network` adds the networks).
 */
export function namesMeantBy(styles: readonly NamedStyle[], written: string, names: readonly string[] = styles.map((style) => style.name)): string[] {
  const query = written.trim().toLowerCase();
  const matching = styles.filter((style) => styleMatches(style, written)).map((style) => style.name).sort((a, b) => Number(!a.startsWith(query)) - Number(!b.startsWith(query)));
  return [...new Set([...matching, ...closestNames(written, names)])].slice(0, 3);
}
