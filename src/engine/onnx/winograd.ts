import type { GraphBuilder } from './graph-builder.ts';

/**
 * Winograd's minimal filtering F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural
 * Networks", 2016): each 4×4 block of a 3×3 convolution's output from a 6×6 window of its input with
 * 36 multiplications per channel pair instead of 144. The matrices are theirs (points 0, ±1, ±2, ∞).
 *
 * Why here: onnxruntime's CPU convolutions compute every product (no Winograd for fp32), and a fast
 * network's ten residual convolutions are 70% of its arithmetic. As ONNX ops the transforms cost
 * memory passes the products no longer do; the batched product itself is 4× smaller.
 */
const INPUT_ROWS = [
  [4, 0, -5, 0, 1, 0],
  [0, -4, -4, 1, 1, 0],
  [0, 4, -4, -1, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 2, -1, -2, 1, 0],
  [0, 4, 0, -5, 0, 1],
] as const;
const KERNEL_ROWS = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
] as const;
const OUTPUT_ROWS = [
  [1, 1, 1, 1, 1, 0],
  [0, 1, -1, 2, -2, 0],
  [0, 1, 1, 4, 4, 0],
  [0, 1, -1, 8, -8, 1],
] as const;

/** Points of the transformed window: 6 × 6. */
const POINTS = 36;

/**
 * A kernel given tap by tap, `[9, out, in]` (tap ky·3 + kx first: see `kernelTapsOf`), in Winograd's
 * domain, `[36, out, in]`: G g Gᵀ for every channel pair, as one matrix product with the taps. As
 * graph ops on a constant, which onnxruntime folds into one constant as it loads the graph: computed
 * in JavaScript, the transformed kernels took 2.6 s of each loss graph's build to conv5_1, and were
 * four times the bytes to encode and parse. (Folded as `[out, in, 36]` and then transposed to
 * `[36, out, in]`, the loss graph to conv5_1 took onnxruntime 8.4 s to load instead of 4.9.)
 */
function winogradKernelOf(b: GraphBuilder, taps: string, inChannels: number, outChannels: number): string {
  const transformed = b.op('MatMul', [b.constant(KERNEL_TRANSFORM, [POINTS, 9], 'winograd_kernel_transform'), b.op('Reshape', [taps, b.int64s([9, outChannels * inChannels])])]);
  return b.op('Reshape', [transformed, b.int64s([POINTS, outChannels, inChannels])]);
}

/**
 * G g Gᵀ as one product with a kernel's nine taps: point (p, q) = Σ G[p][a] · g[a][b] · G[q][b], so
 * row p·6 + q, column a·3 + b holds G[p][a] · G[q][b] (G ⊗ G).
 */
const KERNEL_TRANSFORM = Float32Array.from({ length: POINTS * 9 }, (_, index) => {
  const [point, tap] = [Math.floor(index / 9), index % 9];
  return KERNEL_ROWS[Math.floor(point / 6)]![Math.floor(tap / 3)]! * KERNEL_ROWS[point % 6]![tap % 3]!;
});

/** An `[out, in, 3, 3]` kernel (a graph value) tap by tap, `[9, out, in]`, as `winogradConv` takes it. */
export function kernelTapsOf(b: GraphBuilder, kernel: string, inChannels: number, outChannels: number): string {
  return b.op('Transpose', [b.op('Reshape', [kernel, b.int64s([outChannels, inChannels, 9])])], { perm: [2, 0, 1] });
}

export interface WinogradConvShape {
  readonly inChannels: number;
  readonly outChannels: number;
  /** The input's (and output's) size. */
  readonly height: number;
  readonly width: number;
}

/**
 * `Conv(x, kernel, pads 1)` for a 3×3 kernel given tap by tap, `[9, out, in]` (a graph value: best a
 * constant, or ops on one; `kernelTapsOf` makes it from `[out, in, 3, 3]`), on `[1, in, height,
 * width]`, built as
 * Winograd F(4×4, 3×3); sizes that are not multiples of 4 are padded with zeros and cropped back.
 * Matches the plain convolution to float rounding (about 1e-5 of the values' scale).
 */
