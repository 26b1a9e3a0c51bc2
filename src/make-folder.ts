import { existsSync, mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, for every folder impasto makes. Node's own (`mkdir(path, { recursive: true })`) never
 * returns for a path under /proc: procfs answers ENOENT for a folder it cannot hold, which Node
 * takes for a missing parent; it makes the parent (there already) and tries again, forever, at full
 * CPU (IMPASTO_DATA_DIR set there hung `impasto start` without a word). Here each missing folder is
 * made in turn from the first that exists, so that answer is an error like any other. A folder that
 * exists is left as it is; a file where the folder should be is EEXIST, as with Node's.
 */
export async function makeFolder(path: string): Promise<void> {
  const folders = [resolve(path)];
  for (let parent = dirname(folders[0]!); parent !== folders[0] && !(await exists(parent)); parent = dirname(parent)) folders.unshift(parent);
  for (const folder of folders) {
    await mkdir(folder).catch(async (error: unknown) => {
      if (!isExisting(error) || !(await stat(folder)).isDirectory()) throw error;
    });
  }
}

/** `makeFolder`, synchronously (the bot's start). */
export function makeFolderSync(path: string): void {
  const folders = [resolve(path)];
  for (let parent = dirname(folders[0]!); parent !== folders[0] && !existsSync(parent); parent = dirname(parent)) folders.unshift(parent);
  for (const folder of folders) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if (!isExisting(error) || !statSync(folder).isDirectory()) throw error;
    }
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function isExisting(error: unknown): boolean {
  return (error as { code?: string }).code === 'EEXIST';
}
