import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/engine/onnx/graph-builder.ts';
import { spaceToDepthKernel, transposedConvPhases } from '../../src/engine/onnx/kernels.ts';
import { kernelTapsOf, winogradConv } from '../../src/engine/onnx/winograd.ts';
import { gaussianNoise } from '../../src/engine/random.ts';

function largest(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let value = 0;
  for (let i = 0; i < a.length; i++) value = Math.max(value, Math.abs(a[i]! - b[i]!));
  return value;
}

/** Runs `y = f(x)` as a one-off onnxruntime graph. */
async function run(inDims: number[], outDims: number[], build: (b: GraphBuilder, x: string) => string, x: Float32Array): Promise<Float32Array> {
  const b = new GraphBuilder();
  b.output(b.alias(build(b, b.input('x', inDims)), 'y'), outDims);
  const session = await ort.InferenceSession.create(b.build());
  const y = (await session.run({ x: new ort.Tensor('float32', x, inDims) })).y!.data as Float32Array;
  await session.release();
  return y;
}

describe('a convolution on the space-to-depth form (the fast networks’ last layer)', () => {
  it.each([
    { k: 9, inChannels: 32, outChannels: 3, block: 2 },
    { k: 3, inChannels: 8, outChannels: 3, block: 2 },
    { k: 5, inChannels: 4, outChannels: 2, block: 4 },
    { k: 1, inChannels: 6, outChannels: 5, block: 2 },
  ])('gives the plain convolution’s result: $k×$k, $inChannels → $outChannels, blocks of $block', async ({ k, inChannels, outChannels, block }) => {
    const [height, width] = [4 * block, 6 * block];
    const kernel = gaussianNoise(outChannels * inChannels * k * k, 0.1, 11);
    const x = gaussianNoise(inChannels * height * width, 1, 12);
    const half = (k - 1) / 2;
    const plain = await run([1, inChannels, height, width], [1, outChannels, height, width], (b, input) => b.op('Conv', [input, b.constant(kernel, [outChannels, inChannels, k, k])], { kernel_shape: [k, k], pads: [half, half, half, half] }), x);
    const s2d = spaceToDepthKernel(kernel, k, inChannels, outChannels, block);
    const rewritten = await run([1, inChannels, height, width], [1, outChannels, height, width], (b, input) => {
      const pads = [s2d.padBegin, s2d.padBegin, s2d.padEnd, s2d.padEnd];
      const y = b.op('Conv', [b.op('SpaceToDepth', [input], { blocksize: block }), b.constant(s2d.kernel, [outChannels * block * block, inChannels * block * block, s2d.taps, s2d.taps])], { kernel_shape: [s2d.taps, s2d.taps], pads });
      return b.op('DepthToSpace', [y], { blocksize: block, mode: 'DCR' });
    }, x);
    expect(largest(rewritten, plain)).toBeLessThan(1e-4);
  });

  it('reads the CRD order, each channel’s phases side by side, as a transposed conv’s phases come', async () => {
    const [k, inChannels, outChannels, height, width] = [5, 3, 2, 8, 10];
    const kernel = gaussianNoise(outChannels * inChannels * k * k, 0.1, 15);
    const x = gaussianNoise(inChannels * height * width, 1, 16);
    const plain = await run([1, inChannels, height, width], [1, outChannels, height, width], (b, input) => b.op('Conv', [input, b.constant(kernel, [outChannels, inChannels, k, k])], { kernel_shape: [k, k], pads: [2, 2, 2, 2] }), x);
    const s2d = spaceToDepthKernel(kernel, k, inChannels, outChannels, 2, 'CRD');
    const rewritten = await run([1, inChannels, height, width], [1, outChannels, height, width], (b, input) => {
      // CRD by hand: [c, H/2, 2, W/2, 2] → [c, 2, 2, H/2, W/2].
      const split = b.op('Reshape', [input, b.int64s([inChannels, height / 2, 2, width / 2, 2])]);
      const crd = b.op('Reshape', [b.op('Transpose', [split], { perm: [0, 2, 4, 1, 3] }), b.int64s([1, inChannels * 4, height / 2, width / 2])]);
      const y = b.op('Conv', [crd, b.constant(s2d.kernel, [outChannels * 4, inChannels * 4, s2d.taps, s2d.taps])], { kernel_shape: [s2d.taps, s2d.taps], pads: [s2d.padBegin, s2d.padBegin, s2d.padEnd, s2d.padEnd] });
      return b.op('DepthToSpace', [y], { blocksize: 2, mode: 'DCR' });
    }, x);
    expect(largest(rewritten, plain)).toBeLessThan(1e-4);
  });
});