export function winogradConv(b: GraphBuilder, x: string, taps: string, shape: WinogradConvShape): string {
  const { inChannels, outChannels, height, width } = shape;
  const [tilesHigh, tilesWide] = [Math.ceil(height / 4), Math.ceil(width / 4)];
  const tiles = tilesHigh * tilesWide;
  // The input transform Bᵀ d B, separably: one 6-tap filter down the rows, then across (grouped
  // convolutions keep it per channel). Channel c·36 + point holds the point's value for each tile.
  const rows = Float32Array.from(INPUT_ROWS.flat());
  const down = b.op('Conv', [x, b.constant(repeat(rows, inChannels), [6 * inChannels, 1, 6, 1], 'winograd_rows')], {
    kernel_shape: [6, 1],
    strides: [4, 1],
    group: inChannels,
    pads: [1, 1, 1 + tilesHigh * 4 - height, 1 + tilesWide * 4 - width],
  });
  const window = b.op('Conv', [down, b.constant(repeat(rows, 6 * inChannels), [POINTS * inChannels, 1, 1, 6], 'winograd_columns')], { kernel_shape: [1, 6], strides: [1, 4], group: 6 * inChannels });
  // One matrix product per point over the channels: [36, out, in] × [36, in, tiles]. onnxruntime
  // folds the transpose into the product.
  const perPoint = b.op('Transpose', [b.op('Reshape', [window, b.int64s([inChannels, POINTS, tiles])])], { perm: [1, 0, 2] });
  const products = b.op('MatMul', [winogradKernelOf(b, taps, inChannels, outChannels), perPoint]);
  // The output transform Aᵀ m A: 16 outputs of each tile from its 36 points, then blocks to pixels.
  const outputs = new Float32Array(16 * POINTS);
  for (let p = 0; p < 4; p++) for (let q = 0; q < 4; q++) for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) outputs[(p * 4 + q) * POINTS + i * 6 + j] = OUTPUT_ROWS[p]![i]! * OUTPUT_ROWS[q]![j]!;
  const blocks = b.op('MatMul', [b.constant(outputs, [16, POINTS], 'winograd_outputs'), b.op('Reshape', [products, b.int64s([POINTS, outChannels * tiles])])]);
  const y = placeBlocks(b, blocks, { channels: outChannels, tilesHigh, tilesWide });
  if (tilesHigh * 4 === height && tilesWide * 4 === width) return y;
  return b.op('Slice', [y, b.int64s([0, 0]), b.int64s([height, width]), b.int64s([2, 3])]);
}

/**
 * `[16, channels · tiles]` (row-in-block × 4 + column-in-block first) → the `[1, channels, 4 ·
 * tilesHigh, 4 · tilesWide]` picture: DepthToSpace's rearrangement, as two transposes. onnxruntime's
 * DepthToSpace moves runs of 4 floats; here the first transpose gathers each block row's 4 columns,
 * the second moves whole rows of 4 · tilesWide floats. A quarter of a fast network's Winograd time
 * went into DepthToSpace; this takes half as long (whole network, interleaved: −7%).
 */
function placeBlocks(b: GraphBuilder, blocks: string, shape: { channels: number; tilesHigh: number; tilesWide: number }): string {
  const { channels, tilesHigh, tilesWide } = shape;
  const columnsInside = b.op('Transpose', [b.op('Reshape', [blocks, b.int64s([4, 4, channels, tilesHigh, tilesWide])])], { perm: [0, 2, 3, 4, 1] });
  const rows = b.op('Transpose', [b.op('Reshape', [columnsInside, b.int64s([4, channels * tilesHigh, tilesWide * 4])])], { perm: [1, 0, 2] });
  return b.op('Reshape', [rows, b.int64s([1, channels, tilesHigh * 4, tilesWide * 4])]);
}

/** `values` `times` times over, end to end. */
function repeat(values: Float32Array, times: number): Float32Array {
  const out = new Float32Array(values.length * times);
  for (let index = 0; index < times; index++) out.set(values, index * values.length);
  return out;
}
