/**
 * L-BFGS with all its vectors on the TensorFlow.js backend (`tf-lbfgs.ts`), which the engine uses
 * on a GPU. No GPU here: it runs on wasm against the same iterations on arrays, on a bounded
 * quadratic whose minimum lies partly outside the box (so coordinates come to rest on its bounds).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { chooseBackend } from '../../src/engine/backend.ts';
import { placeLbfgsVectors } from '../../src/engine/engine.ts';
import { createLbfgs } from '../../src/engine/optimizers/lbfgs.ts';
import { separableQuadratic } from '../../src/engine/quadratic.ts';
import { createRandom } from '../../src/engine/random.ts';
import { createDeviceLbfgs } from '../../src/engine/tf-lbfgs.ts';
import { relativeDifference } from '../helpers/difference.ts';

beforeAll(async () => {
  await chooseBackend('wasm');
});

// Three channels, as a picture: per-channel bounds, as the engine's.
const bounds = { lower: [-100, -110, -120], upper: [150, 140, 130] };
const length = 3 * 400;
const random = createRandom(5);
const curvature = Float32Array.from({ length }, () => Math.exp(-6 * random()));
const minimum = Float32Array.from({ length }, () => 400 * random() - 200);
const start = Float32Array.from({ length }, () => 100 * random() - 50);

const quadratic = () => separableQuadratic(curvature, minimum);

describe('L-BFGS with its vectors on the device', () => {
  it('takes the steps L-BFGS takes on arrays, keeps every point inside the box, and releases every tensor', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const [onArrays, onDevice] = [quadratic(), quadratic()];
    const [xArrays, xDevice] = [Float32Array.from(start), Float32Array.from(start)];
    const arrays = createLbfgs(onArrays, xArrays, { historySize: 5, bounds });
    const device = createDeviceLbfgs(onDevice, xDevice, { historySize: 5, bounds });
    const losses: number[] = [];
    for (let step = 0; step < 12; step++) {
      const [a, d] = [await arrays.step(), await device.step()];
      await device.writeBack();
      // Sums in float32 on the device round differently: the same path, not the same bits.
      expect(relativeDifference(xDevice, xArrays), `step ${step}`).toBeLessThan(1e-3);
      expect(Math.abs(d.terms.total - a.terms.total) / a.terms.total, `step ${step}`).toBeLessThan(1e-3);
      losses.push(d.terms.total);
    }
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThanOrEqual(losses[i - 1]!);
    expect(onDevice.evaluations).toBe(onArrays.evaluations);
    // Inside the box, with coordinates resting on its bounds where the minimum lies outside.
    const channelOf = (i: number) => i % 3;
    expect(xDevice.every((value, i) => value >= bounds.lower[channelOf(i)]! && value <= bounds.upper[channelOf(i)]!)).toBe(true);
    expect(xDevice.filter((value, i) => value === bounds.lower[channelOf(i)] || value === bounds.upper[channelOf(i)]).length).toBeGreaterThan(length / 10);
    device.dispose();
    onDevice.dispose();
    onArrays.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});

describe('L-BFGS on the device reads little back', () => {
  it('waits on the device once per evaluation and three times more per step (on a GPU each read drains its queue)', async () => {
    const objective = quadratic();
    const device = createDeviceLbfgs(objective, Float32Array.from(start), { historySize: 5, bounds });
    const read = vi.spyOn(tf.backend(), 'read');
    const steps = 8;
    try {
      for (let step = 0; step < steps; step++) await device.step();
      // Each evaluation's read brings its loss, the slope there and its free gradient's largest
      // component; a step adds the direction's products with the pairs, its slope and scale, and
      // the new pair's products (with sᵀy and yᵀy). Before: 2 per evaluation and 5 per step.
      expect(read.mock.calls.length).toBeLessThanOrEqual(objective.evaluations + 3 * steps);
      expect(objective.evaluations).toBeGreaterThanOrEqual(steps);
    } finally {
      read.mockRestore();
      device.dispose();
      objective.dispose();
    }
  });
});

describe('L-BFGS on the device when an evaluation fails', () => {
  it('rejects that step and leaves no tensor once disposed', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const objective = quadratic();
    // The third evaluation fails: the first step's second probe, after one it made.
    const failing = {
      ...objective,
      traceOnDevice: (x: tf.Tensor1D) => {
        if (objective.evaluations === 2) throw new Error('out of GPU memory');
        return objective.traceOnDevice(x);
      },
    };
    const device = createDeviceLbfgs(failing, Float32Array.from(start), { historySize: 5, bounds });
    await expect((async () => {
      for (let step = 0; step < 5; step++) await device.step();
    })()).rejects.toThrow('out of GPU memory');
    device.dispose();
    objective.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});

describe('where the engine keeps L-BFGS’s vectors (placeLbfgsVectors)', () => {
  it('by size on a GPU: all on the device from 20,000 pixels (a 181-px stage), only the pairs below (a 128-px one), all in arrays where the pairs do not fit', () => {
    expect(placeLbfgsVectors('by-size', 512 * 384, true)).toBe('device');
    expect(placeLbfgsVectors('by-size', 256 * 192, true)).toBe('device');
    expect(placeLbfgsVectors('by-size', 181 * 136, true)).toBe('device');
    expect(placeLbfgsVectors('by-size', 128 * 128, true)).toBe('pairs');
    expect(placeLbfgsVectors('by-size', 128 * 96, true)).toBe('pairs');
    expect(placeLbfgsVectors('by-size', 1024 * 768, false)).toBe('arrays');
    expect(placeLbfgsVectors('device', 64 * 48, true)).toBe('device');
    expect(placeLbfgsVectors('device', 64 * 48, false)).toBe('arrays');
    expect(placeLbfgsVectors('pairs', 512 * 512, true)).toBe('pairs');
    expect(placeLbfgsVectors('arrays', 512 * 512, true)).toBe('arrays');
  });
});
