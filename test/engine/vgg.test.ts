import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/engine/image.ts';
import { rgbToVggInput, vggInputToRgb, VGG19_LAYERS, type FeatureNetwork } from '../../src/engine/vgg.ts';
import type { VggWeights } from '../../src/engine/weights.ts';
import { loadSharedFeatureNetwork } from '../helpers/engine.ts';
import { SHARED_VGG_DIR } from '../helpers/shared.ts';

interface LayerStatistics {
  shape: number[];
  mean: number;
  max: number;
  fractionPositive: number;
  channelMeans_first8: number[];
  value_at_y10_x20_first4channels: number[];
}

let weights: VggWeights;
let network: FeatureNetwork;

beforeAll(async () => {
  ({ weights, network } = await loadSharedFeatureNetwork());
});
afterAll(() => network.dispose());

describe('VGG-19 feature network', () => {
  it('loads the partial weight set as conv1_1 … conv3_4 and says so', () => {
    expect(network.availableLayers).toEqual(VGG19_LAYERS.slice(0, 8));
    expect(weights.get('conv3_4')!.kernel.shape).toEqual([3, 3, 256, 256]);
    expect(weights.get('conv1_1')!.bias.shape).toEqual([64]);
  });

  it('matches the float64 NumPy reference activations to 1e-3 relative', async () => {
    const reference = JSON.parse(await readFile(join(SHARED_VGG_DIR, 'reference', 'activations_content_dog.json'), 'utf8')) as {
      layers: Record<string, LayerStatistics>;
    };
    const image = await decodeImage(await readFile(join(SHARED_VGG_DIR, 'reference', 'input_content_dog_224x224.png')));
    const layers = Object.keys(reference.layers);
    expect(layers).toHaveLength(8);
    const input = tf.tensor4d(rgbToVggInput(image), [1, image.height, image.width, 3]);
    const features = network.extract(input, new Set(layers));
    for (const layer of layers) {
      const expected = reference.layers[layer]!;
      const tensor = features.get(layer)!;
      expect(tensor.shape.slice(1)).toEqual(expected.shape);
      const values = tensor.dataSync();
      const channels = expected.shape[2]!;
      let sum = 0;
      let max = 0;
      let positive = 0;
      const channelSums = new Float64Array(8);
      for (let i = 0; i < values.length; i++) {
        const value = values[i]!;
        sum += value;
        if (value > max) max = value;
        if (value > 0) positive += 1;
        const channel = i % channels;
        if (channel < 8) channelSums[channel]! += value;
      }
      const pixels = values.length / channels;
      expectRelative(sum / values.length, expected.mean, `${layer} mean`);
      expectRelative(max, expected.max, `${layer} max`);
      expect(Math.abs(positive / values.length - expected.fractionPositive), `${layer} fraction positive`).toBeLessThan(1e-3);
      expected.channelMeans_first8.forEach((mean, channel) => expectRelative(channelSums[channel]! / pixels, mean, `${layer} channel ${channel} mean`));
      const offset = (10 * expected.shape[1]! + 20) * channels;
      expected.value_at_y10_x20_first4channels.forEach((value, channel) => {
        expect(Math.abs(values[offset + channel]! - value), `${layer} value at (10, 20, ${channel})`).toBeLessThan(1e-3 * Math.max(1, Math.abs(value)) + 1e-2);
      });
    }
    tf.dispose([input, ...features.values()]);
  });

  it('round-trips pixels through the network input space', async () => {
    const image = { width: 2, height: 1, data: Uint8Array.of(255, 0, 10, 1, 2, 3) };
    const x = rgbToVggInput(image);
    expect(x[0]).toBeCloseTo(10 - 103.939, 3); // blue first
    expect(x[2]).toBeCloseTo(255 - 123.68, 3); // red last
    expect(vggInputToRgb(x, 2, 1).data).toEqual(image.data);
  });
});

function expectRelative(actual: number, expected: number, label: string): void {
  expect(Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-6), label).toBeLessThan(1e-3);
}
