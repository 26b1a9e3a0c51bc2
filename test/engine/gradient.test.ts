import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/engine/backend.ts';
import { resizeExactly } from '../../src/engine/image.ts';
import { SHALLOW_LAYERS } from '../../src/engine/layers.ts';
import { gramMatrix } from '../../src/engine/losses.ts';
import { maxAbs } from '../../src/engine/optimizers/objective.ts';
import { createRandom, gaussianNoise } from '../../src/engine/random.ts';
import { createTfObjective, type DisposableObjective } from '../../src/engine/tf-objective.ts';
import { createFeatureNetwork, rgbToVggInput, type FeatureNetwork } from '../../src/engine/vgg.ts';
import { loadVggWeights, type VggWeights } from '../../src/engine/weights.ts';
import { createReferenceLoss, toMap64 } from '../helpers/reference-objective.ts';
import { loadSharedImage, SHARED_VGG_DIR } from '../helpers/shared.ts';

let weights: VggWeights;
let network: FeatureNetwork;

beforeAll(async () => {
  await chooseBackend('wasm');
  weights = await loadVggWeights(SHARED_VGG_DIR);
  network = createFeatureNetwork(weights, 'max');
});
afterAll(() => network.dispose());

function relativeDifference(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    difference += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return Math.sqrt(difference / norm);
}

describe('hand-written gradients (the wasm fast path)', () => {
  it("the convolution's input gradient equals TensorFlow.js's own Conv2DBackpropInput", () => {
    const { kernel, bias } = weights.get('conv2_1')!;
    const x = tf.randomNormal([1, 12, 10, 64], 0, 50, 'float32', 1) as tf.Tensor4D;
    const upstream = tf.randomNormal([1, 12, 10, 128], 0, 1, 'float32', 2);
    const reference = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.add(tf.conv2d(input as tf.Tensor4D, kernel, 1, 'same'), bias)), upstream)))(x);
    // A one-layer network built from conv2_1's weights, so that the layer is compared in isolation.
    const single = createFeatureNetwork(new Map([['conv1_1', { kernel, bias }]]), 'max');
    const custom = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(single.extract(input as tf.Tensor4D, new Set(['conv1_1'])).get('conv1_1')!, upstream)))(x);
    expect(relativeDifference(custom.dataSync(), reference.dataSync())).toBeLessThan(1e-5);
    single.dispose();
    tf.dispose([x, upstream, reference, custom]);
  });

  it("the Gram matrix's gradient equals matMul's generic gradient", () => {
    const features = tf.randomNormal([1, 9, 7, 32], 0, 20, 'float32', 3) as tf.Tensor4D;
    const upstream = tf.randomNormal([32, 32], 0, 1, 'float32', 4);
    const generic = tf.grad((f: tf.Tensor) => {
      const matrix = tf.reshape(f, [63, 32]) as tf.Tensor2D;
      return tf.sum(tf.mul(tf.div(tf.matMul(matrix, matrix, true, false), 32 * 63), upstream));
    })(features);
    const custom = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(gramMatrix(f as tf.Tensor4D), upstream)))(features);
    expect(relativeDifference(custom.dataSync(), generic.dataSync())).toBeLessThan(1e-5);
    const gram = gramMatrix(features);
    const matrix = tf.reshape(features, [63, 32]) as tf.Tensor2D;
    const expected = tf.div(tf.matMul(matrix, matrix, true, false), 32 * 63);
    expect(relativeDifference(gram.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
    tf.dispose([features, upstream, generic, custom, gram, matrix, expected]);
  });
});

describe('the style transfer objective', () => {
  const width = 12;
  const height = 8;
  const weightsByTerm = { content: 1e5, style: 3e4, tv: 1 };
  let objective: DisposableObjective;
  let referenceLoss: (x: ReturnType<typeof toMap64>) => number;
  let x: Float32Array;
  beforeAll(async () => {
    const content = await resizeExactly(await loadSharedImage('content_dog.jpg'), width, height);
    const style = await resizeExactly(await loadSharedImage('style_the_scream.jpg'), 8, 12);
    objective = await createTfObjective({
      network,
      layers: SHALLOW_LAYERS,
      content: { x: rgbToVggInput(content), width, height },
      styles: [{ input: { x: rgbToVggInput(style), width: 8, height: 12 }, weight: 1 }],
      weights: weightsByTerm,
    });
    referenceLoss = createReferenceLoss(
      { weights, contentLayers: SHALLOW_LAYERS.content, styleLayers: SHALLOW_LAYERS.style, contentWeight: 1e5, styleWeight: 3e4, tvWeight: 1 },
      toMap64(rgbToVggInput(content), width, height),
      toMap64(rgbToVggInput(style), 8, 12),
    );
    x = rgbToVggInput(content);
    const noise = gaussianNoise(x.length, 20, 7);
    for (let i = 0; i < x.length; i++) x[i]! += noise[i]!;
  });
  afterAll(() => objective.dispose());

  it('computes the same loss as an independent float64 implementation', async () => {
    const { loss } = await objective.evaluate(x);
    const expected = referenceLoss(toMap64(x, width, height));
    expect(Math.abs(loss - expected) / expected).toBeLessThan(1e-4);
  });

  it('has a gradient that matches float64 central finite differences', async () => {
    const { gradient } = await objective.evaluate(x);
    const random = createRandom(5);
    const epsilon = 1e-3;
    for (let k = 0; k < 12; k++) {
      const i = Math.floor(random() * x.length);
      const plus = toMap64(x, width, height);
      const minus = toMap64(x, width, height);
      plus.data[i]! += epsilon;
      minus.data[i]! -= epsilon;
      const numeric = (referenceLoss(plus) - referenceLoss(minus)) / (2 * epsilon);
      expect(Math.abs(gradient[i]! - numeric) / Math.max(Math.abs(numeric), 1e-3 * maxAbs(gradient)), `pixel component ${i}`).toBeLessThan(1e-3);
    }
  });

  it('reports the terms that make up the loss', async () => {
    const { terms, loss } = await objective.evaluate(x);
    expect(terms.content).toBeGreaterThan(0);
    expect(terms.style).toBeGreaterThan(0);
    expect(terms.tv).toBeGreaterThan(0);
    expect(Math.abs(terms.content + terms.style + terms.tv - loss) / loss).toBeLessThan(1e-6);
  });

  it('leaks no tensors over repeated evaluations', async () => {
    await objective.evaluate(x);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await objective.evaluate(x);
    expect(tf.memory().numTensors).toBe(before);
  });
});
