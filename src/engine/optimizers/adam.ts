import { project, type Bounds } from './bounds.ts';
import type { IterativeOptimizer, Objective } from './objective.ts';

export interface AdamOptions {
  /** Step size in pixel units (0–255 scale). */
  readonly learningRate: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** Keep `x` inside these bounds (each step is projected back into the box). */
  readonly bounds?: Bounds;
  /** Where a previous run stopped (a training checkpoint): its moments, updated in place, and steps. */
  readonly resume?: AdamState;
}

/** Adam's state: what a checkpoint must keep to carry on exactly. */
export interface AdamState {
  readonly firstMoment: Float32Array;
  readonly secondMoment: Float32Array;
  readonly steps: number;
}

export interface AdamOptimizer extends IterativeOptimizer {
  /** The moments (live: updated in place by each step) and the steps taken. */
  state(): AdamState;
}

/** Adam (Kingma & Ba 2015) with bias correction, updating `x` in place. */
export function createAdam(objective: Objective, x: Float32Array, options: AdamOptions): AdamOptimizer {
  const { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
  const firstMoment = options.resume?.firstMoment ?? new Float32Array(x.length);
  const secondMoment = options.resume?.secondMoment ?? new Float32Array(x.length);
  let t = options.resume?.steps ?? 0;
  if (options.bounds) project(x, options.bounds);
  return {
    async step() {
      const { gradient, terms } = await objective.evaluate(x);
      t += 1;
      const correction1 = 1 - beta1 ** t;
      const correction2 = 1 - beta2 ** t;
      for (let i = 0; i < x.length; i++) {
        const g = gradient[i]!;
        const m = (firstMoment[i] = beta1 * firstMoment[i]! + (1 - beta1) * g);
        const v = (secondMoment[i] = beta2 * secondMoment[i]! + (1 - beta2) * g * g);
        x[i] = x[i]! - (learningRate * (m / correction1)) / (Math.sqrt(v / correction2) + epsilon);
      }
      if (options.bounds) project(x, options.bounds);
      return { terms, evaluations: 1, converged: false };
    },
    state: () => ({ firstMoment, secondMoment, steps: t }),
  };
}
