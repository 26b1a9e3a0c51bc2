import { clampedAlong, freeComponents, project, slopeWithin, type Bounds, type FreeComponents } from './bounds.ts';
import { dot, maxAbs, type IterativeOptimizer, type LossTerms, type Objective } from './objective.ts';

export interface LbfgsOptions {
  /** How many (s, y) pairs approximate the inverse Hessian. */
  readonly historySize: number;
  /** Stop when the largest gradient component is at most this. */
  readonly gradientTolerance?: number;
  /** Stop when a step changes the loss or the point by less than this. */
  readonly changeTolerance?: number;
  /** How far the first step moves the largest coordinate, before the line search adjusts it. */
  readonly firstStepSize?: number;
  /** Objective evaluations one line search may spend. */
  readonly maxLineSearchEvaluations?: number;
  /** Keep `x` inside these bounds (a projected L-BFGS, see below). */
  readonly bounds?: Bounds;
  /** Where the pairs live and how −H·g is found: the two-loop recursion on arrays by default. */
  readonly inverseHessian?: InverseHessian;
}

/**
 * L-BFGS's approximation H of the inverse Hessian, from the last `historySize` steps' pairs (s, the
 * step; y, the gradient's change along it), with H₀ = γI scaled by the newest pair. Two
 * implementations: the two-loop recursion on arrays (`createTwoLoopInverseHessian`), and the compact
 * form with the pairs on the GPU (`tf-inverse-hessian.ts`), where the recursion's passes over
 * the vectors were most of the CPU's time per iteration while the GPU waited.
 */
export interface InverseHessian {
  /** −H·g, written into `out`. */
  direction(gradient: Float32Array, out: Float32Array): Promise<Float32Array>;
  /** Adds the pair of a step taken (the oldest goes past the history size), unless its curvature sᵀy is not positive. */
  update(pair: Pair): Promise<void>;
  /** Forgets every pair (H = I again). */
  clear(): void;
  /** Pairs held. */
  readonly size: number;
  dispose(): void;
}

/**
 * A step's pair: s, the step, and y, the gradient's change along it, with the products sᵀy and yᵀy
 * the inverse Hessian needs of them (L-BFGS takes them in the pass that writes s and y; `pairOf`
 * computes them for other callers).
 */
export interface Pair {
  readonly s: Float32Array;
  readonly y: Float32Array;
  readonly sy: number;
  readonly yy: number;
}

export function pairOf(s: Float32Array, y: Float32Array): Pair {
  return { s, y, sy: dot(s, y), yy: dot(y, y) };
}

/** Below this, a pair's curvature sᵀy counts as not positive: it would break H's positivity. */
export const MIN_CURVATURE = 1e-10;

// Wolfe constants as in Nocedal & Wright (and PyTorch's LBFGS): sufficient decrease and curvature.
const C1 = 1e-4;
const C2 = 0.9;

/** A point L-BFGS evaluated: its loss, terms and gradient (`G`: wherever the vectors live). */
export interface Probe<G> {
  readonly loss: number;
  readonly terms: LossTerms;
  readonly gradient: G;
}

/**
 * Where L-BFGS's vectors (the point, gradients, direction, pairs) live, and the passes over them it
 * asks for: in arrays on the CPU (`arrayVectors`, below), or as tensors on the GPU
 * (`tf-lbfgs.ts`), where those passes were most of the CPU's work per iteration while the GPU
 * waited. The algorithm (`lbfgsOver`) is written once, over this; each method returns only the
 * few numbers it decides with.
 */
export interface LbfgsVectors<G> {
  /** Evaluates the current point. */
  evaluate(): Promise<Probe<G>>;
  /**
   * Computes the free part of the gradient at the current point (the components not held at a
   * bound), kept for `searchDirection`; returns its largest component.
   */
  freeGradient(gradient: G): Promise<number>;
  /**
   * Computes the search direction from the free gradient (−H·g, then its free part), kept for
   * `probe` and `accept`; returns its slope along the gradient and its largest component.
   */
  searchDirection(): Promise<{ slope: number; scale: number }>;
  /** Evaluates the current point moved t along the direction (projected into the box), and the slope there within the box. */
  probe(t: number): Promise<{ at: Probe<G>; slope: number }>;
  /** Moves the current point t along the direction (`at` is the probe there; `from`, the point before) and adds the step's pair. */
  accept(t: number, from: Probe<G>, at: Probe<G>): Promise<void>;
  /** Lets go of a probe's gradient nothing uses any more. */
  release(probe: Probe<G>): void;
  /** Pairs held by the inverse Hessian. */
  readonly pairs: number;
  /** Forgets every pair (H = I again). */
  clearPairs(): void;
}

