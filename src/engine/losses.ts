import * as tf from '@tensorflow/tfjs-core';
import { multiplyInRowBlocks, positionsPerPass } from './gpu-passes.ts';

/**
 * The loss terms of the Gatys et al. objective, each with its gradient written out (the feature
 * network's backward pass takes it from there, see `Trace`).
 *
 * A term's value comes back as a raw sum, which the caller multiplies by `factor` on the CPU: every
 * term's sum then returns in the one read an evaluation makes, and no scalar arithmetic is launched
 * on the device. Its gradient is already weighted, by constants made once per term.
 */
export interface TermEvaluation {
  readonly sum: tf.Scalar;
  /** ∂(factor · sum)/∂input. */
  readonly gradient: tf.Tensor4D;
}

export interface LossTerm {
  /** The term's value is `factor · sum`. */
  readonly factor: number;
  evaluate(input: tf.Tensor4D): TermEvaluation;
  dispose(): void;
}

/**
 * FᵀF of a `[positions, C]` matrix. Transposed explicitly on the CPU backends, because
 * tfjs-backend-wasm's BatchMatMul takes its fast path only without transpose flags; on WebGPU with
 * matMul's flag, because its transpose of a tall matrix dispatches one workgroup per 16 rows and
 * fails past about a million positions, while its matMul reads a transposed operand in place.
 */
function gramProduct(matrix: tf.Tensor2D, positions: number): tf.Tensor2D {
  return Number.isFinite(positions) ? tf.matMul(matrix, matrix, true, false) : tf.matMul(tf.transpose(matrix), matrix);
}

/**
 * The Gram matrix of `[1, H, W, C]` features, normalised by C·H·W: G = FᵀF / (C·H·W) with F the
 * `[H·W, C]` feature matrix. For the style targets and the quality metric (no gradient).
 */
export function gramMatrix(features: tf.Tensor4D, positions: number = positionsPerPass()): tf.Tensor2D {
  const [, height, width, channels] = features.shape;
  return tf.tidy(() => tf.mul(gramProduct(tf.reshape(features, [height * width, channels]) as tf.Tensor2D, positions), 1 / (channels * height * width)) as tf.Tensor2D);
}

/** Mean squared error against the content target, times `weight`. */
export function createContentTerm(target: tf.Tensor4D, weight: number): LossTerm {
  const gradientScale = tf.scalar((2 * weight) / target.size);
  return {
    factor: weight / target.size,
    evaluate(features) {
      const difference = tf.sub(features, target) as tf.Tensor4D;
      return { sum: sumOfProducts(difference, difference), gradient: tf.mul(difference, gradientScale) };
    },
    dispose: () => gradientScale.dispose(),
  };
}

/**
 * Where a style term looks (Gatys et al. 2017, "Controlling Perceptual Factors"): features outside
 * the mask do not count towards the Gram matrix, which `scale` (h·w / Σmask) rescales so that a
 * half-masked image is compared like a whole one.
 */
export interface Guide {
  /** The mask at the layer's resolution, `[1, h, w, 1]`. */
  readonly mask: tf.Tensor4D;
  readonly scale: number;
}

/**
 * Summed squared difference between the features' Gram matrix (guided, if given) and the target
 * Gram matrix, times `weight`. With the C·H·W-normalised Gram this is the scale for which content
 * 1e5 / style 3e4 / TV 1 are balanced (the defaults of the widely used
 * gordicaleksa/pytorch-neural-style-transfer).
 *
 * Computed on the unnormalised FᵀF against the target divided by the normalisation s, so that no
 * `[H·W, C]`-sized product is scaled: Σ(s·FᵀF − A)² = s²·Σ(FᵀF − A/s)², and since the difference D
 * is symmetric, the gradient is F·(D + Dᵀ)·2·s² = F·D·4·s² (then masked, when guided).
 * `features`: `[1, height, width, channels]`, the shape the term is made for.
 */
