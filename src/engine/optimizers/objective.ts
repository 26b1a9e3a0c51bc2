/**
 * What an optimiser needs from an engine: the loss and its gradient at a point. The point is the
 * flat image vector (H·W·3, BGR, mean-subtracted), so the optimisers know nothing of any tensor
 * library, and another engine (a native graph, say) can stand behind the same function.
 */
export interface LossTerms {
  /** Weighted content loss. */
  readonly content: number;
  /** Weighted style loss. */
  readonly style: number;
  /** Weighted total variation loss. */
  readonly tv: number;
  readonly total: number;
}

export interface Evaluation {
  readonly loss: number;
  readonly gradient: Float32Array;
  readonly terms: LossTerms;
}

export interface Objective {
  evaluate(x: Float32Array): Promise<Evaluation>;
}

/** One optimiser iteration's outcome. `x` is updated in place by `step`. */
export interface StepResult {
  /** The loss terms at `x` after the step (L-BFGS) or at the point where the step was taken (Adam). */
  readonly terms: LossTerms;
  /** Objective evaluations this step cost (L-BFGS line searches may take several). */
  readonly evaluations: number;
  /** True when the optimiser can make no more progress; the loop may stop early. */
  readonly converged: boolean;
}

export interface IterativeOptimizer {
  step(): Promise<StepResult>;
}

/**
 * a·b in four running sums: one sum's chain of dependent additions was the loop's limit (this runs
 * over a whole picture several times per L-BFGS iteration, while a GPU waits); four took a third
 * less time.
 */
export function dot(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  const whole = n - (n % 4);
  let sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
  let i = 0;
  for (; i < whole; i += 4) {
    sum0 += a[i]! * b[i]!;
    sum1 += a[i + 1]! * b[i + 1]!;
    sum2 += a[i + 2]! * b[i + 2]!;
    sum3 += a[i + 3]! * b[i + 3]!;
  }
  for (; i < n; i++) sum0 += a[i]! * b[i]!;
  return sum0 + sum1 + (sum2 + sum3);
}

export function maxAbs(a: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const value = Math.abs(a[i]!);
    if (value > max) max = value;
  }
  return max;
}
