/**
 * A GPU backend cannot read a tensor synchronously in Node: TensorFlow.js's WebGPU backend emulates
 * `dataSync()` with an OffscreenCanvas, which Node does not have, so on the first run on a real GPU
 * (an H200) every job failed at its first read. There is no GPU here: these tests stand in for one by
 * making the synchronous reads throw, as they do there (a mock of what cannot run here), and run
 * each path that reads tensors on the GPU engine: a whole job on the TensorFlow.js objective (with
 * L-BFGS's pairs in arrays, and on the device as on a GPU), the weights copied for onnxruntime, and
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

  it("a whole job with L-BFGS's pairs on the device (as on a GPU), close to the one with them in arrays", async () => {
    const onDevice = createEngineFromWeights({ name: engine.backend, reasons: [] }, weights, undefined, 'cpu', { pairsOnDevice: true });
    const options = { size: 64, iterations: 8, multiScale: false };
    const [device, arrays] = [await onDevice.stylize({ content, style, options }), await engine.stylize({ content, style, options })];
    expect(device.iterations).toBe(8);
    expect(device.history.at(-1)!.total).toBeLessThan(device.history[0]!.total / 2);
    expect(Math.abs(device.history.at(-1)!.total - arrays.history.at(-1)!.total) / arrays.history.at(-1)!.total).toBeLessThan(0.02);
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
