import { open } from 'node:fs/promises';
import sharp from 'sharp';
import { InputError } from './errors.ts';
import { decodeHeic, withColourProfile } from './heic.ts';
import { messageOf } from '../error-message.ts';

/** A picture's size in pixels. */
export interface PictureSize {
  readonly width: number;
  readonly height: number;
}

/** An 8-bit RGB image, row-major, 3 bytes a pixel: the engine's only image type. */
export interface RgbImage extends PictureSize {
  readonly data: Uint8Array;
}

export interface DecodeLimits {
  /** Largest accepted file, in bytes. */
  readonly maxBytes: number;
  /** Largest accepted image, in pixels (width × height), checked before decoding. */
  readonly maxPixels: number;
}

/** One MB as chat platforms and the bot count file sizes (a mebibyte). */
export const MEBIBYTE = 1024 * 1024;

/**
 * A phone's photo at any setting of its main camera (12, 24, 48, 50 or 64 megapixels; a 48- or
 * 50-megapixel JPEG is 10–20 MB), and no more: a 108- or 200-megapixel one is refused, naming the
 * limit. Shrunk as it is decoded, a 64-megapixel JPEG takes 0.15 s on 2 vCPUs, a PNG 0.7 s, a WebP
 * 0.4 s; a 48-megapixel HEIC about 11 s on its thread (WebAssembly, at full size: up to 1 GB).
 */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxBytes: 25 * MEBIBYTE, maxPixels: 70_000_000 };

const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif']);

/** The formats `decodeImage` reads, as people name them: for refusals and help. */
export const READABLE_FORMATS = 'JPEG, PNG, WebP, HEIC, AVIF or GIF';

/** The same formats' file extensions, for reading a folder of pictures. */
export const READABLE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp', '.heic', '.heif', '.avif', '.gif']);

/** ISO media (MP4, MOV, HEIF): a box named "ftyp" at offset 4, then the file's major brand. */
export function isoBrandOf(bytes: Uint8Array): string | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  return ascii(4, 8) === 'ftyp' ? ascii(8, 12) : undefined;
}

/**
 * An animated AVIF's major brand: its frames are a track, which ffmpeg reads as it reads a video's
 * (`clip/decode.ts`); libvips reads at most the still that some such files also carry.
 */
export const AVIF_SEQUENCE_BRAND = 'avis';

/**
 * Why an image in this format cannot be painted, or `undefined` when it can. A HEIF file is read
 * with AV1 inside (AVIF), which libvips decodes, and with HEVC inside (HEIC: iPhones' photos), which
 * `heic.ts` decodes; another codec in it is named, rather than called "a HEIF file".
 */
export function formatRefusal(metadata: Pick<sharp.Metadata, 'format' | 'compression'>, label: string): string | undefined {
  const { format, compression } = metadata;
  if (format && (ACCEPTED_FORMATS.has(format) || (format === 'heif' && (compression === 'av1' || compression === 'hevc')))) return undefined;
  if (format === 'heif') return `The ${label} is a HEIF file in a form I cannot read${compression ? ` (${compression.toUpperCase()})` : ''}; send a ${READABLE_FORMATS}.`;
  return `The ${label} is ${format ? `${formatName(format)} file` : 'not an image'}; send a ${READABLE_FORMATS}.`;
}

/** What libvips read, as people name it, with its article: "an SVG", "a JPEG XL" ("a SVG" read wrong). */
function formatName(format: string): string {
  const named = FORMAT_NAMES[format];
  if (named) return named;
  const upper = format.toUpperCase();
  return `${/^[AEIOU]/.test(upper) ? 'an' : 'a'} ${upper}`;
}

const FORMAT_NAMES: Readonly<Record<string, string>> = { svg: 'an SVG', exr: 'an OpenEXR', jp2k: 'a JPEG 2000', jxl: 'a JPEG XL' };