/**
 * Limited-memory BFGS with a strong-Wolfe line search (cubic interpolation, bracketing then zoom;
 * Nocedal & Wright, Algorithms 3.5–3.6), updating `x` in place. Each `step` is one quasi-Newton
 * iteration; the line search guarantees the loss never increases.
 *
 * With `bounds` it is a projected L-BFGS: the direction is computed from the gradient of the free
 * coordinates (those not held at a bound by the gradient), components that would leave the box are
 * dropped, and the line search evaluates the projection of each trial point, so every point the
 * objective sees, and the result, lies inside the box. Chosen over a reparameterisation (a sigmoid
 * of an unbounded variable) because that flattens the gradient near 0 and 255, where much of a
 * painting's dark and light strokes live, and over L-BFGS-B's Cauchy-point machinery for size: with
 * a good start (the photo) few coordinates are active at once and the simple projection converges
 * as fast as the unbounded method did.
 */
export function createLbfgs(objective: Objective, x: Float32Array, options: LbfgsOptions): IterativeOptimizer {
  return lbfgsOver(arrayVectors(objective, x, options), options);
}

/** L-BFGS's iterations (see `createLbfgs`) over vectors wherever they live; `dispose` releases the last point's gradient. */
export function lbfgsOver<G>(vectors: LbfgsVectors<G>, options: Omit<LbfgsOptions, 'bounds' | 'inverseHessian'>): IterativeOptimizer & { dispose(): void } {
  const gradientTolerance = options.gradientTolerance ?? 1e-7;
  const changeTolerance = options.changeTolerance ?? 1e-9;
  const maxEvaluations = options.maxLineSearchEvaluations ?? 25;
  const firstStepSize = options.firstStepSize ?? 10;
  let current: Probe<G> | undefined;
  let converged = false;

  return {
    async step() {
      let evaluations = 0;
      if (!current) {
        current = await vectors.evaluate();
        evaluations += 1;
      }
      if (converged || (await vectors.freeGradient(current.gradient)) <= gradientTolerance) {
        converged = true;
        return { terms: current.terms, evaluations, converged };
      }
      let { slope, scale } = await vectors.searchDirection();
      if (!(slope < -changeTolerance) && vectors.pairs > 0) {
        // H is positive definite in exact arithmetic; where rounding made its direction climb
        // (float32 products on a GPU), start it afresh from the gradient rather than stop here.
        vectors.clearPairs();
        ({ slope, scale } = await vectors.searchDirection());
      }
      if (!(slope < -changeTolerance)) {
        converged = true;
        return { terms: current.terms, evaluations, converged };
      }
      // Without curvature information yet, try a step that moves the steepest coordinate by
      // `firstStepSize` (ten grey levels for an image): a scale-free start the line search refines.
      const initialStep = vectors.pairs === 0 ? firstStepSize / scale : 1;
      const probes: Probe<G>[] = [];
      const probe = async (t: number) => {
        const result = await vectors.probe(t);
        probes.push(result.at);
        return result;
      };
      let search: Awaited<ReturnType<typeof strongWolfeSearch<Probe<G>>>>;
      try {
        search = await strongWolfeSearch(probe, scale, current, slope, initialStep, maxEvaluations, changeTolerance);
        await vectors.accept(search.t, current, search.at);
      } catch (error) {
        // A failed evaluation (the GPU out of memory, say) fails the job: what this step probed goes now.
        for (const unused of probes) vectors.release(unused);
        throw error;
      }
      evaluations += search.evaluations;
      for (const unused of [current, ...probes]) if (unused !== search.at) vectors.release(unused);
      const lossChange = Math.abs(search.at.loss - current.loss);
      current = search.at;
      if (lossChange < changeTolerance || search.t * scale < changeTolerance) converged = true;
      return { terms: current.terms, evaluations, converged };
    },
    dispose() {
      if (current) vectors.release(current);
      current = undefined;
    },
  };
}

