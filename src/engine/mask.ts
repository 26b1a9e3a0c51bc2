import { InputError } from './errors.ts';
import { resizeExactly, type RgbImage } from './image.ts';

/** A soft mask, one value in 0..1 per pixel (1 = stylize, 0 = keep the content). */
export interface Mask {
  readonly width: number;
  readonly height: number;
  readonly values: Float32Array;
}

/** How far a mask's aspect ratio may differ from the photo's before it is refused. */
const ASPECT_TOLERANCE = 0.03;

/** Checks that a mask image has the photo's shape (any size), so that resizing cannot distort it. */
export function checkMaskShape(mask: RgbImage, content: RgbImage): void {
  const maskAspect = mask.width / mask.height;
  const contentAspect = content.width / content.height;
  if (Math.abs(maskAspect - contentAspect) / contentAspect > ASPECT_TOLERANCE) {
    throw new InputError(
      'invalid_option',
      `The mask is ${mask.width}×${mask.height} but the photo is ${content.width}×${content.height}: give a mask of the photo's shape (white = stylize, black = keep).`,
      'mask',
    );
  }
}

/** The mask image's brightness, resized to `width`×`height`. */
export async function maskFromImage(image: RgbImage, width: number, height: number): Promise<Mask> {
  const resized = await resizeExactly(image, width, height);
  const values = new Float32Array(width * height);
  for (let p = 0; p < values.length; p++) {
    values[p] = (0.299 * resized.data[3 * p]! + 0.587 * resized.data[3 * p + 1]! + 0.114 * resized.data[3 * p + 2]!) / 255;
  }
  return { width, height, values };
}

/** stylized·m + content·(1 − m), per pixel: the soft blend that keeps masked-out areas exact. */
export function blendWithMask(stylized: RgbImage, content: RgbImage, mask: Mask): RgbImage {
  const out = new Uint8Array(stylized.data.length);
  for (let p = 0; p < mask.values.length; p++) {
    const m = mask.values[p]!;
    for (let c = 0; c < 3; c++) out[3 * p + c] = Math.round(m * stylized.data[3 * p + c]! + (1 - m) * content.data[3 * p + c]!);
  }
  return { width: stylized.width, height: stylized.height, data: out };
}
