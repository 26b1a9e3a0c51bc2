import sharp from 'sharp';
import { formatMegabytes } from '../engine/image.ts';
import type { ResultFile } from './job-messages.ts';

/** A chat's largest upload, per file, and how to name it to a user ("Discord's 10 MB upload limit"). */
export interface UploadLimit {
  readonly bytes: number;
  readonly label: string;
}

export type ResultUpload = ResultFile & { readonly bytes: Uint8Array };

/**
 * A result's files made to fit a chat's upload limit, with what was changed, in words, for the
 * result's details. A file over the limit would have the whole message refused (Discord answers
 * 413, and the user would never get the picture): the picture is sent as a JPEG (a 2048×1536 PNG is
 * about 8 MB, its JPEG 1.2–1.5), made smaller only if even that does not fit; a GIF is scaled down
 * until it fits (a clip's is made whole, so that where the limit is higher, on Slack, the
 * playground or a boosted Discord server, it is shown whole); any other file over it (an MP4) is
 * left out.
 */
export async function fitUploadLimit(files: readonly ResultUpload[], limit: UploadLimit): Promise<{ files: ResultUpload[]; notes: string[] }> {
  const notes: string[] = [];
  const fitted: ResultUpload[] = [];
  for (const file of files) {
    if (file.kind === 'png') {
      const { note, ...picture } = await fitPicture(file, limit);
      fitted.push(note ? { ...file, ...picture } : file);
      if (note) notes.push(note);
    } else if (file.bytes.byteLength <= limit.bytes) {
      fitted.push(file);
    } else if (file.kind === 'gif') {
      const { bytes, width } = await gifWithin(file.bytes, limit.bytes);
      fitted.push({ ...file, bytes });
      notes.push(`the GIF made ${width} px wide to fit ${limit.label}`);
    } else {
      notes.push(`the ${file.kind.toUpperCase()} left out: at ${formatMegabytes(file.bytes.byteLength)} it is over ${limit.label}`);
    }
  }
  return { files: fitted, notes };
}

/**
 * A picture to upload (a result, a contest's painting or entry) as it is if it fits the limit, else
 * as a JPEG named so, with a note saying so.
 */
export async function fitPicture(picture: { readonly name: string; readonly bytes: Uint8Array }, limit: UploadLimit): Promise<{ name: string; bytes: Uint8Array; note?: string }> {
  if (picture.bytes.byteLength <= limit.bytes) return { name: picture.name, bytes: picture.bytes };
  const { bytes, width } = await jpegWithin(picture.bytes, limit.bytes);
  const note = `the picture sent as a JPEG${width === undefined ? '' : ` ${width} px wide`} to fit ${limit.label} (its PNG was ${formatMegabytes(picture.bytes.byteLength)})`;
  return { name: picture.name.replace(/\.png$/, '') + '.jpg', bytes, note };
}

/** The picture as a JPEG within `maxBytes`: at its own size if that fits, else as wide as fits (then its width). */
async function jpegWithin(png: Uint8Array, maxBytes: number): Promise<{ bytes: Buffer; width?: number }> {
  const encode = (width?: number) => sharp(png).resize(width === undefined ? undefined : { width }).jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toBuffer();
  const bytes = await encode();
  if (bytes.byteLength <= maxBytes) return { bytes };
  return narrowedToFit((await sharp(png).metadata()).width ?? 1, bytes, maxBytes, encode);
}

/** The animated GIF within `maxBytes`: every frame scaled down alike, its timing kept, as wide as fits. */
async function gifWithin(gif: Uint8Array, maxBytes: number): Promise<{ bytes: Buffer; width: number }> {
  // Our own result, not a stranger's upload: a long clip's frames together may pass sharp's pixel limit.
  const encode = (width: number) => sharp(gif, { animated: true, limitInputPixels: false }).resize({ width }).gif({ effort: 2 }).toBuffer();
  return narrowedToFit((await sharp(gif).metadata()).width ?? 1, Buffer.from(gif), maxBytes, encode);
}

/**
 * `encode` at narrower widths, from `width` whose encoding is `bytes`, until it fits `maxBytes` (or
 * is 16 px wide). A JPEG's or GIF's size goes roughly with its pixels: each try shrinks by the square
 * root of the excess, with a margin.
 */
async function narrowedToFit(width: number, bytes: Buffer, maxBytes: number, encode: (width: number) => Promise<Buffer>): Promise<{ bytes: Buffer; width: number }> {
  while (bytes.byteLength > maxBytes && width > 16) {
    width = Math.max(16, Math.floor(width * Math.sqrt(maxBytes / bytes.byteLength) * 0.95));
    bytes = await encode(width);
  }
  return { bytes, width };
}
