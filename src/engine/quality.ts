import * as tf from '@tensorflow/tfjs-core';
import { resizeExactly, type RgbImage } from './image.ts';
import { gramMatrix } from './losses.ts';
import { rgbToVggInput, type FeatureNetwork } from './vgg.ts';

/**
 * Two numbers that say whether a result is one a user would share (issue 12's definitions):
 *
 * - **content fidelity**: SSIM (11×11 Gaussian window, σ = 1.5) between the normalised Sobel edge
 *   magnitude of the output's luminance and the content photo's, at the output's size. 1: every edge
 *   of the photo is still there; near 0: the subject is gone.
 * - **style match**: 1 − D(output, style) / D(content, style), where D is the mean over the style
 *   layers of ‖G(a) − G(b)‖² / ‖G(b)‖² (Gram matrices normalised by C·H·W), both images at the
 *   output's size. 0: no closer to the painting than the photo was; 1: the painting's statistics.
 */
export const QUALITY_STYLE_LAYERS = ['conv1_1', 'conv2_1', 'conv3_1'] as const;

export async function edgeSimilarity(output: RgbImage, content: RgbImage): Promise<number> {
  const photo = await resizeExactly(content, output.width, output.height);
  return ssim(edgeMap(output), edgeMap(photo), output.width, output.height);
}

export async function styleMatch(network: FeatureNetwork, output: RgbImage, content: RgbImage, style: RgbImage): Promise<number> {
  const [photo, painting] = await Promise.all([resizeExactly(content, output.width, output.height), resizeExactly(style, output.width, output.height)]);
  const target = gramsOf(network, painting);
  try {
    return 1 - (await styleDistance(network, output, target)) / (await styleDistance(network, photo, target));
  } finally {
    tf.dispose(target);
  }
}

function gramsOf(network: FeatureNetwork, image: RgbImage): tf.Tensor2D[] {
  return tf.tidy(() => {
    const features = network.extract(tf.tensor4d(rgbToVggInput(image), [1, image.height, image.width, 3]), new Set(QUALITY_STYLE_LAYERS));
    return QUALITY_STYLE_LAYERS.map((name) => gramMatrix(features.get(name)!));
  });
}

async function styleDistance(network: FeatureNetwork, image: RgbImage, target: readonly tf.Tensor2D[]): Promise<number> {
  const grams = gramsOf(network, image);
  const ratioTensors = grams.map((gram, index) => tf.tidy(() => tf.div(tf.sum(tf.squaredDifference(gram, target[index]!)), tf.sum(tf.square(target[index]!)))));
  try {
    // Read asynchronously: a GPU backend has no synchronous read in Node.
    const ratios = await Promise.all(ratioTensors.map(async (ratio) => (await ratio.data())[0]!));
    return ratios.reduce((sum, ratio) => sum + ratio, 0) / ratios.length;
  } finally {
    tf.dispose([...grams, ...ratioTensors]);
  }
}

/** Sobel gradient magnitude of the luminance, scaled so that its largest value is 1. */
function edgeMap(image: RgbImage): Float32Array {
  const { width, height, data } = image;
  const luma = new Float32Array(width * height);
  for (let i = 0; i < luma.length; i++) luma[i] = (0.299 * data[3 * i]! + 0.587 * data[3 * i + 1]! + 0.114 * data[3 * i + 2]!) / 255;
  const at = (x: number, y: number) => luma[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))]!;
  const edges = new Float32Array(width * height);
  let max = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x - 1, y) - at(x - 1, y + 1);
      const gy = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x, y - 1) - at(x + 1, y - 1);
      const magnitude = Math.hypot(gx, gy);
      edges[y * width + x] = magnitude;
      if (magnitude > max) max = magnitude;
    }
  }
  if (max > 0) for (let i = 0; i < edges.length; i++) edges[i]! /= max;
  return edges;
}

/** Mean SSIM of two [0, 1] maps with an 11×11 Gaussian window (σ = 1.5), as in Wang et al. 2004. */
function ssim(a: Float32Array, b: Float32Array, width: number, height: number): number {
  const blur = (values: Float32Array) => gaussianBlur(values, width, height);
  const product = (x: Float32Array, y: Float32Array) => x.map((value, index) => value * y[index]!);
  const [muA, muB] = [blur(a), blur(b)];
  const [aa, bb, ab] = [blur(product(a, a)), blur(product(b, b)), blur(product(a, b))];
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    const varianceA = aa[i]! - muA[i]! ** 2;
    const varianceB = bb[i]! - muB[i]! ** 2;
    const covariance = ab[i]! - muA[i]! * muB[i]!;
    total += ((2 * muA[i]! * muB[i]! + c1) * (2 * covariance + c2)) / ((muA[i]! ** 2 + muB[i]! ** 2 + c1) * (varianceA + varianceB + c2));
  }
  return total / a.length;
}

const KERNEL = (() => {
  const weights = Array.from({ length: 11 }, (_, index) => Math.exp(-((index - 5) ** 2) / (2 * 1.5 ** 2)));
  const sum = weights.reduce((total, weight) => total + weight, 0);
  return weights.map((weight) => weight / sum);
})();

/** Separable Gaussian blur with edge clamping. */
function gaussianBlur(values: Float32Array, width: number, height: number): Float32Array {
  const horizontal = new Float32Array(values.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < 11; k++) sum += KERNEL[k]! * values[y * width + Math.min(width - 1, Math.max(0, x + k - 5))]!;
      horizontal[y * width + x] = sum;
    }
  }
  const out = new Float32Array(values.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < 11; k++) sum += KERNEL[k]! * horizontal[Math.min(height - 1, Math.max(0, y + k - 5)) * width + x]!;
      out[y * width + x] = sum;
    }
  }
  return out;
}
