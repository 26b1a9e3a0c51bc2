import { InputError } from '../../engine/errors.ts';
import { decodeImage, inspectImage, type DecodeLimits, type PictureSize, type RgbImage } from '../../engine/image.ts';
import { SIZE_RANGE } from '../../engine/options.ts';
import { checkAspectRatio } from '../../engine/proportions.ts';
import type { UploadedImage } from './types.ts';

/**
 * Decodes an image option, tying any refusal to that option so adapters can show it beside it. It
 * comes out at most `maxSide` on its long side (no job paints larger than the largest size), shrunk
 * as it is decoded: a phone photo is never held at its full 12 megapixels.
 */
export function decodeImageOption(upload: UploadedImage, limits: DecodeLimits, label: string, field: string, maxSide: number = SIZE_RANGE.max): Promise<RgbImage> {
  return refusedAs(field, () => decodeImage(upload.bytes, limits, label, maxSide));
}

/**
 * The `style` option decoded and checked as a painting to paint with: a strip too narrow to paint
 * is refused here, before anything is stored (every job with it would fail).
 */
export async function decodeStyleOption(upload: UploadedImage, limits: DecodeLimits): Promise<RgbImage> {
  const style = await decodeImageOption(upload, limits, 'style image', 'style');
  checkAspectRatio(style, 'style image', 'style');
  return style;
}

/** An image option's size as sent (`inspectImage`: its header only), with refusals tied to the option. */
export function inspectImageOption(upload: UploadedImage, limits: DecodeLimits, label: string, field: string): Promise<PictureSize> {
  return refusedAs(field, () => inspectImage(upload.bytes, limits, label));
}

async function refusedAs<T>(field: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InputError) throw new InputError(error.code, error.message, field);
    throw error;
  }
}

/**
 * A picture the adapter has not fetched yet, standing in for it in `Bot.precheck`, which refuses what
 * it can from the request alone: its bytes are never read.
 */
export function pictureToFetch(name: string): UploadedImage {
  return { bytes: new Uint8Array(0), name };
}
