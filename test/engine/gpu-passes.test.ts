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
import { createGramTerm, gramMatrix } from '../../src/engine/losses.ts';
import { loadVggWeights, type VggWeights } from '../../src/engine/weights.ts';
import { bandsAgainstOnePass } from '../helpers/bands.ts';
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

  it('the feature network in bands of a few rows equals one pass: activations and input gradient', async () => {
    const { features, gradient } = await bandsAgainstOnePass(weights);
    expect(features).toHaveLength(3);
    for (const difference of features) expect(difference).toBeLessThan(1e-5);
    expect(gradient).toBeLessThan(1e-5);
  });

  it("the Gram matrix, and a style term's gradient, in row blocks equal one pass", () => {
    const features = tf.randomNormal([1, 9, 7, 16], 0, 20, 'float32', 3) as tf.Tensor4D;
    const target = gramMatrix(tf.randomNormal([1, 9, 7, 16], 0, 20, 'float32', 4) as tf.Tensor4D);
    const termIn = (positions?: number) => createGramTerm(target, { height: 9, width: 7, channels: 16 }, 1, undefined, positions);
    expect(maxRelativeDifference(gramMatrix(features, 10), gramMatrix(features))).toBeLessThan(1e-5);
    expect(maxRelativeDifference(termIn(10).evaluate(features).gradient, termIn().evaluate(features).gradient)).toBeLessThan(1e-5);
  });
});