/** A HEIF file with HEVC inside, which libvips reads the header of but not the pixels. */
function isHeic(metadata: Pick<sharp.Metadata, 'format' | 'compression'>): boolean {
  return metadata.format === 'heif' && metadata.compression === 'hevc';
}

/**
 * Decodes an uploaded file into RGB: JPEG, PNG, WebP, HEIC, AVIF or GIF (first frame), EXIF orientation applied,
 * transparency flattened onto white. Anything else is an `InputError` naming what is wrong.
 *
 * With `maxSide`, a larger image comes out shrunk to that long side (Lanczos), never enlarged. The
 * shrink happens as it is decoded: a JPEG is read at a half, a quarter or an eighth of its size
 * where that suffices (libvips's shrink-on-load). A 12-megapixel phone photo took 140 ms to decode
 * and then shrink to 1024 px, and takes 61 ms this way (mean difference 0.23 grey levels).
 */
export async function decodeImage(
  bytes: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  label = 'image',
  maxSide?: number,
): Promise<RgbImage> {
  const { size, heic, page } = await inspect(bytes, limits, label);
  // Exactly the size resizeToLongSide gives (libvips's own "inside" fit can round the short side
  // the other way), so that the engine finds the photo at its size and the mask at the photo's.
  const target = maxSide !== undefined && Math.max(size.width, size.height) > maxSide ? sizeAtLongSide(size, maxSide) : undefined;
  // HEIC's pixels come from libheif, upright and at the target size already; the rest of the way is the same for every format.
  const source = heic ? await heicAsSharp(bytes, label, heic.icc, target) : undefined;
  try {
    const oriented = source ?? sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'truncated', ...(page ? { page } : {}) }).rotate();
    const sized = target && !source ? oriented.resize(target.width, target.height, { fit: 'fill', kernel: 'lanczos3' }) : oriented;
    const image = await rgbImageOf(sized.flatten({ background: '#ffffff' }).toColourspace('srgb').removeAlpha());
    if (image.data.length !== image.width * image.height * 3) throw new Error('unexpected channel count');
    return image;
  } catch {
    throw new InputError('corrupt_image', `The ${label} could not be decoded; it looks damaged or truncated.`);
  }
}

/**
 * The bytes of the picture file at `path`, refused as `decodeImage` refuses them once past
 * `maxBytes`, but without reading on: a mistaken 10-GB file costs nothing. A device is refused
 * unread (a link to /dev/zero never ends: read whole, it took 9 GB in 30 s to no end); a pipe
 * (`<(curl …)`) is read as it comes, up to the limit. The file system's own errors are thrown as
 * they are, for the caller to word.
 */
