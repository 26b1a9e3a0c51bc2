import * as tf from '@tensorflow/tfjs-core';
import type { Probe } from './optimizers/lbfgs.ts';
import type { Evaluation, LossTerms } from './optimizers/objective.ts';

/** The stand-in objective: on arrays, and on the TensorFlow.js backend for L-BFGS with its vectors there. */
export interface Quadratic {
  evaluate(x: Float32Array): Promise<Evaluation>;
  evaluateOnDevice(x: tf.Tensor1D): Promise<Probe<tf.Tensor1D>>;
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
  const termsOf = (loss: number): LossTerms => ({ content: loss, style: 0, tv: 0, total: loss });
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
      return { loss, gradient, terms: termsOf(loss) };
    },
    async evaluateOnDevice(x) {
      evaluations += 1;
      const { c, m } = (onDevice ??= { c: tf.tensor1d(curvature), m: tf.tensor1d(minimum) });
      const [sum, gradient] = tf.tidy(() => {
        const difference = tf.sub(x, m);
        return [tf.sum(tf.mul(c, tf.square(difference))), tf.mul(tf.mul(c, difference), 2) as tf.Tensor1D] as const;
      });
      const loss = (await sum.data())[0]!;
      sum.dispose();
      return { loss, gradient, terms: termsOf(loss) };
    },
    dispose() {
      if (onDevice) tf.dispose([onDevice.c, onDevice.m]);
      onDevice = undefined;
    },
  };
}
