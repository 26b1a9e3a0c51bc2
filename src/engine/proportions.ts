import { InputError } from './errors.ts';
import type { PictureSize } from './image.ts';

/**
 * The smallest side an image may have at the size it is painted: the deepest VGG-19 layers sit
 * behind four 2×2 poolings, and a side under 16 px leaves them no pixels at all (onnxruntime then
 * fails to even build the graph). The same bound for every layer preset keeps the rule simple.
 */
export const MIN_SIDE = 16;

/** Long side over short side: beyond this a picture is a strip, not a photo (a 2000×2 upload, say). */
export const MAX_ASPECT_RATIO = 16;

export function aspectRatioOf(image: PictureSize): number {
  return Math.max(image.width, image.height) / Math.min(image.width, image.height);
}

/** The long side an image needs so that its short side is at least MIN_SIDE. */
export function smallestLongSide(image: PictureSize): number {
  return Math.ceil(MIN_SIDE * aspectRatioOf(image));
}

/**
 * Whether an image is a strip. Half a pixel of grace on the short side: a photo within 16:1 by a
 * hair, shrunk to the size it is painted at, has its short side rounded to whole pixels (1599×100 at
 * 260 px is 260×16, 16.25:1), and the engine must not refuse what the command accepted.
 */
function isStrip(image: PictureSize): boolean {
  return Math.max(image.width, image.height) / (Math.min(image.width, image.height) + 0.5) > MAX_ASPECT_RATIO;
}

/** Refuses a strip of an image, naming its size and the limit. */
export function checkAspectRatio(image: PictureSize, label: string, field: string): void {
  if (isStrip(image)) {
    throw new InputError(
      'invalid_option',
      `The ${label} is ${image.width}×${image.height}: too narrow to paint. Its long side may be at most ${MAX_ASPECT_RATIO} times its short side; crop it.`,
      field,
    );
  }
}

/**
 * Refuses a photo that would be too thin at the size asked for, and says which size would do.
 * `sizeField` is the option that chooses the size, or `false` where the sender cannot choose it (a
 * contest's): then the refusal is the image's, and the remedy is to crop it.
 */
export function checkPaintableAt(image: PictureSize, longSide: number, label: string, field: string, sizeField: string | false = 'size'): void {
  checkAspectRatio(image, label, field);
  const needed = smallestLongSide(image);
  if (longSide < needed) {
    const shortSide = Math.round(longSide / aspectRatioOf(image));
    const remedy = sizeField ? `ask for size ${needed} or more, or crop it` : 'crop it';
    throw new InputError('invalid_option', `At size ${longSide} the ${label} would be only ${shortSide} px across; ${remedy}.`, sizeField || field);
  }
}