/** L-BFGS's vectors in arrays, `x` updated in place; its pairs in `options.inverseHessian` (arrays by default). */
function arrayVectors(objective: Objective, x: Float32Array, options: LbfgsOptions): LbfgsVectors<Float32Array> {
  const inverseHessian = options.inverseHessian ?? createTwoLoopInverseHessian(options.historySize);
  const { bounds } = options;
  if (bounds) project(x, bounds);
  // Buffers reused by every step: at 512 px each is 3 MB, and a step's passes over them are, with a
  // GPU evaluating, most of what the CPU does per iteration.
  const trial = new Float32Array(x.length);
  const unboundedDirection = new Float32Array(x.length);
  const [freeGradient, freeDirection] = [new Float32Array(x.length), new Float32Array(x.length)];
  const [s, y] = [new Float32Array(x.length), new Float32Array(x.length)];
  /** The gradient at the current point, its free part, and the direction (`freeGradient`, `searchDirection`). */
  let gradient: Float32Array = freeGradient;
  let free: Float32Array = freeGradient;
  let direction: Float32Array = freeDirection;
  /** The step along the current direction whose point `trial` holds. */
  let trialStep = Number.NaN;
  // The free part of the gradient, or of the direction, with its largest component and its slope
  // along the gradient (see `freeComponents`: one pass for all three).
  const freePartOf = (vector: Float32Array, sign: 1 | -1, out: Float32Array, gradient: Float32Array): FreeComponents & { vector: Float32Array } => {
    if (!bounds) return { vector, largest: maxAbs(vector), dot: dot(vector, gradient) };
    return { vector: out, ...freeComponents(x, vector, bounds, sign, out, gradient) };
  };
  return {
    evaluate: () => objective.evaluate(x),
    async freeGradient(at) {
      const part = freePartOf(at, -1, freeGradient, at);
      gradient = at;
      free = part.vector;
      return part.largest;
    },
    async searchDirection() {
      const part = freePartOf(await inverseHessian.direction(free, unboundedDirection), 1, freeDirection, gradient);
      direction = part.vector;
      return { slope: part.dot, scale: part.largest };
    },
    // With bounds the search walks the projected path, which bends where a coordinate meets its
    // bound: from there on that coordinate stays put, so its share of the slope is gone. Counting it
    // anyway made a pinned coordinate look like endless descent, and the search spent its budget on
    // a flat stretch (a bounded quadratic stalled a third of the way to its minimum).
    async probe(t) {
      const point = pointAlong(trial, x, direction, t, bounds);
      trialStep = t;
      const at = await objective.evaluate(point);
      return { at, slope: bounds ? slopeWithin(at.gradient, direction, point, bounds) : dot(at.gradient, direction) };
    },
    async accept(t, from, at) {
      // The step actually taken: to the point the search evaluated (with bounds, its projection),
      // which `trial` still holds unless the search settled on an earlier one.
      if (t !== trialStep) pointAlong(trial, x, direction, t, bounds);
      trialStep = Number.NaN;
      let sy = 0, yy = 0;
      for (let i = 0; i < x.length; i++) {
        const next = trial[i]!;
        const step = Math.fround(next - x[i]!);
        const change = Math.fround(at.gradient[i]! - from.gradient[i]!);
        s[i] = step;
        x[i] = next;
        y[i] = change;
        sy += step * change;
        yy += change * change;
      }
      await inverseHessian.update({ s, y, sy, yy });
    },
    release() {},
    get pairs() {
      return inverseHessian.size;
    },
    clearPairs: () => inverseHessian.clear(),
  };
}

/** The two-loop recursion (Nocedal & Wright, Algorithm 7.4) over pairs kept as arrays. */
export function createTwoLoopInverseHessian(historySize: number): InverseHessian {
  const history: HistoryEntry[] = [];
  let hessianScale = 1;
  // A dropped pair's arrays are reused: at 1024 px each is 9 MB, and allocating two per step kept
  // the garbage collector busy.
  let spare: HistoryEntry | undefined;
  return {
    get size() {
      return history.length;
    },
    async direction(gradient, out) {
      return searchDirection(gradient, history, hessianScale, out);
    },
    async update({ s, y, sy: ys, yy }) {
      if (!(ys > MIN_CURVATURE)) return;
      const entry = history.length === historySize ? history.shift()! : spare;
      spare = undefined;
      const kept = { s: entry?.s ?? new Float32Array(s.length), y: entry?.y ?? new Float32Array(y.length), rho: 1 / ys };
      kept.s.set(s);
      kept.y.set(y);
      history.push(kept);
      hessianScale = ys / yy;
    },
    clear() {
      spare = history[0];
      history.length = 0;
      hessianScale = 1;
    },
    dispose() {
      history.length = 0;
      spare = undefined;
    },
  };
}

