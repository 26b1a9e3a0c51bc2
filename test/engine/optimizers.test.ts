import { describe, expect, it } from 'vitest';
import { createAdam } from '../../src/engine/optimizers/adam.ts';
import { clampedAlong, freeComponents, project, slopeWithin } from '../../src/engine/optimizers/bounds.ts';
import { createLbfgs } from '../../src/engine/optimizers/lbfgs.ts';
import { PIXEL_BOUNDS } from '../../src/engine/vgg.ts';
import { dot, maxAbs, type Evaluation, type IterativeOptimizer, type Objective } from '../../src/engine/optimizers/objective.ts';

function objectiveOf(f: (x: Float32Array) => { loss: number; gradient: Float32Array }): Objective & { calls: number } {
  const objective = {
    calls: 0,
    async evaluate(x: Float32Array): Promise<Evaluation> {
      objective.calls += 1;
      const { loss, gradient } = f(x);
      return { loss, gradient, terms: { content: loss, style: 0, tv: 0, total: loss } };
    },
  };
  return objective;
}

/** An ill-conditioned quadratic ½ Σ cᵢ (xᵢ − tᵢ)², minimum 0 at t. */
const conditioning = [1, 10, 100, 1000, 0.5, 3];
const target = [3, -2, 0.5, 7, -4, 1];
const quadratic = (x: Float32Array) => {
  const gradient = new Float32Array(x.length);
  let loss = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - target[i]!;
    loss += 0.5 * conditioning[i]! * d * d;
    gradient[i] = conditioning[i]! * d;
  }
  return { loss, gradient };
};

/** Rosenbrock's banana, minimum 0 at (1, 1). */
const rosenbrock = (x: Float32Array) => {
  const [a, b] = [x[0]!, x[1]!];
  return {
    loss: (1 - a) ** 2 + 100 * (b - a * a) ** 2,
    gradient: Float32Array.of(-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)),
  };
};

async function run(optimizer: IterativeOptimizer, iterations: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const step = await optimizer.step();
    losses.push(step.terms.total);
    if (step.converged) break;
  }
  return losses;
}

describe('L-BFGS', () => {
  it('finds the minimum of an ill-conditioned quadratic', async () => {
    const x = new Float32Array(6);
    await run(createLbfgs(objectiveOf(quadratic), x, { historySize: 10 }), 100);
    for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(target[i]!, 3);
  });

  it('finds the minimum of the Rosenbrock function from (−1.2, 1)', async () => {
    const x = Float32Array.of(-1.2, 1);
    const losses = await run(createLbfgs(objectiveOf(rosenbrock), x, { historySize: 10, firstStepSize: 0.1 }), 200);
    expect(x[0]).toBeCloseTo(1, 3);
    expect(x[1]).toBeCloseTo(1, 3);
    expect(losses.at(-1)).toBeLessThan(1e-6);
  });

  it('never increases the loss from one iteration to the next', async () => {
    const x = Float32Array.of(-1.2, 1);
    const losses = await run(createLbfgs(objectiveOf(rosenbrock), x, { historySize: 5 }), 60);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThanOrEqual(losses[i - 1]!);
  });

  it('within bounds per channel: every point it evaluates and steps to stays inside, and it ends at the box’s nearest point to the minimum', async () => {
    // The quadratic's minimum (3, −2, 0.5, 7, −4, 1) lies outside the box in four coordinates; the
    // bounds repeat every three, as an image's do per colour channel.
    const bounds = { lower: [0, -1, 0], upper: [2, 1, 5] };
    const inside = (x: Float32Array) => x.every((value, i) => value >= bounds.lower[i % 3]! && value <= bounds.upper[i % 3]!);
    const seen: boolean[] = [];
    const objective = objectiveOf((x) => {
      seen.push(inside(x));
      return quadratic(x);
    });
    const x = Float32Array.of(1, 0, 1, 1, 0, 1);
    const losses = await run(createLbfgs(objective, x, { historySize: 5, bounds }), 100);
    expect(seen.every(Boolean)).toBe(true);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThanOrEqual(losses[i - 1]!);
    // The quadratic is separable, so the constrained minimum is the minimum clamped into the box.
    const clamped = target.map((value, i) => Math.min(Math.max(value, bounds.lower[i % 3]!), bounds.upper[i % 3]!));
    for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(clamped[i]!, 3);
  });

  it('reports convergence at a minimum instead of spinning', async () => {
    const objective = objectiveOf(quadratic);
    const x = Float32Array.from(target);
    const step = await createLbfgs(objective, x, { historySize: 3 }).step();
    expect(step.converged).toBe(true);
    expect(objective.calls).toBe(1);
  });
});

