import { InputError } from './errors.ts';
import { resizeExactly, type PictureSize, type RgbImage } from './image.ts';

/** A soft mask, one value in 0..1 per pixel (1 = stylize, 0 = keep the content). */
export interface Mask {
  readonly width: number;
  readonly height: number;
  readonly values: Float32Array;
}

/** How far a mask's aspect ratio may differ from the photo's before it is refused. */
const ASPECT_TOLERANCE = 0.03;

/** Checks that a mask image has the photo's shape (any size), so that resizing cannot distort it. */
export function checkMaskShape(mask: PictureSize, content: PictureSize): void {
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

/**
 * Bilinear resize of a one-channel map, with TensorFlow's classic sampling (no half-pixel
 * centres, as tf.image.resizeBilinear by default). Both engines resize guides with it, so they agree.
 */
export function resizeMap(values: Float32Array, width: number, height: number, toWidth: number, toHeight: number): Float32Array {
  const out = new Float32Array(toWidth * toHeight);
  const scaleY = height / toHeight;
  const scaleX = width / toWidth;
  for (let y = 0; y < toHeight; y++) {
    const sy = y * scaleY;
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, height - 1);
    const fy = sy - y0;
    for (let x = 0; x < toWidth; x++) {
      const sx = x * scaleX;
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, width - 1);
      const fx = sx - x0;
      const top = values[y0 * width + x0]! * (1 - fx) + values[y0 * width + x1]! * fx;
      const bottom = values[y1 * width + x0]! * (1 - fx) + values[y1 * width + x1]! * fx;
      out[y * toWidth + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** The mask at each style layer's resolution, with the Gram rescale h·w / Σmask (0 when empty). */
export function guidesFor(mask: Float32Array, width: number, height: number, sizes: readonly PictureSize[]): { values: Float32Array; width: number; height: number; scale: number }[] {
  return sizes.map((size) => {
    const values = resizeMap(mask, width, height, size.width, size.height);
    const total = values.reduce((sum, value) => sum + value, 0);
    return { values, width: size.width, height: size.height, scale: total > 1e-6 ? (size.width * size.height) / total : 0 };
  });
}
