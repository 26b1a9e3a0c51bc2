/**
 * The photos a style network learns from: any folder of JPEG and PNG files (MS COCO's few thousand,
 * or a handful), cut into random square crops at random scales and flipped at random. Every draw
 * comes from the step's own seeded generator, so a resumed run sees the same crops as an unbroken one.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { InputError } from '../errors.ts';
import { rgbImageOf, type RgbImage } from '../image.ts';

const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/** A crop's short side is drawn between 1 and this many times the crop (zooming in at random). */
const MAX_ZOOM = 1.5;
/** The largest photo decoded, in pixels (sharp refuses more, rather than take the memory). */
const MAX_PHOTO_PIXELS = 100_000_000;
/** Decoded photos kept, resized for cropping (at 256 px about 0.4 MB each). */
const CACHE_SIZE = 512;

export interface TrainingPhotos {
  readonly paths: readonly string[];
  /** A `size`×`size` crop of photo `index` at a random scale and mirror, drawn from `random`. */
  crop(index: number, size: number, random: () => number): Promise<RgbImage>;
}

/**
 * Told of a photo training skips: one whose header read but whose pixels do not decode (damaged or
 * truncated), or one removed from the folder while training ran. `message` says which, for people.
 */
export type OnSkippedPhoto = (message: string) => void;

/**
 * The JPEG and PNG files of `dir` (not its subfolders), sorted so that a seed picks the same photos
 * on every machine; `exclude` leaves some out (the photo kept back for the before/after sheet).
 * Refuses, with a message saying why, a folder that is missing, empty, or has no photo whose header
 * reads; `onSkipped` is told of one whose pixels then do not decode.
 */
export async function openTrainingPhotos(dir: string, exclude: readonly string[] = [], onSkipped?: OnSkippedPhoto): Promise<TrainingPhotos> {
  return photosOf(dir, await readablePhotosOf(dir, exclude), onSkipped);
}

/**
 * The folder's sample, its first photo by name that decodes, and the rest to train on: so that the network is
 * shown on a photo it never saw. The folder is read and checked once.
 */
export async function openTrainingPhotosWithSample(dir: string, onSkipped?: OnSkippedPhoto): Promise<{ readonly sample: { readonly name: string; readonly path: string }; readonly photos: TrainingPhotos }> {
  const { sample, rest } = await splitSample(dir, await readablePhotosOf(dir));
  if (rest.length === 0) throw new InputError('invalid_option', `The photo folder ${dir} has no JPEG or PNG photos to train on besides its sample, ${basename(sample)}.`, 'photos');
  return { sample: { name: basename(sample), path: sample }, photos: photosOf(dir, rest, onSkipped) };
}

/**
 * The folder's sample: its first photo (by name) that decodes, which training leaves out so that the
 * network is shown on a photo it never saw. The bot sends it as a training job's content for the same reason.
 */
export async function sampleOfTrainingPhotos(dir: string): Promise<{ readonly name: string; readonly path: string }> {
  // Found without reading every photo's header first: the bot asks as a moderator waits, and that
  // took 0.25–0.3 ms a photo (about half a minute for MS COCO’s 118,000). A photo that decodes whole has
  // a header that reads, so this is the photo the engine's `splitSample` finds.
  const sample = await firstWholePhoto(await photoFilesOf(dir));
  if (sample) return { name: basename(sample), path: sample };
  // None: refused in the engine's words (the headers say whether they are pictures at all).
  throw noPhotoDecodes(dir, (await readablePhotosOf(dir)).length);
}

/**
 * The sample, decoded whole to be sure of it (one photo, unlike the folder: a damaged one would fail
 * the training job that paints it as "the content image"), and the photos left to train on.
 */
async function splitSample(dir: string, paths: readonly string[]): Promise<{ readonly sample: string; readonly rest: readonly string[] }> {
  const sample = await firstWholePhoto(paths);
  if (!sample) throw noPhotoDecodes(dir, paths.length);
  return { sample, rest: paths.filter((path) => path !== sample) };
}

/** The first of `paths` that decodes whole, in their order. */
async function firstWholePhoto(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    if (await decodesWhole(path)) return path;
  }
  return undefined;
}

function noPhotoDecodes(dir: string, count: number): InputError {
  return new InputError('invalid_option', `None of the ${count} photos in ${dir} can be decoded: give a folder of JPEG or PNG photos.`, 'photos');
}

/**
 * Refuses, as training would, a folder that cannot be read or holds no JPEG or PNG file: from its
 * listing alone, cheap enough for every start (whether the photos decode is training's to find).
 */
export async function checkTrainingFolder(dir: string): Promise<void> {
  await photoFilesOf(dir);
}

