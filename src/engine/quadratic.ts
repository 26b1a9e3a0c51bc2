import * as tf from '@tensorflow/tfjs-core';
import type { Evaluation, LossTerms } from './optimizers/objective.ts';

/** The stand-in objective: on arrays, and on the TensorFlow.js backend for L-BFGS with its vectors there. */
export interface Quadratic {
  evaluate(x: Float32Array): Promise<Evaluation>;
  /** As `DeviceObjective`'s: the loss as the one sum, and the gradient, left on the backend. */
  traceOnDevice(x: tf.Tensor1D): { readonly sums: tf.Tensor1D; readonly gradient: tf.Tensor1D };
  termsOf(sums: Float32Array): LossTerms;
  /** Evaluations so far, on either side. */
  readonly evaluations: number;
  dispose(): void;
}

/**
 * Σ cᵢ (xᵢ − mᵢ)²: a cheap, separable and (with curvatures far apart) ill-conditioned stand-in for
 * the style objective, whose minimum may lie outside the picture's box. What the bench times and
 * `check:gpu` and the tests check L-BFGS with, where the objective's own cost or values would hide
 * the optimiser's.
 */
export function separableQuadratic(curvature: Float32Array, minimum: Float32Array): Quadratic {
  let evaluations = 0;
  // Made on the first evaluation on the device: on arrays nothing touches TensorFlow.js.
  let onDevice: { c: tf.Tensor1D; m: tf.Tensor1D } | undefined;
  const termsOfLoss = (loss: number): LossTerms => ({ content: loss, style: 0, tv: 0, total: loss });
  return {
    get evaluations() {
      return evaluations;
    },
    async evaluate(x) {
      evaluations += 1;
      const gradient = new Float32Array(x.length);
      let loss = 0;
      for (let i = 0; i < x.length; i++) {
        const difference = x[i]! - minimum[i]!;
        loss += curvature[i]! * difference * difference;
        gradient[i] = 2 * curvature[i]! * difference;
      }
      return { loss, gradient, terms: termsOfLoss(loss) };
    },
    traceOnDevice(x) {
      evaluations += 1;
      // Kept: the first trace may run inside the caller's `tidy`.
      const { c, m } = (onDevice ??= { c: tf.keep(tf.tensor1d(curvature)), m: tf.keep(tf.tensor1d(minimum)) });
      return tf.tidy(() => {
        const difference = tf.sub(x, m);
        return { sums: tf.reshape(tf.sum(tf.mul(c, tf.square(difference))), [1]) as tf.Tensor1D, gradient: tf.mul(tf.mul(c, difference), 2) as tf.Tensor1D };
      });
    },
    termsOf: (sums) => termsOfLoss(sums[0]!),
    dispose() {
      if (onDevice) tf.dispose([onDevice.c, onDevice.m]);
      onDevice = undefined;
    },
  };
}
