import * as tf from '@tensorflow/tfjs-core';
import type { Bounds } from './optimizers/bounds.ts';
import { lbfgsOver, type LbfgsOptions, type LbfgsVectors, type Probe } from './optimizers/lbfgs.ts';
import type { IterativeOptimizer } from './optimizers/objective.ts';
import { createDeviceInverseHessian } from './tf-inverse-hessian.ts';
import type { DeviceObjective } from './tf-objective.ts';

/** L-BFGS with its vectors on the device: `x` is written back only when asked. */
export interface DeviceOptimizer extends IterativeOptimizer {
  /** Writes the current point into the `x` the optimiser was made with. */
  writeBack(): Promise<void>;
  dispose(): void;
}

/**
 * L-BFGS (`lbfgsOver`, the same iterations as on arrays) with every vector on the TensorFlow.js
 * backend: the point, the gradients (never read back), the direction, the trial points and the
 * pairs (`createDeviceInverseHessian`). What L-BFGS decides with comes back as a few numbers per
 * pass: a largest component, a slope, the losses. On a GPU its passes over the picture were, at
 * 512 px, most of what the CPU did per iteration while the GPU waited (35–45 ms on 2 vCPUs,
 * docs/performance.md); here each is a few kernels, and the 3-MB upload of each trial point and
 * read-back of each gradient are gone. Sums run in float32 on the device, so the iterates part
 * from the arrays' by rounding (a whole job ends within 2% of the same loss).
 */
export function createDeviceLbfgs(objective: DeviceObjective, x: Float32Array, options: LbfgsOptions & { readonly bounds: Bounds }): DeviceOptimizer {
  const vectors = createDeviceVectors(objective, x, options);
  const optimizer = lbfgsOver(vectors, options);
  return {
    step: () => optimizer.step(),
    async writeBack() {
      x.set((await vectors.point().data()) as Float32Array);
    },
    dispose() {
      optimizer.dispose();
      vectors.dispose();
    },
  };
}

