/** One stage of a coarse-to-fine run. */
export interface Scale {
  /** Long side in pixels. */
  readonly size: number;
  /** None for the last stage above 512 px: the stage below it enlarged (see `ENLARGED_ABOVE`). */
  readonly iterations: number;
}

const SMALLEST = 128;
/** Below this, stages are ×√2 apart; above it, ×2 (each stage costs a setup and a first evaluation). */
const FINE_STEPS_BELOW = 256;
/** Each finer scale gets 1/RATIO of the previous one's iterations: most work at low resolution. */
const RATIO = 1.5;
/**
 * A final stage above this size is not painted: the stage below it is enlarged, with the photo's own
 * detail at the full size (the engine's `refine`). It was painted for one iteration, whose first step
 * L-BFGS limits to ten grey levels on the steepest pixel: on eight pairs of photo and painting at
 * 1024 px that iteration changed the picture by 0.2–0.6 grey levels on average (at most 10), which
 * no one sees, for two fifths of a job's time (27.5 s → 16.7 on blocks 1–3, 2 vCPUs; more with the
 * full VGG-19). More iterations there cost about 7 s each and *lowered* the style match, while the
 * painting's structure is already set at 512. See docs/quality.md.
 */
const ENLARGED_ABOVE = 512;

/**
 * Coarse-to-fine sizes, counted down from the target: ÷2 while that stays at or above 256 px, then
 * ÷√2 down to about 128 px (1024 → 512, 256, 181, 128; 384 → 272, 192, 136). The iterations are
 * spread so that the coarsest scale gets the most; a final stage above 512 px gets none (it is the
 * stage below, enlarged: see `ENLARGED_ABOVE`). Single-scale,
 * a small target, or too few iterations give one stage. No stage is smaller than `smallestSize` (a
 * narrow photo needs a longer side to keep pixels at the deepest layers).
 */
export function scaleSchedule(targetSize: number, iterations: number, multiScale: boolean, smallestSize = SMALLEST): Scale[] {
  const sizes = [targetSize];
  const floor = Math.max(SMALLEST * 0.95, smallestSize);
  if (multiScale) {
    for (let size = targetSize; ; ) {
      size = size / 2 >= FINE_STEPS_BELOW ? size / 2 : size / Math.SQRT2;
      if (Math.round(size) < floor) break;
      sizes.unshift(Math.round(size));
    }
  }
  const stages = sizes.slice(-Math.min(sizes.length, iterations));
  const enlarged = stages.length > 2 && targetSize > ENLARGED_ABOVE;
  const painted = enlarged ? stages.slice(0, -1) : stages;
  const counts = spread(iterations, painted.length);
  if (enlarged) counts.push(0);
  return stages.map((size, index) => ({ size, iterations: counts[index]! }));
}

/** A stage that is the one below enlarged, not painted (no iterations: see `ENLARGED_ABOVE`). */
export function isEnlarged(scale: Scale): boolean {
  return scale.iterations === 0;
}

/** The stages that are painted: all but an enlarged last one. */
export function paintedStages(scales: readonly Scale[]): Scale[] {
  return scales.filter((scale) => !isEnlarged(scale));
}

/** `total` iterations over `count` stages, 1/RATIO as many at each finer one; rounding leftovers go to the coarsest. */
function spread(total: number, count: number): number[] {
  const weights = Array.from({ length: count }, (_, index) => RATIO ** (count - 1 - index));
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((weight) => Math.max(1, Math.floor((total * weight) / sum)));
  counts[0]! += total - counts.reduce((a, b) => a + b, 0);
  return counts;
}
