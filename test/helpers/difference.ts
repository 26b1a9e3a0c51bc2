import type { RgbImage } from '../../src/engine/image.ts';

/** ‖a − b‖ / ‖b‖: how far `a` is from `b`, relative to `b`'s size. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    difference += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return Math.sqrt(difference / norm);
}

/** How far two pictures of the same size are apart, in grey levels: the mean and the largest. */
export function greyLevelDifference(a: RgbImage, b: RgbImage): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.data.length, max };
}
