/**
 * A GPU backend cannot read a tensor synchronously in Node: TensorFlow.js's WebGPU backend emulates
 * `dataSync()` with an OffscreenCanvas, which Node does not have, so on the first run on a real GPU
 * (an H200) every job failed at its first read. There is no GPU here: these tests stand in for one by
 * making the synchronous reads throw, as they do there (a mock of what cannot run here), and run
 * each path that reads tensors on the GPU engine: a whole job on the TensorFlow.js objective (with
 * L-BFGS's vectors in arrays, its pairs on the device, and all of them there as on a GPU), the weights copied for onnxruntime, and
 * the quality metric.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayWeightsOf } from '../../src/engine/onnx/objective.ts';
import { styleMatch } from '../../src/engine/quality.ts';
import { createFeatureNetwork } from '../../src/engine/vgg.ts';
import { loadVggWeights, type VggWeights } from '../../src/engine/weights.ts';
import { createEngineFromWeights, type Engine } from '../../src/engine/engine.ts';
import type { RgbImage } from '../../src/engine/image.ts';
import { sharedEngine } from '../helpers/engine.ts';
import { loadSharedImage, SHARED_VGG_DIR } from '../helpers/shared.ts';

const SYNCHRONOUS_READS = ['dataSync', 'arraySync', 'bufferSync'] as const;
const originals = new Map(SYNCHRONOUS_READS.map((name) => [name, tf.Tensor.prototype[name]]));

let engine: Engine;
let weights: VggWeights;
let content: RgbImage;
let style: RgbImage;

beforeAll(async () => {
  engine = await sharedEngine('tfjs');
  weights = await loadVggWeights(SHARED_VGG_DIR);
  [content, style] = await Promise.all([loadSharedImage('content_dog.jpg'), loadSharedImage('style_the_scream.jpg')]);
  for (const name of SYNCHRONOUS_READS) {
    Object.defineProperty(tf.Tensor.prototype, name, {
      configurable: true,
      writable: true,
      value: () => {
        throw new Error(`${name}() on a GPU backend: WebGPU has no synchronous read in Node`);
      },
    });
  }
});

afterAll(() => {
  for (const [name, original] of originals) Object.defineProperty(tf.Tensor.prototype, name, { configurable: true, writable: true, value: original });
  for (const { kernel, bias } of weights.values()) tf.dispose([kernel, bias]);
});

describe('the engine reads tensors only asynchronously (as a GPU backend requires)', () => {
  it('the stand-in really refuses synchronous reads', () => {
    const tensor = tf.tensor([1, 2, 3]);
    expect(() => tensor.dataSync()).toThrow(/synchronous read/);
    tensor.dispose();
  });

  it('a whole job on the TensorFlow.js objective (the GPU engine)', async () => {
    const result = await engine.stylize({ content, style, options: { size: 64, iterations: 3 } });
    expect(result.iterations).toBe(3);
    expect(result.history.at(-1)!.total).toBeLessThan(result.history[0]!.total);
  });

  it("a whole job with L-BFGS's pairs, or all its vectors, on the device (as on a GPU), close to the one with them in arrays", async () => {
    const options = { size: 64, iterations: 8, multiScale: false };
    const arrays = await engine.stylize({ content, style, options });
    for (const lbfgsVectors of ['pairs', 'device'] as const) {
      const placedEngine = createEngineFromWeights({ name: engine.backend, reasons: [] }, weights, undefined, 'cpu', { lbfgsVectors });
      const placed = await placedEngine.stylize({ content, style, options });
      expect(placed.iterations).toBe(8);
      expect(placed.history.at(-1)!.total).toBeLessThan(placed.history[0]!.total / 2);
      expect(Math.abs(placed.history.at(-1)!.total - arrays.history.at(-1)!.total) / arrays.history.at(-1)!.total, lbfgsVectors).toBeLessThan(0.02);
      // Every trial point, gradient and pair is released when a stage ends: a second job leaves
      // as many tensors as it found (the first made the engine's network).
      const tensorsBefore = tf.memory().numTensors;
      await placedEngine.stylize({ content, style, options: { ...options, iterations: 3 } });
      expect(tf.memory().numTensors, lbfgsVectors).toBe(tensorsBefore);
    }
  });

  it("the weights copied into plain arrays for onnxruntime's graphs", async () => {
    const arrays = await arrayWeightsOf(weights);
    expect(arrays.get('conv1_1')!.kernel).toHaveLength(3 * 3 * 3 * 64);
    expect(arrays.get('conv1_1')!.bias).toHaveLength(64);
  });

  it('the quality metric (style match)', async () => {
    const network = createFeatureNetwork(weights, 'max');
    const small = await engine.stylize({ content, style, options: { size: 64, iterations: 2 } });
    expect(Number.isFinite(await styleMatch(network, small.image, content, style))).toBe(true);
    network.dispose();
  });
});
