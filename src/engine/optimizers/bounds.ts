/**
 * Box constraints on the image vector, per channel (the vector repeats B, G, R): the optimisers
 * keep every pixel inside the range a PNG can hold, so the saved picture is the one that was
 * optimised. Without them L-BFGS pushes pixels far past 0 and 255 and clamping afterwards changed
 * the style loss of one result seven-fold. Each bound must be a float32 value (`Math.fround`), as
 * the vector is: a coordinate clamped to any other lies beside it, and never counts as on it.
 */
export interface Bounds {
  readonly lower: readonly number[];
  readonly upper: readonly number[];
}

/**
 * The channel after `channel`. `project` and `clampedAlong` count channels rather than take
 * i % period: they run over every pixel of every trial point, and the modulo was most of their time.
 */
const nextChannel = (channel: number, period: number): number => (channel + 1 === period ? 0 : channel + 1);

/**
 * The box's inner envelope: a value strictly inside it is inside every channel's range.
 * `freeComponents` and `slopeWithin` ask this first (one predictable branch: most coordinates lie
 * inside), and need a coordinate's channel only near a bound; a fifth faster than counting channels.
 */
const envelopeOf = ({ lower, upper }: Bounds): { low: number; high: number } => ({ low: Math.max(...lower), high: Math.min(...upper) });

/** Whether moving a coordinate at `value` by `move` pushes it against a bound it sits on (or lies past). */
const pushesAgainstBound = (value: number, move: number, lower: number, upper: number): boolean => (move < 0 && value <= lower) || (move > 0 && value >= upper);

/** Clamps `x` into the bounds, in place. */
export function project(x: Float32Array, bounds: Bounds): Float32Array {
  const { lower, upper } = bounds;
  for (let i = 0, channel = 0; i < x.length; i++, channel = nextChannel(channel, lower.length)) {
    const value = x[i]!;
    if (value < lower[channel]!) x[i] = lower[channel]!;
    else if (value > upper[channel]!) x[i] = upper[channel]!;
  }
  return x;
}

/**
 * `x + t · direction` clamped into the bounds, written into `out`: one pass where a step and then
 * a projection took two, with the same float32 roundings.
 */
export function clampedAlong(out: Float32Array, x: Float32Array, direction: Float32Array, t: number, bounds: Bounds): Float32Array {
  const { lower, upper } = bounds;
  for (let i = 0, channel = 0; i < x.length; i++, channel = nextChannel(channel, lower.length)) {
    const value = Math.fround(x[i]! + t * direction[i]!);
    out[i] = value < lower[channel]! ? lower[channel]! : value > upper[channel]! ? upper[channel]! : value;
  }
  return out;
}

/** What `freeComponents` found of the vector it wrote, in the same pass. */
export interface FreeComponents {
  /** Its largest magnitude. */
  readonly largest: number;
  /** Its dot product with `against`. */
  readonly dot: number;
}

/**
 * Zeroes the components of `vector` that would move a coordinate already on its bound further out,
 * written into `out`: `sign` is +1 for a descent direction (moving along it), −1 for a gradient
 * (moving against it). L-BFGS needs the result's largest component and its slope along the
 * gradient next: they are taken in the same pass rather than in two more.
 */
export function freeComponents(x: Float32Array, vector: Float32Array, bounds: Bounds, sign: 1 | -1, out: Float32Array, against: Float32Array): FreeComponents {
  const { lower, upper } = bounds;
  const { low, high } = envelopeOf(bounds);
  let largest = 0, dot = 0;
  for (let i = 0; i < x.length; i++) {
    const value = x[i]!;
    let component = vector[i]!;
    if (!(value > low && value < high)) {
      const channel = i % lower.length;
      if (pushesAgainstBound(value, sign * component, lower[channel]!, upper[channel]!)) component = 0;
    }
    out[i] = component;
    const magnitude = Math.abs(component);
    if (magnitude > largest) largest = magnitude;
    dot += component * against[i]!;
  }
  return { largest, dot };
}

/**
 * The slope of the loss at `x` along `direction` within the bounds: `gradient · direction` over the
 * coordinates the direction still moves. Those it pushes against a bound they sit on stay put.
 */
export function slopeWithin(gradient: Float32Array, direction: Float32Array, x: Float32Array, bounds: Bounds): number {
  const { lower, upper } = bounds;
  const { low, high } = envelopeOf(bounds);
  let slope = 0;
  for (let i = 0; i < x.length; i++) {
    const value = x[i]!;
    if (value > low && value < high) {
      slope += gradient[i]! * direction[i]!;
      continue;
    }
    const channel = i % lower.length;
    if (!pushesAgainstBound(value, direction[i]!, lower[channel]!, upper[channel]!)) slope += gradient[i]! * direction[i]!;
  }
  return slope;
}
