import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resizeExactly } from '../../src/engine/image.ts';
import { SHALLOW_LAYERS } from '../../src/engine/layers.ts';
import { createContentTerm, createGramTerm, createTotalVariationTerm, gramMatrix } from '../../src/engine/losses.ts';
import { maxAbs } from '../../src/engine/optimizers/objective.ts';
import { createRandom, gaussianNoise } from '../../src/engine/random.ts';
import { createTfObjective, type DisposableObjective } from '../../src/engine/tf-objective.ts';
import { createFeatureNetwork, rgbToVggInput, type FeatureNetwork } from '../../src/engine/vgg.ts';
import type { VggWeights } from '../../src/engine/weights.ts';
import { loadSharedFeatureNetwork } from '../helpers/engine.ts';
import { createReferenceLoss, toMap64 } from '../helpers/reference-objective.ts';
import { loadSharedImage } from '../helpers/shared.ts';
import { relativeDifference } from '../helpers/difference.ts';

let weights: VggWeights;
let network: FeatureNetwork;

beforeAll(async () => {
  ({ weights, network } = await loadSharedFeatureNetwork());
});
afterAll(() => network.dispose());

describe('hand-written gradients (written out, not taken from the tape)', () => {
  it("the network's backward pass equals the tape's, through convolutions, ReLUs and both poolings", () => {
    for (const pooling of ['max', 'avg'] as const) {
      const traced = createFeatureNetwork(weights, pooling);
      // Ending on conv2_2, which a pool follows: the pool that would feed nothing is not run.
      const layers = new Set(['conv1_2', 'conv2_1', 'conv2_2']);
      // 11 × 9: odd sizes, so each pooling drops a row and a column.
      const x = tf.randomNormal([1, 11, 9, 3], 0, 50, 'float32', 1) as tf.Tensor4D;
      const trace = traced.trace(x, layers);
      const upstream = new Map([...layers].map((name, index) => [name, tf.randomNormal(trace.features.get(name)!.shape, 0, 1, 'float32', index + 2) as tf.Tensor4D]));
      const written = trace.backward(new Map([...upstream].map(([name, seed]) => [name, [seed]])));
      // The tape differentiates TensorFlow.js's own ops (a fused convolution is unfused under it).
      const reference = tf.grad((input) => {
        const features = traced.extract(input as tf.Tensor4D, layers);
        return tf.addN([...layers].map((name) => tf.sum(tf.mul(features.get(name)!, upstream.get(name)!)))) as tf.Scalar;
      })(x);
      expect(relativeDifference(written.dataSync(), reference.dataSync()), pooling).toBeLessThan(1e-5);
      traced.dispose();
      tf.dispose([x, written, reference, ...upstream.values(), ...trace.features.values()]);
    }
  });

  it("each loss term's gradient and value equal the tape's and the formula's", () => {
    const features = tf.randomNormal([1, 9, 7, 32], 0, 20, 'float32', 3) as tf.Tensor4D;
    const target = tf.tidy(() => gramMatrix(tf.randomNormal([1, 8, 6, 32], 0, 20, 'float32', 4) as tf.Tensor4D));
    const mask = tf.tidy(() => tf.div(tf.add(tf.randomUniform([1, 9, 7, 1], 0, 1, 'float32', 5), 0.5), 1.5) as tf.Tensor4D);
    const contentTarget = tf.randomNormal([1, 9, 7, 32], 0, 20, 'float32', 6) as tf.Tensor4D;
    const gramOf = (f: tf.Tensor) => {
      const matrix = tf.reshape(f, [63, 32]) as tf.Tensor2D;
      return tf.div(tf.matMul(matrix, matrix, true, false), 32 * 63);
    };
    const cases: [string, ReturnType<typeof createGramTerm>, tf.Tensor4D, (input: tf.Tensor) => tf.Scalar][] = [
      ['gram', createGramTerm(target, { height: 9, width: 7, channels: 32 }, 0.7), features, (f) => tf.mul(tf.sum(tf.squaredDifference(gramOf(f), target)), 0.7)],
      ['guided gram', createGramTerm(target, { height: 9, width: 7, channels: 32 }, 0.7, { mask, scale: 1.8 }), features, (f) => tf.mul(tf.sum(tf.squaredDifference(tf.mul(gramOf(tf.mul(f, mask)), 1.8), target)), 0.7)],
      ['content', createContentTerm(contentTarget, 3), features, (f) => tf.mul(tf.mean(tf.squaredDifference(f, contentTarget)), 3)],
      ['total variation', createTotalVariationTerm(2), tf.randomNormal([1, 6, 5, 3], 0, 30, 'float32', 7) as tf.Tensor4D, (image) => {
        const [, h, w] = image.shape;
        const down = tf.sub(tf.slice(image, [0, 1, 0, 0], [-1, h! - 1, -1, -1]), tf.slice(image, [0, 0, 0, 0], [-1, h! - 1, -1, -1]));
        const right = tf.sub(tf.slice(image, [0, 0, 1, 0], [-1, -1, w! - 1, -1]), tf.slice(image, [0, 0, 0, 0], [-1, -1, w! - 1, -1]));
        return tf.mul(tf.add(tf.sum(tf.abs(down)), tf.sum(tf.abs(right))), 2);
      }],
    ];
    for (const [name, term, input, loss] of cases) {
      const { sum, gradient } = term.evaluate(input);
      const value = loss(input);
      expect(Math.abs(term.factor * sum.dataSync()[0]! - value.dataSync()[0]!) / value.dataSync()[0]!, name).toBeLessThan(1e-5);
      expect(relativeDifference(gradient.dataSync(), tf.grad(loss)(input).dataSync()), name).toBeLessThan(1e-5);
      term.dispose();
    }
    tf.dispose([features, target, mask, contentTarget]);
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