/** L-BFGS's vectors as tensors, starting from `x` projected into the box (exported for the bench's host-cost part). */
export function createDeviceVectors(objective: Pick<DeviceObjective, 'traceOnDevice' | 'termsOf'>, x: Float32Array, options: LbfgsOptions & { readonly bounds: Bounds }): LbfgsVectors<tf.Tensor1D> & { point(): tf.Tensor1D; dispose(): void } {
  const { bounds } = options;
  const period = bounds.lower.length;
  const [lower, upper] = [tf.tensor1d(bounds.lower as number[]), tf.tensor1d(bounds.upper as number[])];
  const inverseHessian = createDeviceInverseHessian(options.historySize);
  /** The vector as rows of one pixel's channels, against which the bounds broadcast. */
  const byChannel = (vector: tf.Tensor) => tf.reshape(vector, [-1, period]);
  const clamped = (vector: tf.Tensor): tf.Tensor1D => tf.reshape(tf.minimum(tf.maximum(byChannel(vector), lower), upper), [-1]);
  /**
   * `vector` with the components zeroed that would move a coordinate of `at` sitting on its bound
   * further out (`freeComponents` in bounds.ts): `sign` +1 for a direction, −1 for a gradient.
   * Written as the room left in the direction each coordinate moves, kept where positive (a zero
   * component is zero either way): 6 kernels where the comparisons took 9, and at the small scales
   * each kernel's launch, not its arithmetic, is the cost.
   */
  const freePart = (at: tf.Tensor, vector: tf.Tensor, sign: 1 | -1): tf.Tensor1D => {
    const [point, moves] = [byChannel(at), byChannel(vector)];
    const [roomDown, roomUp] = [tf.sub(point, lower), tf.sub(upper, point)];
    const room = sign > 0 ? tf.where(tf.less(moves, 0), roomDown, roomUp) : tf.where(tf.greater(moves, 0), roomDown, roomUp);
    return tf.reshape(tf.mul(moves, tf.step(room)), [-1]);
  };
  const dotOf = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(a, b));
  const largestOf = (vector: tf.Tensor): tf.Scalar => tf.max(tf.abs(vector));
  /** One read for the numbers a pass yields: on a GPU each read waits for the device. */
  const numbersOf = async (scalars: tf.Scalar[]): Promise<number[]> => {
    const values = scalars.length === 1 ? scalars[0]! : tf.stack(scalars);
    try {
      return Array.from((await values.data()) as Float32Array);
    } finally {
      tf.dispose([values, ...scalars]);
    }
  };

  let point = tf.tidy(() => clamped(tf.tensor1d(x)));
  let gradient: tf.Tensor1D | undefined;
  let free: tf.Tensor1D | undefined;
  let direction: tf.Tensor1D | undefined;
  /** This step's trial points, by their step along the direction: the one accepted becomes the point. */
  const trials = new Map<number, tf.Tensor1D>();
  const forgetTrials = (keep?: tf.Tensor) => {
    for (const trial of trials.values()) if (trial !== keep) trial.dispose();
    trials.clear();
  };
  const trialAt = (t: number): tf.Tensor1D => trials.get(t) ?? tf.tidy(() => clamped(tf.add(point, tf.mul(direction!, t))));
  /**
   * Each evaluation's free gradient with its largest component, by the gradient, made with the
   * evaluation: L-BFGS asks for it next wherever it moves (`freeGradient`), and reading it then
   * would wait for the device once more.
   */
  const freeGradients = new Map<tf.Tensor, { at: tf.Tensor; free: tf.Tensor1D; largest: number }>();
  const forgetFreeGradient = (of: tf.Tensor) => {
    freeGradients.get(of)?.free.dispose();
    freeGradients.delete(of);
  };

  /**
   * Evaluates `at` and reads, with the loss terms, the largest component of the free gradient there
   * and, given a direction, the slope along it within the box (as `slopeWithin` in bounds.ts:
   * components the direction pushes against a bound `at` sits on do not count): one read, where
   * these took three.
   */
  const evaluateAt = async (at: tf.Tensor1D, along?: tf.Tensor1D): Promise<{ probe: Probe<tf.Tensor1D>; slope: number }> => {
    const traced = tf.tidy(() => {
      const { sums, gradient } = objective.traceOnDevice(at);
      const free = freePart(at, gradient, -1);
      const numbers = [largestOf(free), ...(along ? [dotOf(gradient, freePart(at, along, 1))] : [])];
      return { gradient, free, values: tf.concat([sums, tf.stack(numbers)]), terms: sums.shape[0] };
    });
    let values: Float32Array;
    try {
      values = (await traced.values.data()) as Float32Array;
    } catch (error) {
      tf.dispose([traced.gradient, traced.free]);
      throw error;
    } finally {
      traced.values.dispose();
    }
    const terms = objective.termsOf(values.subarray(0, traced.terms));
    freeGradients.set(traced.gradient, { at, free: traced.free, largest: values[traced.terms]! });
    return { probe: { loss: terms.total, terms, gradient: traced.gradient }, slope: values[traced.terms + 1] ?? Number.NaN };
  };

  return {
    point: () => point,
    evaluate: async () => (await evaluateAt(point)).probe,
    async freeGradient(at) {
      free?.dispose();
      gradient = at;
      const known = freeGradients.get(at);
      freeGradients.delete(at);
      if (known?.at === point) {
        free = known.free;
        return known.largest;
      }
      known?.free.dispose();
      free = tf.tidy(() => freePart(point, at, -1));
      const [largest] = await numbersOf([tf.tidy(() => largestOf(free!))]);
      return largest!;
    },
    async searchDirection() {
      forgetTrials();
      direction?.dispose();
      const row = tf.reshape(free!, [1, -1]) as tf.Tensor2D;
      const unbounded = await inverseHessian.directionOf(row).finally(() => row.dispose());
      direction = tf.tidy(() => freePart(point, unbounded, 1));
      unbounded.dispose();
      const [slope, scale] = await numbersOf(tf.tidy(() => [dotOf(direction!, gradient!), largestOf(direction!)]));
      return { slope: slope!, scale: scale! };
    },
    async probe(t) {
      const trial = trialAt(t);
      trials.set(t, trial);
      const { probe, slope } = await evaluateAt(trial, direction!);
      return { at: probe, slope };
    },
    async accept(t, from, at) {
      const next = trialAt(t);
      forgetTrials(next);
      const [s, y] = tf.tidy(() => [tf.reshape(tf.sub(next, point), [1, -1]), tf.reshape(tf.sub(at.gradient, from.gradient), [1, -1])] as tf.Tensor2D[]);
      try {
        // sᵀy and yᵀy are read with the pair's products with the pairs held: one read.
        await inverseHessian.add(s!, y!);
      } finally {
        tf.dispose([s!, y!]);
      }
      point.dispose();
      point = next;
    },
    release(probe) {
      forgetFreeGradient(probe.gradient);
      probe.gradient.dispose();
    },
    get pairs() {
      return inverseHessian.size;
    },
    clearPairs: () => inverseHessian.clear(),
    dispose() {
      forgetTrials();
      for (const known of freeGradients.values()) known.free.dispose();
      freeGradients.clear();
      tf.dispose([point, lower, upper, ...(free ? [free] : []), ...(direction ? [direction] : [])]);
      inverseHessian.dispose();
    },
  };
}
