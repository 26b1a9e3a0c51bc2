import * as tf from '@tensorflow/tfjs-core';
import type { PictureSize, RgbImage } from './image.ts';
import { convolveInBands, positionsPerPass } from './gpu-passes.ts';
import type { ConvWeights, VggWeights } from './weights.ts';

/** VGG-19's sixteen convolution layers in order; each name stands for the layer's ReLU output. */
export const VGG19_LAYERS = [
  'conv1_1', 'conv1_2',
  'conv2_1', 'conv2_2',
  'conv3_1', 'conv3_2', 'conv3_3', 'conv3_4',
  'conv4_1', 'conv4_2', 'conv4_3', 'conv4_4',
  'conv5_1', 'conv5_2', 'conv5_3', 'conv5_4',
] as const;

/** Output channels of each layer, in the order of VGG19_LAYERS (the input has 3). */
export const VGG19_CHANNELS = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512] as const;

/** 2×2 pooling with stride 2 follows the last convolution of each block. */
export const POOL_AFTER: ReadonlySet<string> = new Set(['conv1_2', 'conv2_2', 'conv3_4', 'conv4_4', 'conv5_4']);

export type Pooling = 'max' | 'avg';

/** The spatial size of a layer's activations for an input of `width`×`height` (each pool halves it). */
export function layerResolution(layer: string, width: number, height: number): PictureSize {
  const index = VGG19_LAYERS.indexOf(layer as (typeof VGG19_LAYERS)[number]);
  const pools = VGG19_LAYERS.slice(0, index).filter((name) => POOL_AFTER.has(name)).length;
  let w = width;
  let h = height;
  for (let i = 0; i < pools; i++) {
    w = Math.floor(w / 2);
    h = Math.floor(h / 2);
  }
  return { width: w, height: h };
}

/** The Caffe VGG weights expect BGR, 0–255, minus the ImageNet mean (B, G, R). */
export const BGR_MEAN = [103.939, 116.779, 123.68] as const;

/** RGB bytes → the network's input space: BGR, 0–255, mean subtracted, HWC, as a flat vector. */
export function rgbToVggInput(image: RgbImage): Float32Array {
  const out = new Float32Array(image.width * image.height * 3);
  for (let i = 0; i < out.length; i += 3) {
    out[i] = image.data[i + 2]! - BGR_MEAN[0];
    out[i + 1] = image.data[i + 1]! - BGR_MEAN[1];
    out[i + 2] = image.data[i]! - BGR_MEAN[2];
  }
  return out;
}

/** The inverse of `rgbToVggInput`, clipping to 0..255. */
export function vggInputToRgb(x: Float32Array, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = clampByte(x[i + 2]! + BGR_MEAN[2]);
    data[i + 1] = clampByte(x[i + 1]! + BGR_MEAN[1]);
    data[i + 2] = clampByte(x[i]! + BGR_MEAN[0]);
  }
  return { width, height, data };
}

function clampByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}

export interface FeatureNetwork {
  /** The layers whose weights are loaded, in network order. */
  readonly availableLayers: readonly string[];
  /**
   * Runs the network on a `[1, H, W, 3]` input up to the deepest wanted layer and returns those
   * layers' activations. Differentiable with respect to the input.
   */
  extract(input: tf.Tensor4D, wanted: ReadonlySet<string>): Map<string, tf.Tensor4D>;
  dispose(): void;
}

/**
 * `positions`: how many positions one convolution may cover (the GPU's dispatch limit, see
 * gpu-passes.ts); larger activations are convolved in bands. Unlimited on the CPU backends.
 */
export function createFeatureNetwork(weights: VggWeights, pooling: Pooling, positions: number = positionsPerPass()): FeatureNetwork {
  const availableLayers = VGG19_LAYERS.filter((name) => weights.has(name));
  const convolutions = new Map(availableLayers.map((name) => [name, createConvRelu(weights.get(name)!, positions)] as const));
  return {
    availableLayers,
    extract(input, wanted) {
      const features = new Map<string, tf.Tensor4D>();
      let x = input;
      for (const name of availableLayers) {
        if (features.size === wanted.size) break;
        x = convolutions.get(name)!.apply(x);
        if (wanted.has(name)) features.set(name, x);
        if (POOL_AFTER.has(name)) x = pooling === 'max' ? tf.maxPool(x, 2, 2, 'valid') : tf.avgPool(x, 2, 2, 'valid');
      }
      return features;
    },
    dispose() {
      for (const convolution of convolutions.values()) convolution.dispose();
    },
  };
}

interface ConvRelu {
  apply(x: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

/**
 * 3×3 "same" convolution + bias + ReLU with a hand-written gradient with respect to its input.
 * Why: tfjs-backend-wasm's Conv2DBackpropInput is a single-threaded scalar loop (about 7× slower
 * than its forward conv). The input gradient of a stride-1 "same" convolution is itself a forward
 * convolution of the upstream gradient with the kernel flipped in both spatial axes and its in/out
 * channels swapped, which runs on the fast (XNNPACK) forward path. The kernel is a constant, so no
 * filter gradient is needed.
 */
function createConvRelu({ kernel, bias }: ConvWeights, positions: number): ConvRelu {
  const flippedKernel = tf.tidy(() => tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D);
  const convolve = tf.customGrad((x, save) => {
    const y = convolveInBands(x as tf.Tensor4D, positions, (band) => tf.fused.conv2d({ x: band, filter: kernel, bias, strides: 1, pad: 'same', activation: 'relu' }));
    (save as tf.GradSaveFunc)([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, [saved]: tf.Tensor[]) => convolveInBands(tf.mul(dy, tf.step(saved!)) as tf.Tensor4D, positions, (band) => tf.conv2d(band, flippedKernel, 1, 'same')),
    };
  }) as (x: tf.Tensor4D) => tf.Tensor4D;
  return {
    apply: convolve,
    dispose: () => flippedKernel.dispose(),
  };
}
