import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/engine/onnx/graph-builder.ts';
import { spaceToDepthKernel } from '../../src/engine/onnx/kernels.ts';
import { winogradConv } from '../../src/engine/onnx/winograd.ts';
import { gaussianNoise } from '../../src/engine/random.ts';

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
    expect(rewritten.length).toBe(plain.length);
    let largest = 0;
    for (let i = 0; i < plain.length; i++) largest = Math.max(largest, Math.abs(rewritten[i]! - plain[i]!));
    expect(largest).toBeLessThan(1e-4);
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
    const winograd = await run(inDims, outDims, (b, input) => winogradConv(b, input, kernel, { inChannels, outChannels, height, width }), x);
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
