import sharp from 'sharp';

/** A single-channel PNG (a reference mask) as values from 0 to 1. */
export async function greyPng(path: string): Promise<Float32Array> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from({ length: info.width * info.height }, (_, p) => data[p * info.channels]! / 255);
}

/** An RGB PNG (a model's reference input) as values from 0 to 1, channels interleaved. */
export async function greyPngRgb(path: string): Promise<Float32Array> {
  const { data } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from(data, (value) => value / 255);
}

/** Intersection over union of two maps thresholded at 0.5. */
export function iou(a: Float32Array, b: Float32Array): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    const [inA, inB] = [a[i]! > 0.5, b[i]! > 0.5];
    if (inA && inB) both += 1;
    if (inA || inB) either += 1;
  }
  return both / either;
}