export async function readImageFile(path: string, maxBytes: number, label: string): Promise<Buffer> {
  const file = await open(path);
  try {
    const stats = await file.stat();
    if (stats.isCharacterDevice() || stats.isBlockDevice()) throw new InputError('not_an_image', `The ${label} is a device, not a saved picture.`);
    if (stats.isFile() && stats.size > maxBytes) throw tooManyBytes(label, stats.size, maxBytes);
    if (stats.isFile() && stats.size > 0) return await file.readFile();
    const chunks: Buffer[] = [];
    let total = 0;
    while (total <= maxBytes) {
      const { bytesRead, buffer } = await file.read(Buffer.alloc(Math.min(MEBIBYTE, maxBytes + 1 - total)), 0, undefined, null);
      if (bytesRead === 0) return Buffer.concat(chunks, total);
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    throw overTheLimit(label, maxBytes);
  } finally {
    await file.close();
  }
}

/** The refusal of a file of `bytes` past `maxBytes`, for a picture or a clip (`field`: the option that sent it). */
export function tooManyBytes(label: string, bytes: number, maxBytes: number, field?: string): InputError {
  return new InputError('too_many_bytes', `The ${label} is ${formatMegabytes(bytes)}; the limit is ${formatMegabytes(maxBytes)}.`, field);
}

/** The refusal of a stream (a pipe, a download) that runs past `maxBytes`, its whole size unknown. */
export function overTheLimit(label: string, maxBytes: number, field?: string): InputError {
  return new InputError('too_many_bytes', `The ${label} is over the ${formatMegabytes(maxBytes)} limit.`, field);
}

/**
 * An uploaded file's size as `decodeImage` would decode it at full size (EXIF orientation applied),
 * from its header alone, after the same refusals: empty, too many bytes, not an image, too many
 * pixels. Checks of a photo's shape use it, so that they speak of the photo as it was sent even
 * when it is decoded smaller.
 */
export async function inspectImage(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS, label = 'image'): Promise<PictureSize> {
  return (await inspect(bytes, limits, label)).size;
}

/**
 * `heic`: for a HEIC, its colour profile as its header gives it. `page`: the picture to decode, where
 * the file holds several and says which is its own (see `readMetadata`).
 */
async function inspect(bytes: Uint8Array, limits: DecodeLimits, label: string): Promise<{ readonly size: PictureSize; readonly heic?: { readonly icc?: Buffer | undefined }; readonly page?: number | undefined }> {
  if (bytes.byteLength === 0) throw new InputError('empty_file', `The ${label} is an empty file.`);
  if (bytes.byteLength > limits.maxBytes) throw tooManyBytes(label, bytes.byteLength, limits.maxBytes);
  const { metadata, page } = await readMetadata(bytes, label);
  const refusal = formatRefusal(metadata, label);
  if (refusal) throw new InputError('not_an_image', refusal);
  const width = metadata.width ?? 0;
  const height = metadata.pageHeight ?? metadata.height ?? 0;
  if (width < 1 || height < 1) throw new InputError('corrupt_image', `The ${label} has no pixels.`);
  if (width * height > limits.maxPixels) {
    throw new InputError(
      'too_many_pixels',
      `The ${label} is ${width}×${height} (${formatMegapixels(width * height)}); the limit is ${formatMegapixels(limits.maxPixels)}.`,
    );
  }
  // EXIF orientations 5–8 turn the picture a quarter: decoded, it is as wide as it was high. A HEIF
  // file's own turn is in its header's size already, and its EXIF orientation is not applied again.
  if (isHeic(metadata)) return { size: { width, height }, heic: { icc: metadata.icc } };
  return { size: (metadata.orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height }, page };
}

/**
 * A HEIC's primary picture as a sharp pipeline, at `target` if given. With a colour profile (an
 * iPhone's Display P3), its pixels go on as a PNG that carries the profile, so that libvips converts
 * them to sRGB as it does a JPEG's: read as sRGB, a P3 photo lost a seventh of its saturation. (They
 * are shrunk first: the PNG of a 12-megapixel photo cost 0.8 s.)
 */
async function heicAsSharp(bytes: Uint8Array, label: string, icc: Buffer | undefined, target: PictureSize | undefined): Promise<sharp.Sharp> {
  const picture = await decodeHeic(bytes, label).catch((error: unknown) => {
    if (error instanceof InputError) throw error;
    throw new InputError('corrupt_image', `The ${label} could not be decoded; it looks damaged or truncated.`);
  });
  const raw = sharp(picture.data, { raw: { width: picture.width, height: picture.height, channels: 4 } });
  const pixels = target ? raw.resize(target.width, target.height, { fit: 'fill', kernel: 'lanczos3' }) : raw;
  if (!icc) return pixels;
  return sharp(withColourProfile(await pixels.png({ compressionLevel: 0 }).toBuffer(), icc));
}

/**
 * The header of the picture the file itself calls its own. A HEIF file (HEIC, AVIF) may hold several
 * pictures (a burst, an edit beside its original) and name one its primary, which need not be the
 * first; sharp reads the first unless told a page, so a primary stored second was checked and shrunk
 * by the first one's size (a 32×48 picture came out 24×16). `page`: the primary's, when not the first.
 */
async function readMetadata(bytes: Uint8Array, label: string): Promise<{ readonly metadata: sharp.Metadata; readonly page?: number | undefined }> {
  try {
    // Reads the header only, so a bomb's size is known before any pixel is decoded.
    const first = await sharp(bytes, { limitInputPixels: false }).metadata();
    const page = first.pagePrimary;
    if (!page) return { metadata: first };
    return { metadata: await sharp(bytes, { limitInputPixels: false, page }).metadata(), page };
  } catch (error) {
    const text = messageOf(error);
    if (/unsupported image format/i.test(text)) {
      if (isoBrandOf(bytes) === AVIF_SEQUENCE_BRAND) throw new InputError('not_an_image', `The ${label} is an animated AVIF with no still picture in it; send a still ${READABLE_FORMATS}.`);
      throw new InputError('not_an_image', `The ${label} is not an image; send a ${READABLE_FORMATS}.`);
    }
    throw new InputError('corrupt_image', `The ${label} could not be read; it looks damaged or truncated.`);
  }
}

/** The size of `image` with its longer side at `longSide` pixels, aspect ratio kept. */
export function sizeAtLongSide(image: PictureSize, longSide: number): PictureSize {
  const scale = longSide / Math.max(image.width, image.height);
  return { width: Math.max(1, Math.round(image.width * scale)), height: Math.max(1, Math.round(image.height * scale)) };
}

/** Resizes so that the longer side is `longSide` pixels (Lanczos), keeping the aspect ratio. */
export async function resizeToLongSide(image: RgbImage, longSide: number): Promise<RgbImage> {
  const { width, height } = sizeAtLongSide(image, longSide);
  return resizeExactly(image, width, height);
}

export async function resizeExactly(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  return rgbImageOf(toSharp(image).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }));
}

