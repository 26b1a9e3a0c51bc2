/** One stage of a coarse-to-fine run. */
export interface Scale {
  /** Long side in pixels. */
  readonly size: number;
  readonly iterations: number;
}

const SMALLEST = 128;
const STEP = Math.SQRT2;
/** Each finer scale gets 1/RATIO of the previous one's iterations: most work at low resolution. */
const RATIO = 1.5;

/**
 * Coarse-to-fine sizes (×√2 steps from about 128 px up to the target) with the iterations spread so
 * that the coarsest scale gets the most. Single-scale, a small target, or too few iterations give
 * one stage. No stage is smaller than `smallestSize` (a narrow photo needs a longer side to keep
 * pixels at the deepest layers).
 */
export function scaleSchedule(targetSize: number, iterations: number, multiScale: boolean, smallestSize = SMALLEST): Scale[] {
  const sizes = [targetSize];
  const floor = Math.max(SMALLEST * 0.95, smallestSize);
  if (multiScale) {
    for (let size = targetSize / STEP; size >= floor; size /= STEP) sizes.unshift(Math.round(size));
  }
  const stages = sizes.slice(-Math.min(sizes.length, iterations));
  const weights = stages.map((_, index) => RATIO ** (stages.length - 1 - index));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const counts = weights.map((weight) => Math.max(1, Math.floor((iterations * weight) / total)));
  // Rounding leftovers go to the coarsest stage, so the total is exact.
  counts[0]! += iterations - counts.reduce((sum, count) => sum + count, 0);
  return stages.map((size, index) => ({ size, iterations: counts[index]! }));
}
