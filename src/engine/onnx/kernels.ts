/** A convolution kernel in TensorFlow's `[k, k, in, out]` layout → ONNX Conv's `[out, in, k, k]`. */
export function hwioToOihw(kernel: Float32Array, k: number, inChannels: number, outChannels: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let ky = 0; ky < k; ky++)
    for (let kx = 0; kx < k; kx++)
      for (let i = 0; i < inChannels; i++)
        for (let o = 0; o < outChannels; o++) out[((o * inChannels + i) * k + ky) * k + kx] = kernel[((ky * k + kx) * inChannels + i) * outChannels + o]!;
  return out;
}

/**
 * A stride-1, odd-sized `[out, in, k, k]` kernel rewritten for the same convolution on the input's
 * space-to-depth form (ONNX SpaceToDepth, `block` × `block` pixels to channels), whose output is the
 * result's space-to-depth form (ONNX DepthToSpace, mode DCR, gives it back exactly).
 *
 * Why: onnxruntime's blocked (NCHWc) convolutions compute output channels in blocks of 8 or 16, so
 * a conv with 3 outputs, such as a network's last 9×9 layer back to RGB, costs as much as one with
 * 16. On a 2×2 space-to-depth input it has 12 outputs and a 5×5 kernel: half the time, same sums.
 *
 * `inputOrder` is the input's channel order: `DCR` as SpaceToDepth makes it (channel (row offset ·
 * block + column offset) · in + c), or `CRD` (channel c · block² + offset), as a transposed conv's
 * phases come (see transposedConvPhases). The output is always DCR.
 *
 * Returns the kernel `[out·b², in·b², taps, taps]` and the padding (begin, end) of each axis.
 */
export function spaceToDepthKernel(kernel: Float32Array, k: number, inChannels: number, outChannels: number, block: number, inputOrder: 'DCR' | 'CRD' = 'DCR'): { kernel: Float32Array; taps: number; padBegin: number; padEnd: number } {
  const half = (k - 1) / 2;
  // Output pixel block·m + p reads input pixels block·m + p + d − half, d in 0…k−1: input blocks m + j.
  const jMin = Math.floor(-half / block);
  const jMax = Math.floor((block - 1 + half) / block);
  const taps = jMax - jMin + 1;
  const [outs, ins] = [outChannels * block * block, inChannels * block * block];
  const out = new Float32Array(outs * ins * taps * taps);
  for (let p = 0; p < block; p++)
    for (let q = 0; q < block; q++)
      for (let a = 0; a < block; a++)
        for (let c = 0; c < block; c++)
          for (let jy = jMin; jy <= jMax; jy++)
            for (let jx = jMin; jx <= jMax; jx++) {
              const [dy, dx] = [block * jy + a + half - p, block * jx + c + half - q];
              if (dy < 0 || dy >= k || dx < 0 || dx >= k) continue;
              for (let o = 0; o < outChannels; o++)
                for (let i = 0; i < inChannels; i++) {
                  // DCR order: the channel of (row offset, column offset, channel) is (offset·block + offset)·channels + channel.
                  const [to, from] = [(p * block + q) * outChannels + o, inputOrder === 'DCR' ? (a * block + c) * inChannels + i : i * block * block + a * block + c];
                  out[((to * ins + from) * taps + (jy - jMin)) * taps + (jx - jMin)] = kernel[((o * inChannels + i) * k + dy) * k + dx]!;
                }
            }
  return { kernel: out, taps, padBegin: -jMin, padEnd: jMax };
}

/** One output phase of a stride-2 transposed convolution, as an ordinary convolution. */
export interface TransposedConvPhase {
  /** Which output pixels it paints: rows 2m + row, columns 2n + column. */
  readonly row: 0 | 1;
  readonly column: 0 | 1;
  /** `[out, in, rows, columns]`. */
  readonly kernel: Float32Array;
  readonly rows: number;
  readonly columns: number;
  /** ONNX Conv's pads: [top, left, bottom, right]. */
  readonly pads: readonly number[];
}

/**
 * A stride-2 3×3 transposed convolution (ONNX ConvTranspose with an `[in, out, 3, 3]` kernel, pads
 * begin 0 and end 1: exactly twice the size) as four ordinary convolutions, one per output phase:
 * output pixel (2m + row, 2n + column) is pixel (m, n) of that phase. An even phase reads input
 * pixels m − 1 and m (kernel taps 2 and 0), an odd one pixel m (tap 1).
 *
 * Why: onnxruntime's ConvTranspose multiplies into a column buffer nine times the output's size and
 * adds it back pixel by pixel; the phases are plain blocked convolutions with the same products.
 */
export function transposedConvPhases(kernel: Float32Array, inChannels: number, outChannels: number): TransposedConvPhase[] {
  const tapsOf = (phase: 0 | 1) => (phase === 0 ? [2, 0] : [1]);
  const phases: TransposedConvPhase[] = [];
  for (const row of [0, 1] as const)
    for (const column of [0, 1] as const) {
      const [rowTaps, columnTaps] = [tapsOf(row), tapsOf(column)];
      const [rows, columns] = [rowTaps.length, columnTaps.length];
      const out = new Float32Array(outChannels * inChannels * rows * columns);
      for (let o = 0; o < outChannels; o++)
        for (let i = 0; i < inChannels; i++)
          for (const [a, ky] of rowTaps.entries())
            for (const [c, kx] of columnTaps.entries()) out[((o * inChannels + i) * rows + a) * columns + c] = kernel[((i * outChannels + o) * 3 + ky) * 3 + kx]!;
      phases.push({ row, column, kernel: out, rows, columns, pads: [rows - 1, columns - 1, 0, 0] });
    }
  return phases;
}