describe('a stride-2 transposed convolution as four phase convolutions (the fast networks’ last upsampling)', () => {
  it.each([
    { inChannels: 8, outChannels: 4, height: 5, width: 7 },
    { inChannels: 3, outChannels: 6, height: 4, width: 4 },
  ])('gives ConvTranspose’s result, pixel (2m + row, 2n + column) from phase (row, column): $inChannels → $outChannels on $height×$width', async ({ inChannels, outChannels, height, width }) => {
    const kernel = gaussianNoise(inChannels * outChannels * 9, 0.1, 17);
    const x = gaussianNoise(inChannels * height * width, 1, 18);
    const [inDims, outDims] = [[1, inChannels, height, width], [1, outChannels, 2 * height, 2 * width]];
    const transposed = await run(inDims, outDims, (b, input) => b.op('ConvTranspose', [input, b.constant(kernel, [inChannels, outChannels, 3, 3])], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1] }), x);
    const phases = transposedConvPhases(kernel, inChannels, outChannels);
    expect(phases.map(({ rows, columns }) => rows * columns)).toEqual([4, 2, 2, 1]);
    for (const phase of phases) {
      const painted = await run(inDims, [1, outChannels, height, width], (b, input) => b.op('Conv', [input, b.constant(phase.kernel, [outChannels, inChannels, phase.rows, phase.columns])], { kernel_shape: [phase.rows, phase.columns], pads: [...phase.pads] }), x);
      const expected = new Float32Array(painted.length);
      for (let c = 0; c < outChannels; c++)
        for (let m = 0; m < height; m++)
          for (let n = 0; n < width; n++) expected[(c * height + m) * width + n] = transposed[(c * 2 * height + 2 * m + phase.row) * 2 * width + 2 * n + phase.column]!;
      expect(largest(painted, expected)).toBeLessThan(1e-5);
    }
  });
});

describe('a 3×3 convolution as Winograd F(4×4, 3×3) (the fast networks’ residual blocks)', () => {
  it.each([
    { inChannels: 8, outChannels: 8, height: 8, width: 12 },
    { inChannels: 5, outChannels: 7, height: 9, width: 14 },
    { inChannels: 16, outChannels: 4, height: 3, width: 5 },
  ])('gives the plain convolution’s result: $inChannels → $outChannels on $height×$width', async ({ inChannels, outChannels, height, width }) => {
    const kernel = gaussianNoise(outChannels * inChannels * 9, 0.1, 13);
    const x = gaussianNoise(inChannels * height * width, 1, 14);
    const [inDims, outDims] = [[1, inChannels, height, width], [1, outChannels, height, width]];
    const plain = await run(inDims, outDims, (b, input) => b.op('Conv', [input, b.constant(kernel, [outChannels, inChannels, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), x);
    const winograd = await run(inDims, outDims, (b, input) => winogradConv(b, input, kernelTapsOf(b, b.constant(kernel, [outChannels, inChannels, 3, 3]), inChannels, outChannels), { inChannels, outChannels, height, width }), x);
    expect(winograd.length).toBe(plain.length);
    let [largest, scale] = [0, 0];
    for (let i = 0; i < plain.length; i++) {
      largest = Math.max(largest, Math.abs(winograd[i]! - plain[i]!));
      scale = Math.max(scale, Math.abs(plain[i]!));
    }
    expect(scale).toBeGreaterThan(0.1);
    expect(largest).toBeLessThan(1e-4 * scale);
  });
});