/** The `width`×`height` part of `image` whose top left corner is (`left`, `top`). */
export function cropImage(image: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) data.set(image.data.subarray(((top + row) * image.width + left) * 3, ((top + row) * image.width + left + width) * 3), row * width * 3);
  return { width, height, data };
}

/** Pixels to add on each side of an image. */
export interface Margins {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

/** `image` with `margins` more pixels on its sides, mirrored from inside it. */
export async function extendMirrored(image: RgbImage, margins: Margins): Promise<RgbImage> {
  const { top, right, bottom, left } = margins;
  return rgbImageOf(toSharp(image).extend({ top, right, bottom, left, extendWith: 'mirror' }));
}

/** What a sharp pipeline makes, as raw pixels (the pipeline must end with three channels). */
export async function rgbImageOf(pipeline: sharp.Sharp): Promise<RgbImage> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function toSharp(image: RgbImage): sharp.Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

export async function encodePng(image: RgbImage): Promise<Buffer> {
  // zlib level 2: for a painted 1024×768 picture 69 ms and 2.11 MB, against 82 ms at level 4 (the
  // same size), 105–113 ms and 2.09 MB at level 9, and 44 ms but 2.43 MB at level 1 (the fast
  // method's whole result takes about 2 s).
  return toSharp(image).png({ compressionLevel: 2 }).toBuffer();
}

/**
 * `10.8 MB`, `10 MB`: a size as the bot tells it to users (in MiB, as chat platforms count their
 * limits), to a tenth, without a trailing `.0`.
 */
export function formatMegabytes(bytes: number): string {
  return `${Number((bytes / MEBIBYTE).toFixed(1))} MB`;
}

/** `48.8 megapixels`, `70 megapixels`, `0.25 megapixels`: a picture's size as the bot tells it to users. */
export function formatMegapixels(pixels: number): string {
  const megapixels = pixels / 1e6;
  return `${Number(megapixels >= 1 ? megapixels.toFixed(1) : megapixels.toPrecision(2))} megapixels`;
}
