import type { RgbImage } from './image.ts';

/**
 * Colour preservation by luminance-only transfer (Gatys et al. 2017, §5.1): the result keeps its
 * own luminance (the strokes) and takes the chroma of the content image, in YCbCr (BT.601, full
 * range). Both images must be the same size.
 */
export function preserveContentColors(stylized: RgbImage, content: RgbImage): RgbImage {
  if (stylized.width !== content.width || stylized.height !== content.height) throw new Error('preserveContentColors needs images of one size');
  const out = new Uint8Array(stylized.data.length);
  for (let i = 0; i < out.length; i += 3) {
    const luma = 0.299 * stylized.data[i]! + 0.587 * stylized.data[i + 1]! + 0.114 * stylized.data[i + 2]!;
    const [r, g, b] = [content.data[i]!, content.data[i + 1]!, content.data[i + 2]!];
    const cb = -0.168736 * r - 0.331264 * g + 0.5 * b;
    const cr = 0.5 * r - 0.418688 * g - 0.081312 * b;
    out[i] = clampByte(luma + 1.402 * cr);
    out[i + 1] = clampByte(luma - 0.344136 * cb - 0.714136 * cr);
    out[i + 2] = clampByte(luma + 1.772 * cb);
  }
  return { width: stylized.width, height: stylized.height, data: out };
}

/** Per-pixel [Y, Cb, Cr] of an image (for tests and measurements). */
export function toYCbCr(image: RgbImage): Float32Array {
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i += 3) {
    const [r, g, b] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
    out[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    out[i + 1] = -0.168736 * r - 0.331264 * g + 0.5 * b;
    out[i + 2] = 0.5 * r - 0.418688 * g - 0.081312 * b;
  }
  return out;
}

function clampByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}