describe('the box, per channel (bounds.ts)', () => {
  // Two channels; coordinates inside, on each bound and past it, moved both ways.
  const bounds = { lower: [-1, 0], upper: [1, 2] };
  const x = Float32Array.from([0.5, 2, -1, 1, 1, 0, -1, 2, 0.25, 1.5]);
  const direction = Float32Array.from([0.3, 1, -2, -0.5, 4, -1, 1, 0.1, -0.2, 3]);
  const lowerOf = (i: number) => bounds.lower[i % 2]!;
  const upperOf = (i: number) => bounds.upper[i % 2]!;
  const pinned = (i: number, move: number) => (move < 0 && x[i]! <= lowerOf(i)) || (move > 0 && x[i]! >= upperOf(i));

  it('clampedAlong is a step and then a projection, in one pass', () => {
    for (const t of [0, 0.3, 1, 7]) {
      const stepped = Float32Array.from(x, (value, i) => value + t * direction[i]!);
      expect(clampedAlong(new Float32Array(x.length), x, direction, t, bounds)).toEqual(project(stepped, bounds));
    }
  });

  it('freeComponents zeroes what pushes against a bound it sits on, into the buffer given, with its largest component and slope', () => {
    const against = Float32Array.from(x, (_, i) => 3 - i);
    for (const sign of [1, -1] as const) {
      const out = new Float32Array(x.length).fill(9);
      // A gradient (sign −1) is moved against: its sign flips which bound holds.
      const expected = Array.from(direction, (move, i) => (pinned(i, sign * move) ? 0 : move));
      const { largest, dot } = freeComponents(x, direction, bounds, sign, out, against);
      expect(Array.from(out)).toEqual(expected);
      expect(largest).toBe(Math.max(...expected.map(Math.abs)));
      expect(dot).toBeCloseTo(expected.reduce((sum, value, i) => sum + value * against[i]!, 0), 12);
    }
  });

  it('project clamps each channel into its own range', () => {
    expect(Array.from(project(Float32Array.from(x, (value, i) => value + direction[i]!), bounds))).toEqual(Array.from(x, (value, i) => Math.min(Math.max(Math.fround(value + direction[i]!), lowerOf(i)), upperOf(i))));
  });

  it('slopeWithin counts only the coordinates the direction moves', () => {
    const gradient = Float32Array.from(x, (_, i) => i - 4.5);
    const expected = Array.from(direction).reduce((sum, move, i) => (pinned(i, move) ? sum : sum + gradient[i]! * move), 0);
    expect(slopeWithin(gradient, direction, x, bounds)).toBeCloseTo(expected, 12);
  });
});

describe('dot and maxAbs (objective.ts)', () => {
  it('match plain loops at every length, whatever the remainder of the unrolled sums', () => {
    for (let length = 0; length <= 11; length++) {
      const a = Float32Array.from({ length }, (_, i) => Math.sin(i + 1) * 10);
      const b = Float32Array.from({ length }, (_, i) => Math.cos(3 * i) - 0.5);
      expect(dot(a, b)).toBeCloseTo(Array.from(a).reduce((sum, value, i) => sum + value * b[i]!, 0), 12);
      expect(maxAbs(a)).toBe(Math.max(0, ...Array.from(a, Math.abs)));
    }
  });
});

describe('Adam', () => {
  it('descends to the minimum of a quadratic', async () => {
    const x = new Float32Array(6);
    const losses = await run(createAdam(objectiveOf(quadratic), x, { learningRate: 0.1 }), 3000);
    expect(losses.at(-1)).toBeLessThan(1e-3 * losses[0]!);
    for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(target[i]!, 1);
  });

  it('moves each coordinate by about the learning rate on its first step', async () => {
    const x = new Float32Array(6);
    await createAdam(objectiveOf(quadratic), x, { learningRate: 10 }).step();
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]!)).toBeCloseTo(10, 3);
  });
});

describe('the picture’s bounds (PIXEL_BOUNDS)', () => {
  it('are float32 values, so a coordinate clamped to one sits on it and is not pushed further out', () => {
    const x = project(Float32Array.of(-1000, -1000, -1000, 1000, 1000, 1000), PIXEL_BOUNDS);
    // Outward from each bound: down for the first pixel, up for the second.
    const outward = Float32Array.of(-1, -1, -1, 1, 1, 1);
    const out = new Float32Array(6);
    expect(freeComponents(x, outward, PIXEL_BOUNDS, 1, out, outward).largest).toBe(0);
    expect(slopeWithin(outward, outward, x, PIXEL_BOUNDS)).toBe(0);
  });
});
