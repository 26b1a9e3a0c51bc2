import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { decodeImage, type DecodeLimits } from '../../engine/image.ts';
import type { Db } from '../database.ts';
import type { StyleLibrary } from './library.ts';

/** The public-domain paintings shipped with impasto (see library/README.md for their provenance). */
const LIBRARY_DIR = new URL('../../../library/', import.meta.url);
const SEEDED_KEY = 'default_library_seeded';

const manifestSchema = z.object({
  version: z.number().int(),
  paintings: z.array(z.object({ name: z.string(), file: z.string(), title: z.string(), network: z.string().optional() })),
});
const DEFAULT_LIBRARY = 'default library';

async function readManifest(): Promise<z.infer<typeof manifestSchema>> {
  return manifestSchema.parse(JSON.parse(await readFile(new URL('paintings.json', LIBRARY_DIR), 'utf8')));
}

/**
 * The shipped paintings where they lie, by name and title, with the pretrained network painted from
 * each (if any): what the command line paints with by name before any bot has run.
 */
export async function shippedPaintings(): Promise<{ readonly name: string; readonly title: string; readonly path: string; readonly network?: string | undefined }[]> {
  return (await readManifest()).paintings.map((painting) => ({ name: painting.name, title: painting.title, path: fileURLToPath(new URL(painting.file, LIBRARY_DIR)), network: painting.network }));
}

/**
 * Imports the shipped paintings into the library once per data directory, so that a first start
 * has styles to offer, each linked to its fast network where one was trained on it. After that
 * they are ordinary styles: one a moderator removes stays removed. A library seeded by an older
 * manifest only gains the newer links to networks. Returns the names added (none after the first start).
 */
export async function seedDefaultLibrary(db: Db, library: StyleLibrary, limits: DecodeLimits): Promise<string[]> {
  const seeded = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(SEEDED_KEY) as string | undefined;
  const manifest = await readManifest();
  if (seeded !== undefined && Number(seeded) >= manifest.version) return [];
  const added: string[] = [];
  for (const painting of manifest.paintings) {
    const existing = library.shared().get(painting.name);
    if (seeded === undefined && !existing) {
      const image = await decodeImage(await readFile(new URL(painting.file, LIBRARY_DIR)), limits, painting.file);
      await library.shared().add(painting.name, image, DEFAULT_LIBRARY, painting.title);
      added.push(painting.name);
    }
    // Only the shipped painting gets the link: a moderator's own style of the same name is another picture.
    if (painting.network && (added.includes(painting.name) || existing?.addedBy === DEFAULT_LIBRARY)) library.setNetwork(painting.name, painting.network);
  }
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(SEEDED_KEY, String(manifest.version));
  return added;
}
