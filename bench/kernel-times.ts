/**
 * Where an evaluation's time goes on a GPU: its wall time (launch, run, read back the loss) against
 * the time its kernels ran on the GPU, and the programs that took most. TensorFlow.js's WebGPU
 * backend times each program with timestamp queries inside `tf.time` (where the adapter offers
 * `timestamp-query`). A wall time far above the kernels' says the GPU waits for the CPU (launches,
 * reads); close to it, the kernels are the cost, and the top programs say which. The H200 took
 * 16.2 s for a 512-px job of 300 iterations where its evaluations alone, at 36–83 ms, would have
 * explained most of it (docs/performance.md): this says whether those milliseconds were the GPU's.
 * Dawn quantizes timestamps (to tens of microseconds) unless told otherwise: a small kernel reads
 * as 0 or one quantum, so single launches are rough, sums over many fair. On Dawn's null adapter
 * the times are meaningless (nothing runs).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DeviceObjective } from '../src/engine/tf-objective.ts';
import { medianOf } from './median.ts';

export interface KernelTimes {
  /** Median wall milliseconds of an evaluation with its read, untimed. */
  wallMs: number;
  /** Milliseconds the evaluation's kernels ran, as the backend timed them (one timed evaluation). */
  kernelMs: number;
  /** Kernels timed (0 where the backend times the whole call, as the CPU backends do). */
  kernels: number;
  /** The programs with the most time, summed over their launches. */
  top: { program: string; launches: number; ms: number }[];
}

/**
 * The programs' times from TensorFlow.js's WebGPU backend, which lists them as one string
 * ("Conv2DMMProgram: 0.41, ReduceProgram: 0.02, …"); the CPU backends list none.
 */
function programTimesOf(timing: tf.TimingInfo): { name: string; ms: number }[] {
  const listed = (timing as tf.TimingInfo & { getExtraProfileInfo?: () => unknown }).getExtraProfileInfo?.();
  if (typeof listed !== 'string' || listed === '') return [];
  return listed.split(', ').map((entry) => {
    const colon = entry.lastIndexOf(': ');
    return { name: entry.slice(0, colon), ms: Number(entry.slice(colon + 2)) };
  });
}

export async function measureKernelTimes(objective: Pick<DeviceObjective, 'traceOnDevice'>, x: tf.Tensor1D, runs: number, topCount = 6): Promise<KernelTimes> {
  await evaluateAndRead(objective, x); // warm-up: shader compilation
  const wallMs = await medianMsOf(() => evaluateAndRead(objective, x), runs);
  // Timed apart: under `tf.time` each program runs in a pass and a submission of its own, so the
  // wall time there would be the timing's, not the evaluation's.
  let traced: tf.Tensor[] = [];
  const timing = await tf.time(() => {
    const { sums, gradient } = objective.traceOnDevice(x);
    traced = [sums, gradient];
  });
  tf.dispose(traced);
  const programs = programTimesOf(timing);
  const byProgram = new Map<string, { launches: number; ms: number }>();
  for (const { name, ms } of programs) {
    const entry = byProgram.get(name) ?? { launches: 0, ms: 0 };
    byProgram.set(name, { launches: entry.launches + 1, ms: entry.ms + ms });
  }
  const top = [...byProgram]
    .sort(([, a], [, b]) => b.ms - a.ms)
    .slice(0, topCount)
    .map(([program, { launches, ms }]) => ({ program, launches, ms: round(ms) }));
  return { wallMs: round(wallMs), kernelMs: typeof timing.kernelMs === 'number' ? round(timing.kernelMs) : Number.NaN, kernels: programs.length, top };
}

/**
 * TensorFlow.js WebGPU settings that change how an evaluation is launched or computed, each
 * against the default: submitting the queued kernels once per evaluation rather than every 15, or
 * after each, and convolutions as a separate im2col pass and a matrix product. If one is clearly
 * quicker on a GPU, the engine can set it where the backend starts.
 */
export const FLAG_VARIANTS: readonly Readonly<Record<string, number | boolean>>[] = [
  {},
  { WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 1000 },
  { WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 1 },
  { WEBGPU_CONV_SEPARATE_IM2COL_SHADER: true },
];

export interface VariantTime {
  flags: string;
  wallMs: number;
  /** The loss against the default settings' (relative): the variant must compute the same. */
  lossDifference: number;
}

/** Median wall milliseconds of an evaluation with its read under each of `FLAG_VARIANTS`. */
export async function measureFlagVariants(objective: Pick<DeviceObjective, 'traceOnDevice'>, x: tf.Tensor1D, runs: number): Promise<VariantTime[]> {
  const times: VariantTime[] = [];
  let reference: number | undefined;
  for (const flags of FLAG_VARIANTS) {
    const saved = Object.fromEntries(Object.keys(flags).map((flag) => [flag, tf.env().get(flag)]));
    for (const [flag, value] of Object.entries(flags)) tf.env().set(flag, value);
    try {
      const loss = await evaluateAndRead(objective, x); // warm-up: a variant's shaders compile on first use
      reference ??= loss;
      const wallMs = await medianMsOf(() => evaluateAndRead(objective, x), runs);
      const described = Object.entries(flags).map(([flag, value]) => `${flag}=${String(value)}`).join(' ') || 'default';
      times.push({ flags: described, wallMs: round(wallMs), lossDifference: Math.abs(loss - reference) / Math.max(Math.abs(reference), Number.MIN_VALUE) });
    } finally {
      for (const [flag, value] of Object.entries(saved)) tf.env().set(flag, value as number | boolean);
    }
  }
  return times;
}

/** Evaluates at `x` and reads the terms' sums, whose total it returns: the read waits for every kernel queued before it, the gradient's included. */
async function evaluateAndRead(objective: Pick<DeviceObjective, 'traceOnDevice'>, x: tf.Tensor1D): Promise<number> {
  const { sums, gradient } = objective.traceOnDevice(x);
  try {
    return ((await sums.data()) as Float32Array).reduce((total, value) => total + value, 0);
  } finally {
    tf.dispose([sums, gradient]);
  }
}

/** The median wall milliseconds of `runs` calls of `run`. */
async function medianMsOf(run: () => Promise<unknown>, runs: number): Promise<number> {
  const milliseconds: number[] = [];
  for (let index = 0; index < runs; index++) {
    const start = performance.now();
    await run();
    milliseconds.push(performance.now() - start);
  }
  return medianOf(milliseconds);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
