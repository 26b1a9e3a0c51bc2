import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BotEnvironment, LibraryEnvironment } from '../bot/config.ts';
import { openDatabase } from '../bot/database.ts';
import { createDataDirs, dataDirsOf, networksDirOf } from '../bot/files.ts';
import { commandLimitsFor } from '../bot/limits.ts';
import { seedDefaultLibrary, shippedPaintings } from '../bot/styles/defaults.ts';
import { SHARED_STYLES, StyleLibrary, styleNameFromFileName, type NamedStyle, type Style } from '../bot/styles/library.ts';
import { networksOfStyle } from '../bot/styles/training.ts';
import { FAST_NETWORKS } from '../engine/fast/network.ts';
import { installedNetworks, installedTrainedNetworks } from '../engine/fast/trained.ts';

/**
 * The operator's side of the library, `impasto styles list|remove`: beside a running bot too (SQLite
 * lets both write; the bot reads the library afresh for every command). Before the bot's first start
 * too: the shipped paintings are seeded as the bot's start seeds them (once per data directory), so
 * that they are listed, and one removed here stays removed.
 */
export async function withLibrary<T>(env: BotEnvironment, use: (library: StyleLibrary) => Promise<T> | T): Promise<T> {
  const dirs = createDataDirs(resolve(env.IMPASTO_DATA_DIR));
  const db = openDatabase(dirs.database);
  const installed = () => installedNetworks(env.IMPASTO_FAST_WEIGHTS_DIR, networksDirOf(dirs, env.IMPASTO_TRAINED_NETWORKS_DIR));
  try {
    const library = new StyleLibrary(db, dirs.styles, installed);
    if (env.IMPASTO_DEFAULT_LIBRARY) await seedDefaultLibrary(db, library, commandLimitsFor(env).decode);
    return await use(library);
  } finally {
    db.close();
  }
}

/**
 * The paintings a painting command may name instead of giving a file ("starry-night"): the shared
 * styles of the bot whose data is in IMPASTO_DATA_DIR (the shipped paintings it seeded, less those
 * removed, and the operator's imports) where one has run; before that, the shipped paintings
 * (unless IMPASTO_DEFAULT_LIBRARY=false). Only read: no folder is made for a look.
 */
export async function paintingsByName(env: LibraryEnvironment): Promise<(NamedStyle & Pick<Style, 'path'>)[]> {
  return readPaintings(env, () => new Set());
}

/**
 * The same paintings with the fast network each is painted with (`impasto fast --network
 * the-scream`): a pretrained one as linked (the command fetches one it lacks), and one the bot
 * trained (`trained:shared-<name>`) where its files are in the bot's folder of networks,
 * `networksDir`, from which the command must then read it.
 */
export async function paintingsWithNetworks(env: LibraryEnvironment & Pick<BotEnvironment, 'IMPASTO_TRAINED_NETWORKS_DIR'>): Promise<{ paintings: (NamedStyle & Pick<Style, 'network'>)[]; networksDir: string }> {
  const networksDir = networksDirOf(dataDirsOf(resolve(env.IMPASTO_DATA_DIR)), env.IMPASTO_TRAINED_NETWORKS_DIR);
  return { paintings: await readPaintings(env, () => new Set([...FAST_NETWORKS, ...installedTrainedNetworks(networksDir)])), networksDir };
}

async function readPaintings(env: LibraryEnvironment, paintable: () => ReadonlySet<string>): Promise<(NamedStyle & Pick<Style, 'path' | 'network'>)[]> {
  const dirs = dataDirsOf(resolve(env.IMPASTO_DATA_DIR));
  if (!existsSync(dirs.database)) return env.IMPASTO_DEFAULT_LIBRARY ? shippedPaintings() : [];
  const db = openDatabase(dirs.database);
  try {
    return new StyleLibrary(db, dirs.styles, paintable).shared().list();
  } finally {
    db.close();
  }
}

export interface ListedStyle {
  readonly name: string;
  readonly title: string;
  readonly fast: boolean;
  /** `shared`: every community's (shipped or imported); `own`: the community's alone. */
  readonly kind: 'shared' | 'own';
}

/** The shared styles, or as `community` sees the library: its own and the shared ones it has not hidden. */
export function listStyles(library: StyleLibrary, community = SHARED_STYLES): ListedStyle[] {
  const shared = new Map(library.shared().list().map((style) => [style.name, style.path]));
  return library
    .in(community)
    .list()
    .map((style) => ({ name: style.name, title: style.title, fast: style.network !== undefined, kind: shared.get(style.name) === style.path ? 'shared' : 'own' }));
}

/**
 * Said beside a community's view that is the shared library itself (no styles of its own, none
 * hidden): a mistyped id looks the same, so the note names the communities that did change theirs.
 */
export function uncustomisedNote(library: StyleLibrary, community: string | undefined): string | undefined {
  if (community === undefined || community === SHARED_STYLES) return undefined;
  const customised = library.customisedCommunities();
  if (customised.includes(community)) return undefined;
  const others = customised.length > 0 ? `those that have: ${customised.slice(0, 10).join(', ')}${customised.length > 10 ? `, and ${customised.length - 10} more` : ''}` : 'no community has yet';
  return `${community} has no styles of its own and has hidden none, so it sees the shared ones (${others}).`;
}

/** Lines for a terminal: the names in a column, then the title, and what is fast or a community's own. */
export function formatStyleList(styles: readonly ListedStyle[], community = SHARED_STYLES): string {
  if (styles.length === 0) return community === SHARED_STYLES ? 'no shared style (add some with impasto styles import <folder>)' : `${community} sees no style`;
  const width = Math.max(...styles.map((style) => style.name.length));
  return styles.map((style) => `${style.name.padEnd(width)}  ${style.title}${style.fast ? ' · fast' : ''}${style.kind === 'own' ? ` · ${community}'s own` : ''}`).join('\n');
}

/**
 * Removes a shared style for every community: its picture, and its trained network once no job
 * needs it (the running bot deletes it at its next clean-up, within the hour, or at its start).
 * Returns a warning when the style would come back: IMPASTO_STYLES_DIR is imported at every start.
 */
export async function removeSharedStyle(library: StyleLibrary, name: string, stylesDir: string | undefined): Promise<{ removed: Style; warning?: string }> {
  const { style, linkedNetwork } = await library.shared().remove(name);
  library.releaseNetworks(networksOfStyle(SHARED_STYLES, style.name, linkedNetwork));
  const source = stylesDir ? (await readdir(stylesDir).catch(() => [])).find((file) => styleNameFromFileName(file) === style.name) : undefined;
  return { removed: style, ...(source ? { warning: `${source} in IMPASTO_STYLES_DIR (${stylesDir}) brings it back at the next start: delete or move that file too.` } : {}) };
}
