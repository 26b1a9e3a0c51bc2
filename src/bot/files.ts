import { randomBytes } from 'node:crypto';
import { statfsSync } from 'node:fs';
import { copyFile, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFileError, InputError } from '../engine/errors.ts';
import { ConfigError } from './config.ts';
import { BotError } from './errors.ts';
import { encodePng, resizeToLongSide, type RgbImage } from '../engine/image.ts';
import { SIZE_RANGE } from '../engine/options.ts';
import { makeFolderSync } from '../make-folder.ts';

/** The room left on the disk that holds `dir`, in bytes, as an unprivileged process may use it. */
export function freeBytesOf(dir: string): number {
  const { bavail, bsize } = statfsSync(dir);
  return bavail * bsize;
}

/** Where the bot keeps its state, all under one data directory. */
export interface DataDirs {
  readonly root: string;
  readonly database: string;
  /** Held by the running bot (see `holdDataDirectory`). */
  readonly lock: string;
  /** Validated, re-encoded uploads (content and style images of jobs). */
  readonly uploads: string;
  /** Stylized PNGs and optimisation GIFs. */
  readonly results: string;
  /** The style library's images. */
  readonly styles: string;
  /** Each person's saved style ("Use as style"). */
  readonly savedStyles: string;
  /** Fast networks trained for the library's styles (unless IMPASTO_TRAINED_NETWORKS_DIR says elsewhere). */
  readonly networks: string;
  /** The engine process's TMPDIR (native libraries write scratch files there). */
  readonly temp: string;
}

/** The bot's folder of networks trained here: IMPASTO_TRAINED_NETWORKS_DIR, else its data directory's. */
export function networksDirOf(dirs: Pick<DataDirs, 'networks'>, configured: string | undefined): string {
  return configured ?? dirs.networks;
}

/** Where the data folders under `root` (IMPASTO_DATA_DIR) are, without making any (for readers such as `impasto doctor`). */
export function dataDirsOf(root: string): DataDirs {
  return { root, database: join(root, 'impasto.sqlite'), lock: join(root, 'impasto.lock'), uploads: join(root, 'uploads'), results: join(root, 'results'), styles: join(root, 'styles'), savedStyles: join(root, 'saved-styles'), networks: join(root, 'networks'), temp: join(root, 'tmp') };
}

/** The data folders under `root` (IMPASTO_DATA_DIR), made where missing; a root that cannot hold them stops the start, naming the setting. */
export function createDataDirs(root: string): DataDirs {
  const dirs = dataDirsOf(root);
  try {
    for (const dir of [dirs.uploads, dirs.results, dirs.styles]) makeFolderSync(dir);
  } catch (error) {
    throw new ConfigError(`IMPASTO_DATA_DIR: cannot make the data folders in ${root}: ${describeFileError(error)}.`);
  }
  return dirs;
}

/**
 * Saves a decoded (so already validated) image as PNG. Re-encoding drops whatever else the upload
 * carried (metadata, extra frames), and images larger than any job can use are shrunk first.
 */
export async function storeImage(dir: string, image: RgbImage, prefix: string): Promise<string> {
  const fitted = Math.max(image.width, image.height) > SIZE_RANGE.max ? await resizeToLongSide(image, SIZE_RANGE.max) : image;
  const path = join(dir, `${prefix}-${Date.now()}-${randomBytes(4).toString('hex')}.png`);
  await writeWhole(path, await encodePng(fitted));
  return path;
}

/**
 * Stores an uploaded clip as it came (its frames and timing are decoded again where it is painted);
 * only called after `decodeClip` accepted it.
 */
export async function storeClip(dir: string, bytes: Uint8Array, kind: 'animation' | 'video'): Promise<string> {
  const path = join(dir, `clip-${Date.now()}-${randomBytes(4).toString('hex')}.${kind === 'video' ? 'video' : 'anim'}`);
  await writeWhole(path, bytes);
  return path;
}

/** Writes a file whole or not at all: a write cut short (the disk full) leaves no part of it behind. */
async function writeWhole(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(path, bytes).catch(async (error: unknown) => {
    await rm(path, { force: true });
    throw error;
  });
}

/**
 * One of a job's stored images, read where it is painted (or sent to a worker). A file that is gone
 * (its picture removed, its owner forgotten, or the uploads folder cleared by hand while the job
 * waited) is the person's to send again, in words that do not show the server's paths.
 */
export async function readJobInput(path: string): Promise<Buffer> {
  return readFile(path).catch((error: unknown) => {
    if (isMissingFile(error)) throw new InputError('missing_file', 'The photo or painting of this job was deleted before it could be painted; send it again.');
    throw error;
  });
}

/** Whether a file operation failed because the file is not there (deleted meanwhile, as a rule). */
export function isMissingFile(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === 'ENOENT';
}

/** A file's bytes, or undefined when it is not there (deleted meanwhile: the caller does without it). */
export async function readFileIfPresent(path: string): Promise<Buffer | undefined> {
  return readFile(path).catch((error: unknown) => {
    if (isMissingFile(error)) return undefined;
    throw error;
  });
}

/**
 * Copies a library style's file for a job or a contest to keep as its own. A style removed by a
 * moderator after it was looked up is gone by then: the asker's to choose again, in `removed`'s words.
 */
export async function copyLibraryStyle(path: string, copy: string, removed: string): Promise<void> {
  await copyFile(path, copy).catch((error: unknown) => {
    if (isMissingFile(error)) throw new BotError('unknown_style', removed, 'style_name');
    throw error;
  });
}

export function resultPaths(dirs: DataDirs, jobId: string): { png: string; gif: string; mp4: string } {
  return { png: join(dirs.results, `${jobId}.png`), gif: join(dirs.results, `${jobId}.gif`), mp4: join(dirs.results, `${jobId}.mp4`) };
}

/**
 * Deletes the given files that the bot owns (uploads and results); anything else (a library style,
 * a contest's painting) is left alone. Returns how many were removed.
 */
export async function deleteOwnFiles(dirs: DataDirs, paths: Iterable<string>): Promise<number> {
  const owned = [...new Set(paths)].filter((path) => [dirs.uploads, dirs.results].some((dir) => path.startsWith(`${dir}/`) || path.startsWith(`${dir}\\`)));
  await Promise.all(owned.map((path) => rm(path, { force: true })));
  return owned.length;
}

/**
 * Deletes uploads and results older than `retentionMs`, except files a queued or running job
 * still needs (`livePaths`: its uploads and its result's PNG path). A result's resume folder (a
 * clip's finished frames, a training checkpoint: `<png>.frames`, `<png>.state`) goes likewise unless
 * its PNG path is live: the runtime removes it when its job ends, so one left is a job's that was
 * deleted or lost while the bot was down. Returns how many files and folders were removed.
 */
export async function deleteExpiredFiles(dirs: DataDirs, livePaths: ReadonlySet<string>, retentionMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const dir of [dirs.uploads, dirs.results]) {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const resumeOf = dir === dirs.results ? /^(.+\.png)\.(?:frames|state)$/.exec(name)?.[1] : undefined;
      if (livePaths.has(resumeOf ? join(dir, resumeOf) : path)) continue;
      const info = await stat(path).catch(() => undefined);
      if (!info || !(info.isFile() || (resumeOf && info.isDirectory())) || now - info.mtimeMs < retentionMs) continue;
      await rm(path, { recursive: true, force: true });
      removed += 1;
    }
  }
  return removed;
}
