import * as tf from '@tensorflow/tfjs-core';
import { multiplyInRowBlocks, positionsPerPass } from './gpu-passes.ts';

/**
 * The Gram matrix of `[1, H, W, C]` features, normalised by C·H·W: G = FᵀF / (C·H·W) with F the
 * `[H·W, C]` feature matrix.
 *
 * It has its own gradient, dF = F·(dG + dGᵀ) / (C·H·W), and transposes explicitly, because
 * tfjs-backend-wasm's BatchMatMul takes its fast path only without transpose flags: `matMul(F, F,
 * true)` and matMul's generic gradient fall into a slow loop (half of an iteration's time). On
 * WebGPU the opposite holds: its transpose of a tall matrix dispatches one workgroup per 16 rows and
 * fails past about a million positions, while its matMul reads a transposed operand in place; and
 * the gradient's tall product runs in row blocks there (see gpu-passes.ts).
 */
export function gramMatrix(features: tf.Tensor4D, positions: number = positionsPerPass()): tf.Tensor2D {
  const [, height, width, channels] = features.shape;
  const scale = 1 / (channels * height * width);
  const gram = tf.customGrad((input, save) => {
    const matrix = tf.reshape(input as tf.Tensor, [height * width, channels]) as tf.Tensor2D;
    (save as tf.GradSaveFunc)([matrix]);
    return {
      value: tf.mul(Number.isFinite(positions) ? tf.matMul(matrix, matrix, true, false) : tf.matMul(tf.transpose(matrix), matrix), scale) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor2D, [saved]: tf.Tensor[]) => {
        const symmetric = tf.add(dy, tf.transpose(dy)) as tf.Tensor2D;
        return tf.reshape(tf.mul(multiplyInRowBlocks(saved as tf.Tensor2D, symmetric, positions), scale), [1, height, width, channels]);
      },
    };
  }) as (input: tf.Tensor4D) => tf.Tensor2D;
  return gram(features);
}

/** Mean squared error between the image's features and the content target. */
export function contentLoss(features: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(features, target));
}

/**
 * Summed squared error between Gram matrices, combined over the style layers with the given weights
 * (which callers normalise to sum to 1, so the style weight means the same for any layer set).
 * With the C·H·W-normalised Gram this is the scale for which content 1e5 / style 3e4 / TV 1 are
 * balanced (the defaults of the widely used gordicaleksa/pytorch-neural-style-transfer).
 */
export function styleLoss(grams: readonly tf.Tensor2D[], targets: readonly tf.Tensor2D[], layerWeights: readonly number[]): tf.Scalar {
  const terms = grams.map((gram, index) => tf.mul(tf.sum(tf.squaredDifference(gram, targets[index]!)), layerWeights[index]!));
  return tf.addN(terms) as tf.Scalar;
}

/** Absolute differences between neighbouring pixels, summed (anisotropic L1 total variation). */
export function totalVariationLoss(image: tf.Tensor4D): tf.Scalar {
  const [, height, width] = image.shape;
  const down = tf.abs(tf.sub(tf.slice(image, [0, 1, 0, 0], [-1, height - 1, -1, -1]), tf.slice(image, [0, 0, 0, 0], [-1, height - 1, -1, -1])));
  const right = tf.abs(tf.sub(tf.slice(image, [0, 0, 1, 0], [-1, -1, width - 1, -1]), tf.slice(image, [0, 0, 0, 0], [-1, -1, width - 1, -1])));
  return tf.add(tf.sum(down), tf.sum(right));
}
