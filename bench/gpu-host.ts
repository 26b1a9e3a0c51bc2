/**
 * What one evaluation costs the CPU on WebGPU before the GPU computes anything: TensorFlow.js's
 * kernels and Dawn's command recording, measured on Dawn's null adapter (it accepts every command
 * and runs none), so on any machine, GPU or not. At the small scales of a multi-scale job this, not
 * the arithmetic, is what a GPU evaluation costs (docs/performance.md, "On a GPU"). Run by `npm run bench`
 * (section `gpu-host`) in a process of its own, since it replaces the TensorFlow.js backend.
 *
 *   tsx bench/gpu-host.ts <size> <runs> <evaluations|lbfgs|lbfgs-passes|training>
 *
 * Prints JSON: per layer set, the median host milliseconds, the kernels dispatched and the reads per evaluation;
 * then L-BFGS's share of an iteration (its direction and its history's update, with a full history),
 * with the pairs on the device and, for comparison, in arrays (which costs the CPU alike on any backend);
 * then, with all of L-BFGS's vectors on the device, the rest of an iteration: its passes over the
 * picture for the box, the trial point, the slopes and the step; or a fast network's training batch
 * (2 crops of `size` px) on TensorFlow.js, which also shows that every op of its tape has a WebGPU kernel.
 * Dawn's null device caps its memory at a few hundred MB (at 256 px its buffers run out), and
 * TensorFlow.js keeps the buffers it frees for reuse: each part runs in a process of its own.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadEngineEnvironment } from '../src/bot/config.ts';
import { medianOf } from './median.ts';
import { GATYS_LAYERS, SHALLOW_LAYERS } from '../src/engine/layers.ts';
import { createTwoLoopInverseHessian, pairOf } from '../src/engine/optimizers/lbfgs.ts';
import { STYLIZE_OPTIONS, weightsForStrength } from '../src/engine/options.ts';
import { gaussianNoise } from '../src/engine/random.ts';
import { createTfInverseHessian } from '../src/engine/tf-inverse-hessian.ts';
import { createDeviceVectors } from '../src/engine/tf-lbfgs.ts';
import { createTfObjective } from '../src/engine/tf-objective.ts';
import { createFeatureNetwork, PIXEL_BOUNDS } from '../src/engine/vgg.ts';
import { parameterLayoutOf, readFastManifest } from '../src/engine/fast/manifest.ts';
import { tfjsTrainingEngine } from '../src/engine/train/tfjs-training.ts';
import { initialParameters } from '../src/engine/train/trainer.ts';
import { loadVggWeights, locateWeights, withStandInLayers } from '../src/engine/weights.ts';

const [size, runs, part] = [Number(process.argv[2] ?? 128), Number(process.argv[3] ?? 20), process.argv[4] ?? 'evaluations'];

interface CountingEncoder {
  beginComputePass(...args: unknown[]): { dispatchWorkgroups(...args: unknown[]): void };
}
interface NullGpu {
  requestAdapter(): Promise<unknown>;
}
const { create, globals } = (await import('webgpu')) as unknown as { create: (flags: string[]) => NullGpu; globals: object };
Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create(['backend=null']) }, configurable: true, writable: true });
await import('@tensorflow/tfjs-backend-webgpu');
if (!(await tf.setBackend('webgpu'))) throw new Error("TensorFlow.js's WebGPU backend did not start on Dawn's null adapter");

// Count the dispatches: every compute pass comes from a command encoder of this device.
let dispatches = 0;
const device = (tf.backend() as unknown as { device: { createCommandEncoder(...args: unknown[]): CountingEncoder } }).device;
const createEncoder = device.createCommandEncoder.bind(device);
device.createCommandEncoder = (...args) => {
  const encoder = createEncoder(...args);
  const beginPass = encoder.beginComputePass.bind(encoder);
  encoder.beginComputePass = (...passArgs) => {
    const pass = beginPass(...passArgs);
    const dispatch = pass.dispatchWorkgroups.bind(pass);
    pass.dispatchWorkgroups = (...dispatchArgs) => {
      dispatches += 1;
      dispatch(...dispatchArgs);
    };
    return pass;
  };
  return encoder;
};

// Count the reads: on a GPU each waits for everything queued before it to finish.
let reads = 0;
const backend = tf.backend() as unknown as { read(dataId: object): Promise<unknown> };
const readData = backend.read.bind(backend);
backend.read = (dataId) => {
  reads += 1;
  return readData(dataId);
};

interface Row {
  part: string;
  size: string;
  hostMs: number;
  dispatches: number;
  reads: number;
}

const parts: Record<string, () => Promise<Row[]>> = { evaluations: measureEvaluations, lbfgs: measureInverseHessians, 'lbfgs-passes': measureDevicePasses, training: measureTraining };
console.log(JSON.stringify(await parts[part]!()));
// Dawn keeps the event loop alive while its instance exists.
process.exit(0);

/** The TensorFlow.js objective's evaluation, to conv5_1 and with the shallow layers. */
async function measureEvaluations(): Promise<Row[]> {
  // Deep layers the shared partial weights lack get random stand-ins: the cost does not depend on values.
  const env = loadEngineEnvironment();
  const weights = withStandInLayers(await loadVggWeights(await locateWeights({ explicitDir: env.IMPASTO_WEIGHTS_DIR, download: { baseUrl: env.IMPASTO_WEIGHTS_URL } })));
  const rows: Row[] = [];
  for (const [layerSet, layers] of [['gatys (to conv5_1)', GATYS_LAYERS], ['shallow (to conv3_2)', SHALLOW_LAYERS]] as const) {
    const network = createFeatureNetwork(weights, 'max');
    const input = { x: gaussianNoise(size * size * 3, 50, 1), width: size, height: size };
    const objective = await createTfObjective({ network, layers, content: input, styles: [{ input, weight: 1 }], weights: { content: 1e5, style: 3e4, tv: 1 } });
    await objective.evaluate(input.x); // warm-up: shader compilation
    rows.push({ part: `evaluation, ${layerSet}`, ...(await timed(() => objective.evaluate(input.x))) });
    objective.dispose();
    network.dispose();
  }
  return rows;
}

