import * as tf from '@tensorflow/tfjs-core';
import type { PictureSize, RgbImage } from './image.ts';
import type { Bounds } from './optimizers/bounds.ts';
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

/**
 * 0–255 per channel, in the network's input space (BGR, mean subtracted): where the optimisers keep
 * the picture. Rounded to float32, as the picture is: −116.779 is not a float32, so a coordinate
 * clamped to it held −116.77899932…, above the bound, and never counted as sitting on it — the
 * optimiser kept pushing a third of the pinned coordinates outward and the line search saw descent
 * where they could not move (found by comparing L-BFGS on arrays with the same on the device).
 */
export const PIXEL_BOUNDS: Bounds = { lower: BGR_MEAN.map((mean) => Math.fround(-mean)), upper: BGR_MEAN.map((mean) => Math.fround(255 - mean)) };

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
  /** Runs the network on a `[1, H, W, 3]` input up to the deepest wanted layer and returns those layers' activations. */
  extract(input: tf.Tensor4D, wanted: ReadonlySet<string>): Map<string, tf.Tensor4D>;
  /** The same forward pass, keeping what its backward pass needs (see `Trace`). */
  trace(input: tf.Tensor4D, wanted: ReadonlySet<string>): Trace;
  dispose(): void;
}

/** A forward pass that can be run backwards: the loss's gradient with respect to the input. */
export interface Trace {
  readonly features: ReadonlyMap<string, tf.Tensor4D>;
  /**
   * From the loss's gradients with respect to some of the traced layers' activations (several per
   * layer are summed) to its gradient with respect to the input, written out: ReLU by its mask,
   * pooling by its own gradient kernel, each convolution as a convolution with the flipped kernel.
   */
  backward(seeds: ReadonlyMap<string, readonly tf.Tensor4D[]>): tf.Tensor4D;
}

/**
 * `positions`: how many positions one convolution may cover (the GPU's dispatch limit, see
 * gpu-passes.ts); larger activations are convolved in bands. Unlimited on the CPU backends.
 *
 * The backward pass is written out rather than taken from TensorFlow.js's tape. Why: on a GPU an
 * evaluation at the small scales costs what launching its kernels costs on the CPU (measured on
 * Dawn's null adapter, docs/performance.md), and the tape launched 212 kernels per evaluation to
 * conv5_1 (bias and ReLU apart from each convolution, since a fused op is not differentiable there,
 * and every scalar factor twice); and on wasm, Conv2DBackpropInput is a single-threaded scalar loop
 * (about 7× slower than the forward conv) while the flipped-kernel forward convolution runs on
 * XNNPACK. The kernels are constants, so no filter gradient is needed.
 */
export function createFeatureNetwork(weights: VggWeights, pooling: Pooling, positions: number = positionsPerPass()): FeatureNetwork {
  const availableLayers = VGG19_LAYERS.filter((name) => weights.has(name));
  const layers = availableLayers.map((name) => ({ name, ...convolutionOf(weights.get(name)!) }));
  const pool = (x: tf.Tensor4D) => (pooling === 'max' ? tf.maxPool(x, 2, 2, 'valid') : tf.avgPool(x, 2, 2, 'valid'));
  const poolGradient = (dy: tf.Tensor4D, input: tf.Tensor4D, output: tf.Tensor4D): tf.Tensor4D =>
    (pooling === 'max'
      ? tf.engine().runKernel(tf.MaxPoolGrad, { dy, input, output }, { filterSize: 2, strides: 2, pad: 'valid' })
      : tf.engine().runKernel(tf.AvgPoolGrad, { dy, input }, { filterSize: 2, strides: 2, pad: 'valid' })) as tf.Tensor4D;

  const trace = (input: tf.Tensor4D, wanted: ReadonlySet<string>): Trace => {
    const features = new Map<string, tf.Tensor4D>();
    /** Per layer run: its ReLU output, and its pooled output where a pool follows. */
    const steps: { activation: tf.Tensor4D; pooled?: tf.Tensor4D }[] = [];
    let x = input;
    for (const { name, kernel, bias } of layers) {
      if (features.size === wanted.size) break;
      const activation = convolveInBands(x, positions, (band) => tf.fused.conv2d({ x: band, filter: kernel, bias, strides: 1, pad: 'same', activation: 'relu' }));
      if (wanted.has(name)) features.set(name, activation);
      x = activation;
      // The deepest wanted layer's pool would feed nothing.
      if (POOL_AFTER.has(name) && features.size < wanted.size) x = pool(activation);
      steps.push({ activation, ...(x !== activation ? { pooled: x } : {}) });
    }
    return {
      features,
      backward(seeds) {
        let upstream: tf.Tensor4D | undefined;
        for (let index = steps.length - 1; index >= 0; index--) {
          const contributions = [...(upstream ? [upstream] : []), ...(seeds.get(layers[index]!.name) ?? [])];
          if (contributions.length === 0) continue;
          const dy = contributions.length > 1 ? (tf.addN(contributions) as tf.Tensor4D) : contributions[0]!;
          const dz = tf.mul(dy, tf.step(steps[index]!.activation)) as tf.Tensor4D;
          const dx = convolveInBands(dz, positions, (band) => tf.conv2d(band, layers[index]!.flippedKernel, 1, 'same'));
          if (index === 0) return dx;
          const previous = steps[index - 1]!;
          upstream = previous.pooled ? poolGradient(dx, previous.activation, previous.pooled) : dx;
        }
        return tf.zerosLike(input);
      },
    };
  };
  return {
    availableLayers,
    extract: (input, wanted) => new Map(trace(input, wanted).features),
    trace,
    dispose() {
      for (const { flippedKernel } of layers) flippedKernel.dispose();
    },
  };
}

/**
 * A 3×3 "same" convolution's weights, and the kernel of its input gradient: the input gradient of a
 * stride-1 "same" convolution is itself a forward convolution of the upstream gradient with the
 * kernel flipped in both spatial axes and its in/out channels swapped.
 */
function convolutionOf({ kernel, bias }: ConvWeights): { kernel: tf.Tensor4D; bias: tf.Tensor1D; flippedKernel: tf.Tensor4D } {
  const flippedKernel = tf.tidy(() => tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D);
  return { kernel, bias, flippedKernel };
}
