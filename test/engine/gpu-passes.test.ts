/**
 * WebGPU caps how many positions one convolution or matrix product may cover (gpu-passes.ts); past
 * that the engine runs them in bands. No GPU here: the bands are forced small on the wasm backend, and
 * each banded result must equal the one-pass result, forward and gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/engine/backend.ts';
import { positionsPerPass } from '../../src/engine/gpu-passes.ts';
import { gramMatrix } from '../../src/engine/losses.ts';
import { createFeatureNetwork } from '../../src/engine/vgg.ts';
import { loadVggWeights, type VggWeights } from '../../src/engine/weights.ts';
import { SHARED_VGG_DIR } from '../helpers/shared.ts';

let weights: VggWeights;

beforeAll(async () => {
  await chooseBackend('wasm');
  weights = await loadVggWeights(SHARED_VGG_DIR);
});
afterAll(() => {
  for (const { kernel, bias } of weights.values()) tf.dispose([kernel, bias]);
});

function maxRelativeDifference(actual: tf.Tensor, expected: tf.Tensor): number {
  return tf.tidy(() => tf.div(tf.max(tf.abs(tf.sub(actual, expected))), tf.max(tf.abs(expected))).dataSync()[0]!);
}

describe('ops in bands (the GPU dispatch limit)', () => {
  it('is unlimited on the CPU backends', () => {
    expect(positionsPerPass()).toBe(Number.POSITIVE_INFINITY);
  });

  it('the feature network in bands of a few rows equals one pass: activations and input gradient', () => {
    const layers = new Set(['conv1_2', 'conv2_1', 'conv3_1']);
    // 23 rows × 14 columns: block 1 (322 positions) runs in bands of 1 row, block 2 in bands of 4, block 3 in one pass.
    const [whole, banded] = [createFeatureNetwork(weights, 'max'), createFeatureNetwork(weights, 'max', 42)];
    const input = tf.randomNormal([1, 23, 14, 3], 0, 50, 'float32', 7) as tf.Tensor4D;
    const upstream = new Map([...layers].map((name, index) => [name, tf.randomNormal(whole.extract(input, new Set([name])).get(name)!.shape, 0, 1, 'float32', index)]));
    const lossOn = (network: typeof whole) => (x: tf.Tensor) => {
      const features = network.extract(x as tf.Tensor4D, layers);
      return tf.addN([...layers].map((name) => tf.sum(tf.mul(features.get(name)!, upstream.get(name)!)))) as tf.Scalar;
    };
    for (const name of layers) expect(maxRelativeDifference(banded.extract(input, layers).get(name)!, whole.extract(input, layers).get(name)!)).toBeLessThan(1e-5);
    expect(maxRelativeDifference(tf.grad(lossOn(banded))(input), tf.grad(lossOn(whole))(input))).toBeLessThan(1e-5);
    [whole, banded].forEach((network) => network.dispose());
  });

  it('the Gram matrix with its gradient in row blocks equals one pass', () => {
    const features = tf.randomNormal([1, 9, 7, 16], 0, 20, 'float32', 3) as tf.Tensor4D;
    const upstream = tf.randomNormal([16, 16], 0, 1, 'float32', 4);
    const lossOf = (positions?: number) => (f: tf.Tensor) => tf.sum(tf.mul(gramMatrix(f as tf.Tensor4D, positions), upstream)) as tf.Scalar;
    expect(maxRelativeDifference(gramMatrix(features, 10), gramMatrix(features))).toBeLessThan(1e-5);
    expect(maxRelativeDifference(tf.grad(lossOf(10))(features), tf.grad(lossOf())(features))).toBeLessThan(1e-5);
  });
});
