import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { decodeImage, type DecodeLimits } from '../../engine/image.ts';
import type { Db } from '../database.ts';
import type { StyleLibrary } from './library.ts';

/** The public-domain paintings shipped with impasto (see library/README.md for their provenance). */
const LIBRARY_DIR = new URL('../../../library/', import.meta.url);
const SEEDED_KEY = 'default_library_seeded';

const manifestSchema = z.object({
  version: z.number().int(),
  paintings: z.array(z.object({ name: z.string(), file: z.string(), title: z.string() })),
});

/**
 * Imports the shipped paintings into the library once per data directory, so that a first start
 * has styles to offer. After that they are ordinary styles: one a moderator removes stays removed.
 * Returns the names added (none after the first start).
 */
export async function seedDefaultLibrary(db: Db, library: StyleLibrary, limits: DecodeLimits): Promise<string[]> {
  if (db.prepare('SELECT value FROM settings WHERE key = ?').get(SEEDED_KEY)) return [];
  const manifest = manifestSchema.parse(JSON.parse(await readFile(new URL('paintings.json', LIBRARY_DIR), 'utf8')));
  const added: string[] = [];
  for (const painting of manifest.paintings) {
    if (library.get(painting.name)) continue;
    const image = await decodeImage(await readFile(new URL(painting.file, LIBRARY_DIR)), limits, painting.file);
    await library.add(painting.name, image, 'default library', painting.title);
    added.push(painting.name);
  }
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(SEEDED_KEY, String(manifest.version));
  return added;
}