/**
 * The two-loop recursion: returns −H·g for the L-BFGS inverse Hessian approximation H, in `q`.
 * Each pass over the vectors updates q and takes the dot product the next entry needs at once
 * (`updateAndDot`): half the passes of writing them apart. At 512 px with the default history of 20
 * this is most of what L-BFGS costs the CPU per iteration (docs/performance.md, "On a GPU").
 */
function searchDirection(gradient: Float32Array, history: readonly HistoryEntry[], hessianScale: number, q: Float32Array): Float32Array {
  const m = history.length;
  if (m === 0) {
    // Without pairs, H is the initial Hessian's scaling alone.
    for (let i = 0; i < q.length; i++) q[i] = -gradient[i]! * hessianScale;
    return q;
  }
  const alphas = new Float64Array(m);
  // First loop, newest to oldest: q −= α_k y_k, with α_k = ρ_k s_k·q; the last update also scales
  // by the initial Hessian and takes the second loop's first product. It starts from q = −g, with
  // the newest s·q taken in the same pass (0 − g is −g exactly).
  let product = updateAndDot(q.fill(0), -1, gradient, 1, history[m - 1]!.s);
  for (let k = m - 1; k >= 0; k--) {
    const alpha = history[k]!.rho * product;
    alphas[k] = alpha;
    product = k > 0 ? updateAndDot(q, -alpha, history[k]!.y, 1, history[k - 1]!.s) : updateAndDot(q, -alpha, history[k]!.y, hessianScale, history[0]!.y);
  }
  // Second loop, oldest to newest: q += (α_k − β_k) s_k, with β_k = ρ_k y_k·q.
  for (let k = 0; k < m; k++) {
    const coefficient = alphas[k]! - history[k]!.rho * product;
    product = updateAndDot(q, coefficient, history[k]!.s, 1, history[k + 1]?.y);
  }
  return q;
}

/**
 * q ← (q + coefficient·v)·scale, rounded to float32 as it is stored, returning next·q (0 without
 * `next`). The products run in four sums, as in `dot`: one sum's chain of additions was this
 * loop's limit.
 */
function updateAndDot(q: Float32Array, coefficient: number, v: Float32Array, scale: number, next: Float32Array | undefined): number {
  const n = q.length;
  if (!next) {
    for (let i = 0; i < n; i++) q[i] = (q[i]! + coefficient * v[i]!) * scale;
    return 0;
  }
  const whole = n - (n % 4);
  let sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
  let i = 0;
  for (; i < whole; i += 4) {
    const value0 = Math.fround(Math.fround(q[i]! + coefficient * v[i]!) * scale);
    const value1 = Math.fround(Math.fround(q[i + 1]! + coefficient * v[i + 1]!) * scale);
    const value2 = Math.fround(Math.fround(q[i + 2]! + coefficient * v[i + 2]!) * scale);
    const value3 = Math.fround(Math.fround(q[i + 3]! + coefficient * v[i + 3]!) * scale);
    q[i] = value0;
    q[i + 1] = value1;
    q[i + 2] = value2;
    q[i + 3] = value3;
    sum0 += next[i]! * value0;
    sum1 += next[i + 1]! * value1;
    sum2 += next[i + 2]! * value2;
    sum3 += next[i + 3]! * value3;
  }
  for (; i < n; i++) {
    const value = Math.fround(Math.fround(q[i]! + coefficient * v[i]!) * scale);
    q[i] = value;
    sum0 += next[i]! * value;
  }
  return sum0 + sum1 + (sum2 + sum3);
}

interface HistoryEntry {
  readonly s: Float32Array;
  readonly y: Float32Array;
  readonly rho: number;
}

/** A point of a line search: its step along the direction, what was evaluated there, and the slope. */
interface LinePoint {
  readonly t: number;
  readonly at: { readonly loss: number };
  readonly slope: number;
}

/**
 * Finds a step t along the direction `probeAlong` follows (its largest component `directionScale`)
 * satisfying the strong Wolfe conditions: a sufficient decrease of the loss (C1) and a flattened
 * slope (C2). Falls back to the best point found when out of budget.
 */
