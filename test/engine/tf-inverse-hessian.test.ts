/**
 * L-BFGS's inverse Hessian with its pairs on the TensorFlow.js backend (the compact form), which
 * the engine uses on a GPU. No GPU here: it runs on wasm, against the two-loop recursion on arrays.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/engine/backend.ts';
import { createLbfgs, createTwoLoopInverseHessian, pairOf, type InverseHessian } from '../../src/engine/optimizers/lbfgs.ts';
import type { Evaluation } from '../../src/engine/optimizers/objective.ts';
import { createRandom } from '../../src/engine/random.ts';
import { createTfInverseHessian, pairsFitOnDevice } from '../../src/engine/tf-inverse-hessian.ts';
import { relativeDifference } from '../helpers/difference.ts';

beforeAll(async () => {
  await chooseBackend('wasm');
});

const length = 300;
const random = createRandom(11);
/** A diagonal curvature from 0.1 to 10: y = A·s for a quadratic with that Hessian. */
const curvature = Float32Array.from({ length }, () => 0.1 + 9.9 * random());
const vector = () => Float32Array.from({ length }, () => random() * 2 - 1);

describe('the inverse Hessian on the device (compact form)', () => {
  it('gives the two-loop recursion’s direction as pairs come, are skipped and drop out of the history', async () => {
    const implementations: InverseHessian[] = [createTwoLoopInverseHessian(5), createTfInverseHessian(5, length), createTfInverseHessian(5, length, 64)];
    const tensorsBefore = tf.memory().numTensors;
    for (let pair = 0; pair < 9; pair++) {
      const s = vector();
      // Pair 3 has negative curvature (y = −s): every implementation must skip it.
      const y = pair === 3 ? s.map((value) => -value) : s.map((value, i) => value * curvature[i]!);
      for (const implementation of implementations) await implementation.update(pairOf(s, y));
      expect(implementations.map((implementation) => implementation.size)).toEqual(Array(3).fill(Math.min(5, pair + (pair >= 3 ? 0 : 1))));
      const gradient = vector();
      const [expected, ...actual] = await Promise.all(implementations.map((implementation) => implementation.direction(gradient, new Float32Array(length))));
      // Blocks of 64 columns (as past WebGPU's dispatch limit) and one pass alike.
      for (const direction of actual) expect(relativeDifference(direction, expected!), `after pair ${pair}`).toBeLessThan(1e-4);
    }
    implementations.forEach((implementation) => implementation.clear());
    expect(implementations.map((implementation) => implementation.size)).toEqual([0, 0, 0]);
    const gradient = vector();
    const steepest = await implementations[1]!.direction(gradient, new Float32Array(length));
    expect(relativeDifference(steepest, gradient.map((value) => -value))).toBe(0);
    implementations.forEach((implementation) => implementation.dispose());
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('keeps nothing of the arrays it is given, which L-BFGS reuses every step (the cpu backend keeps a tensor’s array as given)', async () => {
    await chooseBackend('cpu');
    try {
      const [onArrays, onDevice] = [createTwoLoopInverseHessian(3), createTfInverseHessian(3, length)];
      const [s, y] = [new Float32Array(length), new Float32Array(length)];
      for (let pair = 0; pair < 6; pair++) {
        s.set(vector());
        y.set(s.map((value, i) => value * curvature[i]!));
        for (const implementation of [onArrays, onDevice]) await implementation.update(pairOf(s, y));
        // Overwritten, as the next step does, before the direction is asked for.
        s.fill(7);
        y.fill(-7);
        const gradient = vector();
        const [expected, actual] = await Promise.all([onArrays, onDevice].map((implementation) => implementation.direction(gradient, new Float32Array(length))));
        expect(relativeDifference(actual!, expected!), `after pair ${pair}`).toBeLessThan(1e-4);
      }
      [onArrays, onDevice].forEach((implementation) => implementation.dispose());
    } finally {
      await chooseBackend('wasm');
    }
  });

  it('lets L-BFGS find a bounded quadratic’s minimum as the two-loop recursion does', async () => {
    const target = vector().map((value) => 3 * value);
    const objective = {
      async evaluate(x: Float32Array): Promise<Evaluation> {
        const gradient = new Float32Array(length);
        let loss = 0;
        for (let i = 0; i < length; i++) {
          const difference = x[i]! - target[i]!;
          loss += 0.5 * curvature[i]! * difference * difference;
          gradient[i] = curvature[i]! * difference;
        }
        return { loss, gradient, terms: { content: loss, style: 0, tv: 0, total: loss } };
      },
    };
    const bounds = { lower: [-2], upper: [2] };
    const finalLoss = async (inverseHessian?: InverseHessian) => {
      const x = new Float32Array(length);
      const optimizer = createLbfgs(objective, x, { historySize: 5, bounds, ...(inverseHessian ? { inverseHessian } : {}) });
      let loss = Infinity;
      for (let step = 0; step < 40; step++) {
        const result = await optimizer.step();
        loss = result.terms.total;
        if (result.converged) break;
      }
      inverseHessian?.dispose();
      return { loss, x };
    };
    const [onArrays, onDevice] = [await finalLoss(), await finalLoss(createTfInverseHessian(5, length))];
    expect(Math.abs(onDevice.loss - onArrays.loss) / onArrays.loss).toBeLessThan(1e-3);
    expect(relativeDifference(onDevice.x, onArrays.x)).toBeLessThan(1e-3);
    for (const value of onDevice.x) expect(Math.abs(value)).toBeLessThanOrEqual(2);
  });

  it('keeps the pairs on the device only where they fit in one of its buffers', () => {
    const pixels1024 = 1024 * 768 * 3;
    expect(pairsFitOnDevice(20, pixels1024, { maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 256 * 2 ** 20 })).toBe(false);
    expect(pairsFitOnDevice(20, pixels1024, { maxBufferSize: 2 * 2 ** 30, maxStorageBufferBindingSize: 2 * 2 ** 30 - 4 })).toBe(true);
    expect(pairsFitOnDevice(20, pixels1024, undefined)).toBe(true);
  });
});