/** The folder's JPEG and PNG files (not `exclude`), sorted; an `InputError` saying why when there are none. */
async function photoFilesOf(dir: string, exclude: readonly string[] = []): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => {
    throw new InputError('invalid_option', `The photo folder ${dir} cannot be read: give a folder of JPEG or PNG photos.`, 'photos');
  });
  const left = new Set(exclude);
  const named = entries.filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && PHOTO_EXTENSIONS.has(extname(entry.name).toLowerCase()) && !left.has(entry.name));
  const files = await Promise.all(
    named.map(async (entry) => {
      const path = join(dir, entry.name);
      return (await isPhotoFile(path, entry)) ? path : undefined;
    }),
  );
  const candidates = files.filter((path) => path !== undefined).sort();
  if (candidates.length === 0) throw new InputError('invalid_option', `The photo folder ${dir} has no JPEG or PNG photos to train on.`, 'photos');
  return candidates;
}

/**
 * Whether the listed entry at `path` is a file: a link is followed (a folder of links to MS COCO is usual). A
 * link to a pipe or a device is not a photo, and reading one held training's start for good (a
 * pipe's opening waits for a writer, in a thread the process cannot exit without).
 */
async function isPhotoFile(path: string, entry: Dirent): Promise<boolean> {
  if (!entry.isSymbolicLink()) return true;
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** The paths of the folder's photos whose header reads, sorted; an `InputError` saying why when there are none. */
async function readablePhotosOf(dir: string, exclude: readonly string[] = []): Promise<string[]> {
  const candidates = await photoFilesOf(dir, exclude);
  const readable = (await Promise.all(candidates.map(async (path) => ((await hasPictureHeader(path)) ? path : undefined)))).filter((path) => path !== undefined);
  if (readable.length === 0) throw new InputError('invalid_option', `None of the ${candidates.length} photos in ${dir} can be read as an image.`, 'photos');
  return readable;
}

/**
 * Random crops of these photos, each decoded once (resized for cropping) and kept while it is used.
 * Only a photo's header is checked as the folder is opened (decoding thousands would hold up the
 * start): one that turns out not to decode is skipped, said once, and the next one that does is
 * cropped in its place, so that an hour of training does not end on one bad file, and a resumed run
 * still draws the same crops.
 */
function photosOf(dir: string, paths: readonly string[], onSkipped?: OnSkippedPhoto): TrainingPhotos {
  const cache = new Map<string, Promise<RgbImage>>();
  const skipped = new Set<string>();
  const prepared = (path: string, size: number): Promise<RgbImage> => {
    const key = `${path}|${size}`;
    let photo = cache.get(key);
    if (!photo) {
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
      photo = decodeShortSide(path, Math.round(size * MAX_ZOOM));
      cache.set(key, photo);
    }
    return photo;
  };
  const firstDecodedFrom = async (index: number, size: number): Promise<RgbImage> => {
    for (let offset = 0; offset < paths.length; offset++) {
      const path = paths[(index + offset) % paths.length]!;
      if (skipped.has(path)) continue;
      try {
        return await prepared(path, size);
      } catch {
        skipped.add(path);
        onSkipped?.(`skipped the training photo ${basename(path)}: it could not be decoded (damaged or truncated, or removed from ${dir}); training goes on with the others`);
      }
    }
    throw new InputError('invalid_option', `None of the ${paths.length} photos in ${dir} can be decoded any more: give a folder of JPEG or PNG photos.`, 'photos');
  };
  return {
    paths,
    async crop(index, size, random) {
      const photo = await firstDecodedFrom(index, size);
      const zoom = 1 + random() * (MAX_ZOOM - 1);
      const shortSide = Math.max(size, Math.round((size * MAX_ZOOM) / zoom));
      const scale = shortSide / Math.min(photo.width, photo.height);
      const [width, height] = [Math.max(size, Math.round(photo.width * scale)), Math.max(size, Math.round(photo.height * scale))];
      const left = Math.floor(random() * (width - size + 1));
      const top = Math.floor(random() * (height - size + 1));
      const mirrored = random() < 0.5;
      let pipeline = sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } }).resize(width, height, { fit: 'fill' }).extract({ left, top, width: size, height: size });
      if (mirrored) pipeline = pipeline.flop();
      const data = await pipeline.raw().toBuffer();
      return { width: size, height: size, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    },
  };
}

/** Whether the file's header reads as a picture's (its pixels are not decoded: see `photosOf`). */
async function hasPictureHeader(path: string): Promise<boolean> {
  try {
    const { width, height } = await sharp(path).metadata();
    return (width ?? 0) > 0 && (height ?? 0) > 0;
  } catch {
    return false;
  }
}

/** Whether every byte of the picture decodes. */
async function decodesWhole(path: string): Promise<boolean> {
  try {
    // Shrunk as it is decoded: every byte is read, at a fraction of the cost of full size.
    await sharp(path, { limitInputPixels: MAX_PHOTO_PIXELS }).resize(64, 64, { fit: 'inside' }).raw().toBuffer();
    return true;
  } catch {
    return false;
  }
}

/** The photo upright, as RGB, with its short side `shortSide`. */
async function decodeShortSide(path: string, shortSide: number): Promise<RgbImage> {
  return rgbImageOf(sharp(path, { limitInputPixels: MAX_PHOTO_PIXELS }).rotate().removeAlpha().toColourspace('srgb').resize(shortSide, shortSide, { fit: 'outside' }));
}
