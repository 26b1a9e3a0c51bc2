/**
 * The files a command names: read with a message that says which file and what is wrong with it,
 * and, for those it will write, checked before any work starts. A painting takes a minute on a
 * CPU, and a result lost to a mistyped folder after it (Node's own "ENOENT: no such file or
 * directory, open …") is the worst moment to learn of it.
 */
import { constants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import type { LibraryEnvironment } from '../bot/config.ts';
import { describeFileError, InputError } from '../engine/errors.ts';
import { decodeImage, DEFAULT_DECODE_LIMITS, inspectImage, MEBIBYTE, READABLE_EXTENSIONS, readImageFile, type DecodeLimits, type PictureSize, type RgbImage } from '../engine/image.ts';
import { resultSizeFor } from '../engine/options.ts';
import { checkAspectRatio, checkPaintableAt } from '../engine/proportions.ts';
import { makeFolder } from '../make-folder.ts';
import { isWebAddress } from './values.ts';

/**
 * The most a content file may hold: Node reads no more into one buffer. A photo is refused past
 * `PHOTO_LIMITS.maxBytes` once read; a clip on the command line has no byte limit of its own.
 */
export const CONTENT_FILE_MAX_BYTES = 2 * 1024 * MEBIBYTE - 1;

/**
 * The bytes of the file at `path`; `what` names it for the message ("style image"), `written` as
 * typed. Past `maxBytes` (a painting's, a mask's: what `decodeImage` takes by default) it is refused
 * without being read on, as the `label` its decoding would give it ("style image starry.jpg").
 */
export async function readNamedFile(path: string, what: string, { written = path, maxBytes = DEFAULT_DECODE_LIMITS.maxBytes, label = what }: { written?: string; maxBytes?: number; label?: string } = {}): Promise<Buffer> {
  try {
    return await readImageFile(path, maxBytes, label);
  } catch (error) {
    if (error instanceof InputError) throw error;
    // "there is no such file or folder" of a link copied from a browser read as if the file had been mistyped.
    const why = isWebAddress(written) ? 'that is a web address, and impasto reads files only (it downloads nothing): save the picture, then name its file' : describeFileError(error);
    throw new InputError('missing_file', `Cannot read the ${what} ${written}: ${why}.`);
  }
}

/**
 * Where the painting `written` lies: the file of that name where there is one, else the picture of
 * the library's style it names. Written as a path or with an image's extension, it is a file, and a
 * missing one is said so.
 */
async function locatePainting(written: string, what: string, env: LibraryEnvironment): Promise<string> {
  const exists = await stat(written).then(() => true, () => false);
  if (exists || /[\\/]/.test(written) || READABLE_EXTENSIONS.has(extname(written).toLowerCase())) return written;
  // The library's code only for a name.
  const { paintingsByName } = await import('./styles.ts');
  const { styleHint, styleWrittenAs } = await import('../bot/styles/library.ts');
  const paintings = await paintingsByName(env);
  const found = styleWrittenAs(paintings, written);
  if (found) return found.path;
  const hint = paintings.length > 0 ? styleHint(paintings, written) : ' The library is empty.';
  throw new InputError('missing_file', `Cannot read the ${what} ${written}: there is no such file, nor a style of that name in the library.${switchValueHint(written)}${hint}`);
}

/**
 * `--preserve-colors yes` gives the switch no value: commander takes "yes" for one more painting,
 * whose refusal alone would leave the user looking for a style called "yes".
 */
function switchValueHint(written: string): string {
  return /^(yes|no|true|false|on|off)$/i.test(written) ? ' A switch such as --preserve-colors takes no value: write it alone.' : '';
}

/**
 * A painting a command paints with or trains on, decoded: a file, or where there is no file of that
 * name, a style of the library named as the bot takes it ("starry-night", "The Scream"). A strip no
 * painting could use is refused now, naming it (the engine refused it once started, as "the style image").
 */
export async function readPainting(written: string, what: string, env: LibraryEnvironment): Promise<RgbImage> {
  const label = `${what} ${written}`;
  const painting = await decodeImage(await readNamedFile(await locatePainting(written, what, env), what, { written, label }), undefined, label);
  checkAspectRatio(painting, label, 'style');
  return painting;
}

/**
 * The command line reads its user's own photo: the limits stop only a mistaken file, not a large
 * photo (a phone's 108- or 200-megapixel one passes, where the bot refuses past 70 megapixels).
 */
export const PHOTO_LIMITS: DecodeLimits = { maxBytes: 512 * MEBIBYTE, maxPixels: 250_000_000 };

/**
 * The photo's size from its header, after the refusals of a file that is not one (not an image,
 * damaged, too large) or cannot be painted at any size (a strip): cheap, so a command asks it
 * before starting anything slow. The refusal names the photo's own size: the engine's, made after
 * the photo is shrunk, said "128×1" of a 3000×2 strip.
 */
export async function inspectPhoto(bytes: Uint8Array): Promise<PictureSize> {
  const photo = await inspectImage(bytes, PHOTO_LIMITS, 'content image');
  checkAspectRatio(photo, 'content image', 'content');
  return photo;
}

/**
 * The photo as the result will be painted, and the result's size (`resultSizeFor`): shrunk to it as
 * it is decoded, as the bot decodes an upload, so that a 200-megapixel photo takes no more memory
 * than the result. `photo`: its size, where the command has inspected it already.
 */
export async function decodePhoto(bytes: Uint8Array, askedSize: number | undefined, defaultSize: number, photo?: PictureSize): Promise<{ content: RgbImage; size: number }> {
  const inspected = photo ?? (await inspectPhoto(bytes));
  const size = resultSizeFor(inspected, askedSize, defaultSize);
  checkPaintableAt(inspected, size, 'content image', 'content');
  return { content: await decodeImage(bytes, PHOTO_LIMITS, 'content image', size), size };
}

/** Refuses, before any work, a file that could not be written at `path`; `option` names its flag ("--gif"). */
export async function assertWritable(path: string, option: string): Promise<void> {
  const folder = dirname(resolve(path));
  const refuse = (reason: string) => new InputError('invalid_option', `Cannot write ${path} (${option}): ${reason}.`, option.replace(/^-+/, ''));
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw refuse('it is a folder');
  const parent = await stat(folder).catch(() => undefined);
  if (!parent) throw refuse(`the folder ${dirname(path)} does not exist`);
  if (!parent.isDirectory()) throw refuse(`${dirname(path)} is not a folder`);
  await access(existing ? path : folder, constants.W_OK).catch(() => {
    throw refuse(existing ? 'it may not be overwritten (permission denied)' : `the folder ${dirname(path)} may not be written to (permission denied)`);
  });
}

/**
 * Writes a result; `option` names its flag ("--output"). Checked before the work, a write can still
 * fail after it (a full disk, a folder removed meanwhile, a place no file can be made such as /proc):
 * then one line says which file and why, not Node's "ENOENT: …, open …".
 */
export async function writeOutput(path: string, bytes: Uint8Array, option: string): Promise<void> {
  await writeFile(path, bytes).catch((error: unknown) => {
    throw new InputError('invalid_option', `Cannot write ${path} (${option}): ${describeFileError(error)}.`, option.replace(/^-+/, ''));
  });
}

/** Makes the folder `path` (with its parents) for a command's output before any work; `option` names its flag ("--out"). */
export async function makeOutputFolder(path: string, option: string): Promise<void> {
  await makeFolder(path).catch((error: unknown) => {
    throw new InputError('invalid_option', `Cannot make the folder ${path} (${option}): ${describeFileError(error)}.`, option.replace(/^-+/, ''));
  });
}