export function createGramTerm(target: tf.Tensor2D, features: { readonly height: number; readonly width: number; readonly channels: number }, weight: number, guide?: Guide, positions: number = positionsPerPass()): LossTerm {
  const { height, width, channels } = features;
  const normalisation = (guide?.scale ?? 1) / (channels * height * width);
  const unnormalisedTarget = tf.tidy(() => tf.div(target, normalisation) as tf.Tensor2D);
  const gradientScale = tf.scalar(4 * weight * normalisation ** 2);
  return {
    factor: weight * normalisation ** 2,
    evaluate(input) {
      const guided = guide ? (tf.mul(input, guide.mask) as tf.Tensor4D) : input;
      const matrix = tf.reshape(guided, [height * width, channels]) as tf.Tensor2D;
      const difference = tf.sub(gramProduct(matrix, positions), unnormalisedTarget) as tf.Tensor2D;
      const gradient = tf.reshape(multiplyInRowBlocks(matrix, tf.mul(difference, gradientScale) as tf.Tensor2D, positions), [1, height, width, channels]) as tf.Tensor4D;
      return { sum: sumOfProducts(difference, difference), gradient: guide ? tf.mul(gradient, guide.mask) : gradient };
    },
    dispose: () => tf.dispose([unnormalisedTarget, gradientScale]),
  };
}

/**
 * Absolute differences between neighbouring pixels of a `[1, H, W, 3]` picture, summed (anisotropic
 * L1 total variation), times `weight`. At a zero difference the gradient takes TensorFlow's
 * subgradient of |x|, −1, as the onnxruntime objective does, so that both engines agree.
 *
 * Along each axis the differences are a depthwise convolution with [−1, 1], and the gradient one
 * with weight·[1, −1] over the signs padded by one on both sides (d|x[i+1] − x[i]| is +sign at i+1
 * and −sign at i): 10 kernels per evaluation where slices, pads and subtractions launched 21, which
 * on a GPU is what the term costs (see `createFeatureNetwork`).
 */
export function createTotalVariationTerm(weight: number): LossTerm {
  const axes = ([[2, 1], [1, 2]] as const).map(([height, width]) => ({
    difference: kernelAlong(height, width, [-1, 1]),
    gradient: kernelAlong(height, width, [weight, -weight]),
    padding: [[0, 0], [height - 1, height - 1], [width - 1, width - 1], [0, 0]] as tf.backend_util.ExplicitPadding,
  }));
  return {
    factor: weight,
    evaluate(image) {
      const parts = axes.map(({ difference: differenceKernel, gradient: gradientKernel, padding }) => {
        const difference = tf.depthwiseConv2d(image, differenceKernel, 1, 'valid');
        // Σ|d| = Σ d·sign(d), with the subgradient −1 at 0 (where d·sign(d) is 0 either way).
        const sign = tf.step(difference, -1);
        return { sum: sumOfProducts(difference, sign), gradient: tf.depthwiseConv2d(sign, gradientKernel, 1, padding) };
      });
      return { sum: tf.add(parts[0]!.sum, parts[1]!.sum), gradient: tf.add(parts[0]!.gradient, parts[1]!.gradient) };
    },
    dispose: () => tf.dispose(axes.flatMap(({ difference, gradient }) => [difference, gradient])),
  };
}

/** A depthwise kernel over the 3 colour channels, `taps` along the axis of extent 2 (`height` × `width` is 2×1 or 1×2). */
function kernelAlong(height: 1 | 2, width: 1 | 2, taps: readonly [number, number]): tf.Tensor4D {
  return tf.tensor4d(taps.flatMap((tap) => [tap, tap, tap]), [height, width, 3, 1]);
}

/**
 * Σ a⊙b as one kernel, a `[1, n]` by `[n, 1]` product: a sum of squares or of products took two
 * (the product, then the sum), and on a GPU every kernel launched costs the CPU (see `createFeatureNetwork`).
 */
export function sumOfProducts(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.reshape(tf.matMul(tf.reshape(a, [1, -1]), tf.reshape(b, [-1, 1])), []);
}
