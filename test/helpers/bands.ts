import * as tf from '@tensorflow/tfjs-core';
import { createFeatureNetwork } from '../../src/engine/vgg.ts';
import type { VggWeights } from '../../src/engine/weights.ts';

/**
 * The feature network in bands of a few rows (as past a GPU's dispatch limit) against one pass, on
 * the active backend: the largest difference, relative to the one pass's largest value, of each
 * traced layer's activations and of the input gradient. 23 rows × 14 columns with 42 positions a
 * pass: block 1 (322 positions) runs in bands of 1 row, block 2 in bands of 4, block 3 in one pass.
 * Read asynchronously, as a GPU backend requires.
 */
export async function bandsAgainstOnePass(weights: VggWeights): Promise<{ readonly features: readonly number[]; readonly gradient: number }> {
  const layers = new Set(['conv1_2', 'conv2_1', 'conv3_1']);
  const [whole, banded] = [createFeatureNetwork(weights, 'max'), createFeatureNetwork(weights, 'max', 42)];
  const relative = async (actual: tf.Tensor, expected: tf.Tensor) => {
    const difference = tf.tidy(() => tf.div(tf.max(tf.abs(tf.sub(actual, expected))), tf.max(tf.abs(expected))));
    try {
      return (await difference.data())[0]!;
    } finally {
      difference.dispose();
    }
  };
  try {
    const input = tf.randomNormal([1, 23, 14, 3], 0, 50, 'float32', 7) as tf.Tensor4D;
    const [wholeTrace, bandedTrace] = [whole.trace(input, layers), banded.trace(input, layers)];
    const seeds = new Map([...layers].map((name, index) => [name, [tf.randomNormal(wholeTrace.features.get(name)!.shape, 0, 1, 'float32', index) as tf.Tensor4D]]));
    const features: number[] = [];
    for (const name of layers) features.push(await relative(bandedTrace.features.get(name)!, wholeTrace.features.get(name)!));
    return { features, gradient: await relative(bandedTrace.backward(seeds), wholeTrace.backward(seeds)) };
  } finally {
    whole.dispose();
    banded.dispose();
  }
}