/** L-BFGS's direction and its history's update, the history full, with the pairs on the device and in arrays. */
async function measureInverseHessians(): Promise<Row[]> {
  const historySize = STYLIZE_OPTIONS.historySize.default;
  const length = size * size * 3;
  const rows: Row[] = [];
  for (const [where, inverseHessian] of [['on the device', createTfInverseHessian(historySize, length)], ['in arrays', createTwoLoopInverseHessian(historySize)]] as const) {
    const direction = new Float32Array(length);
    const [s, gradient] = [gaussianNoise(length, 1, 1), gaussianNoise(length, 1, 2)];
    // Dawn's null device reads back zeros: curvature comes from the arrays, so every pair is kept.
    const y = s.map((value) => 2 * value);
    for (let pair = 0; pair < historySize; pair++) await inverseHessian.update(pairOf(s, y));
    rows.push({
      part: `L-BFGS direction and update, history ${historySize}, pairs ${where}`,
      ...(await timed(async () => {
        await inverseHessian.direction(gradient, direction);
        await inverseHessian.update(pairOf(s, y));
      })),
    });
    inverseHessian.dispose();
  }
  return rows;
}

/**
 * One L-BFGS iteration's passes with its vectors on the device, apart from its evaluation (a stand-in
 * hands back a gradient) and its inverse Hessian (`lbfgs`, above): the free gradient and
 * direction with their largest components and slope, a trial point with the slope there, the step.
 * On arrays the same passes are the optimizer section's `restMs`.
 */
async function measureDevicePasses(): Promise<Row[]> {
  const length = size * size * 3;
  const gradient = tf.tensor1d(gaussianNoise(length, 1, 2));
  const objective = { traceOnDevice: () => ({ sums: tf.ones([1]) as tf.Tensor1D, gradient: tf.clone(gradient) }), termsOf: () => ({ content: 1, style: 0, tv: 0, total: 1 }) };
  const vectors = createDeviceVectors(objective, gaussianNoise(length, 50, 1), { historySize: STYLIZE_OPTIONS.historySize.default, bounds: PIXEL_BOUNDS });
  let current = await vectors.evaluate();
  const iteration = async () => {
    await vectors.freeGradient(current.gradient);
    await vectors.searchDirection();
    const { at } = await vectors.probe(1);
    await vectors.accept(1, current, at);
    vectors.release(current);
    current = at;
  };
  await iteration(); // warm-up: shader compilation
  const row = { part: 'L-BFGS passes apart from evaluation and inverse Hessian, all vectors on the device', ...(await timed(iteration)) };
  vectors.dispose();
  return [row];
}

/** One training batch on TensorFlow.js (`train/tfjs-training.ts`): 2 crops, the painting twice their size. */
async function measureTraining(): Promise<Row[]> {
  const env = loadEngineEnvironment();
  const weights = await loadVggWeights(await locateWeights({ explicitDir: env.IMPASTO_WEIGHTS_DIR, download: { baseUrl: env.IMPASTO_WEIGHTS_URL } }));
  const engine = tfjsTrainingEngine(createFeatureNetwork(weights, 'max'), 'webgpu');
  const layout = parameterLayoutOf(readFastManifest().layers);
  const picture = (side: number, seed: number) => ({ width: side, height: side, data: Uint8Array.from(gaussianNoise(side * side * 3, 60, seed), (value) => Math.min(255, Math.max(0, 128 + value))) });
  const strength = weightsForStrength(7);
  const batch = await engine.prepareBatches({
    layout,
    batch: 2,
    size,
    painting: picture(2 * size, 1),
    layers: { content: ['conv2_2'], style: ['conv1_1', 'conv2_1', 'conv3_1'] },
    weights: { content: strength.content, style: strength.style, tv: strength.tv / (3 * size * size) },
  });
  const [parameters, crops] = [initialParameters(layout, 1), [picture(size, 2), picture(size, 3)]];
  await batch.evaluate(parameters, crops); // warm-up: shader compilation
  const row = { part: 'training batch of 2 crops (network forward, VGG loss and gradient per crop, tape backward)', ...(await timed(() => batch.evaluate(parameters, crops))) };
  batch.dispose();
  return [row];
}

/** The median host milliseconds of `runs` calls, and the kernels each dispatched and the reads each waited on. */
async function timed(run: () => Promise<unknown>): Promise<Omit<Row, 'part'>> {
  const milliseconds: number[] = [];
  dispatches = 0;
  reads = 0;
  for (let index = 0; index < runs; index++) {
    const start = performance.now();
    await run();
    milliseconds.push(performance.now() - start);
  }
  return { size: `${size}×${size}`, hostMs: Math.round(medianOf(milliseconds) * 10) / 10, dispatches: dispatches / runs, reads: reads / runs };
}
