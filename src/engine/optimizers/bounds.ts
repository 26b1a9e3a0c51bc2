/**
 * Box constraints on the image vector, per channel (the vector repeats B, G, R): the optimisers
 * keep every pixel inside the range a PNG can hold, so the saved picture is the one that was
 * optimised. Without them L-BFGS pushes pixels far past 0 and 255 and clamping afterwards changed
 * the style loss of one result seven-fold.
 */
export interface Bounds {
  readonly lower: readonly number[];
  readonly upper: readonly number[];
}

/** Clamps `x` into the bounds, in place. */
export function project(x: Float32Array, bounds: Bounds): Float32Array {
  const { lower, upper } = bounds;
  // The channel is counted rather than taken as i % period: the loop runs over every pixel of
  // every trial point, and the modulo was most of its time.
  for (let i = 0, channel = 0; i < x.length; i++, channel = channel + 1 === lower.length ? 0 : channel + 1) {
    const value = x[i]!;
    if (value < lower[channel]!) x[i] = lower[channel]!;
    else if (value > upper[channel]!) x[i] = upper[channel]!;
  }
  return x;
}

/**
 * Zeroes the components of `vector` that would move a coordinate already on its bound further out:
 * `sign` is +1 for a descent direction (moving along it), −1 for a gradient (moving against it).
 */
export function freeComponents(x: Float32Array, vector: Float32Array, bounds: Bounds, sign: 1 | -1): Float32Array {
  const { lower, upper } = bounds;
  const out = Float32Array.from(vector);
  for (let i = 0, channel = 0; i < x.length; i++, channel = channel + 1 === lower.length ? 0 : channel + 1) {
    const move = sign * out[i]!;
    if ((move < 0 && x[i]! <= lower[channel]!) || (move > 0 && x[i]! >= upper[channel]!)) out[i] = 0;
  }
  return out;
}