async function strongWolfeSearch<P extends { readonly loss: number }>(
  probeAlong: (t: number) => Promise<{ at: P; slope: number }>,
  directionScale: number,
  start: P,
  startSlope: number,
  initialStep: number,
  maxEvaluations: number,
  changeTolerance: number,
): Promise<{ t: number; at: P; evaluations: number }> {
  type SearchPoint = { t: number; at: P; slope: number };
  const origin: SearchPoint = { t: 0, at: start, slope: startSlope };
  const probe = async (t: number): Promise<SearchPoint> => {
    const { at, slope } = await probeAlong(t);
    evaluations += 1;
    return { t, at, slope };
  };
  const sufficientDecrease = (point: SearchPoint) => point.at.loss <= start.loss + C1 * point.t * startSlope;
  const curvatureHolds = (point: SearchPoint) => Math.abs(point.slope) <= -C2 * startSlope;

  let evaluations = 0;
  let previous = origin;
  let point = await probe(initialStep);
  let bracket: [SearchPoint, SearchPoint] | undefined;

  // Phase 1: grow the step until the minimum is bracketed (or the point already satisfies Wolfe).
  while (evaluations < maxEvaluations) {
    if (!sufficientDecrease(point) || (previous !== origin && point.at.loss >= previous.at.loss)) {
      bracket = [previous, point];
      break;
    }
    if (curvatureHolds(point)) return { t: point.t, at: point.at, evaluations };
    if (point.slope >= 0) {
      bracket = [previous, point];
      break;
    }
    const next = cubicMinimum(previous, point, point.t + 0.01 * (point.t - previous.t), point.t * 10);
    previous = point;
    point = await probe(next);
  }
  if (!bracket) bracket = [origin, point];

  // Phase 2: zoom inside the bracket. `low` is always the end with the lower loss.
  let insufficientProgress = false;
  while (evaluations < maxEvaluations) {
    const [a, b]: [SearchPoint, SearchPoint] = bracket;
    const low: SearchPoint = a.at.loss <= b.at.loss ? a : b;
    const high: SearchPoint = low === a ? b : a;
    const lowerT = Math.min(a.t, b.t);
    const upperT = Math.max(a.t, b.t);
    if ((upperT - lowerT) * directionScale < changeTolerance) break;
    let t = cubicMinimum(a, b, lowerT, upperT);
    // Keep away from the bracket's ends, where the cubic is least reliable (as PyTorch does).
    const margin = 0.1 * (upperT - lowerT);
    if (Math.min(upperT - t, t - lowerT) < margin) {
      if (insufficientProgress || t >= upperT || t <= lowerT) {
        t = Math.abs(t - upperT) < Math.abs(t - lowerT) ? upperT - margin : lowerT + margin;
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }
    const candidate = await probe(t);
    if (!sufficientDecrease(candidate) || candidate.at.loss >= low.at.loss) {
      bracket = [low, candidate];
      continue;
    }
    if (curvatureHolds(candidate)) return { t: candidate.t, at: candidate.at, evaluations };
    bracket = candidate.slope * (high.t - low.t) >= 0 ? [candidate, low] : [candidate, high];
  }
  const best = bracket[0].at.loss <= bracket[1].at.loss ? bracket[0] : bracket[1];
  return { t: best.t, at: best.at, evaluations };
}

/** `x + t · direction`, projected into `bounds` if any, written into `out`. */
function pointAlong(out: Float32Array, x: Float32Array, direction: Float32Array, t: number, bounds: Bounds | undefined): Float32Array {
  if (bounds) return clampedAlong(out, x, direction, t, bounds);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + t * direction[i]!;
  return out;
}

/** Minimiser of the cubic through two points with their slopes, clamped to [lower, upper]. */
function cubicMinimum(a: LinePoint, b: LinePoint, lower: number, upper: number): number {
  const d1 = a.slope + b.slope - (3 * (a.at.loss - b.at.loss)) / (a.t - b.t);
  const d2Squared = d1 * d1 - a.slope * b.slope;
  if (!(d2Squared >= 0)) return (lower + upper) / 2;
  const d2 = Math.sqrt(d2Squared);
  const minimum =
    a.t <= b.t
      ? b.t - (b.t - a.t) * ((b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2))
      : a.t - (a.t - b.t) * ((a.slope + d2 - d1) / (a.slope - b.slope + 2 * d2));
  if (!Number.isFinite(minimum)) return (lower + upper) / 2;
  return Math.min(Math.max(minimum, lower), upper);
}
