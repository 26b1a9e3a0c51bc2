import * as tf from '@tensorflow/tfjs-core';

/**
 * How many picture positions (rows × columns) one convolution or matrix product may cover on the
 * active backend. TensorFlow.js's WebGPU kernels for both lay the positions out along one dispatch
 * dimension, 32 per workgroup, and WebGPU caps a dimension at the device's
 * `maxComputeWorkgroupsPerDimension` (65,535 on the H200 and in WebGPU's defaults): about 2.1 million
 * positions, so a 2048×1536 picture failed with "Dispatch size exceeds WebGPU limits" on a real GPU.
 * Past this, the engine runs those ops in bands (`convolveInBands`, `multiplyInRowBlocks`). Other
 * backends have no such limit.
 */
export function positionsPerPass(): number {
  if (tf.getBackend() !== 'webgpu') return Number.POSITIVE_INFINITY;
  const device = (tf.backend() as unknown as { device?: { limits?: { maxComputeWorkgroupsPerDimension?: number } } }).device;
  return POSITIONS_PER_WORKGROUP * (device?.limits?.maxComputeWorkgroupsPerDimension ?? 65_535);
}

/** TensorFlow.js WebGPU's conv2d and matMul tiles: 8 threads × 4 positions along the dispatched dimension. */
const POSITIONS_PER_WORKGROUP = 32;

/**
 * Runs a 3×3 "same" convolution of `[1, H, W, C]` in horizontal bands of at most `positions`
 * positions each, every band given one row of its neighbours above and below so that its edge rows
 * see what they would in one pass, and joins them: the same result as `convolve(x)`.
 */
export function convolveInBands(x: tf.Tensor4D, positions: number, convolve: (band: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  const [, height, width] = x.shape;
  if (height * width <= positions) return convolve(x);
  // The two neighbour rows count towards the band's pass.
  const rows = Math.max(1, Math.floor(positions / width) - 2);
  const bands: tf.Tensor4D[] = [];
  for (let top = 0; top < height; top += rows) {
    const bottom = Math.min(top + rows, height);
    const [from, to] = [Math.max(top - 1, 0), Math.min(bottom + 1, height)];
    const output = convolve(tf.slice(x, [0, from, 0, 0], [1, to - from, -1, -1]));
    bands.push(tf.slice(output, [0, top - from, 0, 0], [1, bottom - top, -1, -1]));
  }
  return tf.concat(bands, 1);
}

/** `a · b` for a tall `a` (`[rows, k]`), in blocks of at most `positions` rows. */
export function multiplyInRowBlocks(a: tf.Tensor2D, b: tf.Tensor2D, positions: number): tf.Tensor2D {
  const rows = a.shape[0];
  if (rows <= positions) return tf.matMul(a, b);
  return tf.concat(blocksOf(rows, positions).map(([top, size]) => tf.matMul(tf.slice(a, [top, 0], [size, -1]), b)), 0) as tf.Tensor2D;
}

/** [start, size] of consecutive blocks of at most `positions` out of `length`. */
export function blocksOf(length: number, positions: number): [number, number][] {
  const blocks: [number, number][] = [];
  for (let start = 0; start < length; start += positions) blocks.push([start, Math.min(positions, length - start)]);
  return blocks;
}
