import { InputError } from '../../engine/errors.ts';
import { decodeImage, type DecodeLimits, type RgbImage } from '../../engine/image.ts';
import type { UploadedImage } from './types.ts';

/** Decodes an image option, tying any refusal to that option so adapters can show it beside it. */
export async function decodeImageOption(upload: UploadedImage, limits: DecodeLimits, label: string, field: string): Promise<RgbImage> {
  try {
    return await decodeImage(upload.bytes, limits, label);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(error.code, error.message, field);
    throw error;
  }
}
