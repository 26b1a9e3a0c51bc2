/**
 * `npm run check:gpu`: is the WebGPU engine correct on this machine's GPU? Prints JSON; exit 0 only if
 * every check passes (1 when something differs, 2 when there is no adapter to check).
 *
 * 1. Every TensorFlow.js op the objective uses, forward and gradient, at several sizes and channel
 *    counts, on inputs like the objective's (pooling sees ReLU outputs): WebGPU against TensorFlow.js's
 *    cpu backend (plain JavaScript, the reference), max error ≤ 1e-3 of the largest value (1e-2 for
 *    sums over millions of values, where float32 summation order alone moves the result).
 *    Also the fast network's layers as training's tape differentiates them (section 6): each kind of
 *    convolution with its filter's and input's gradients, instance norm with ReLU and its gradient
 *    (the filter gradients skipped on wasm, which has no kernel for them).
 * 2. The whole objective (loss terms and gradient to the image) on WebGPU against onnxruntime, with
 *    the cross-check's gradient tolerances (test/engine/onnx.test.ts: gradient norm within 1e-4,
 *    cosine ≥ 0.9999) and loss terms within 1e-3: the wasm backend itself differs from onnxruntime
 *    by 1.8e-4 on the Gatys set at 64 px (the cross-check's 1e-4 holds at its 32 px).
 * 3. Where the objective differs, the same objective again under each of TensorFlow.js WebGPU's
 *    alternative kernels (separate im2col, other matmul programs), to name the
 *    kernel that is wrong.
 * 4. onnxruntime's own WebGPU execution provider (Dawn is built into onnxruntime-node 1.30): the CPU
 *    engine's graph (without its Winograd rewrite) on the GPU against the CPU engine, with the same
 *    tolerances, and one evaluation's time on each. Reported apart (`onnxWebGpu`, not in `ok`): the
 *    engine's GPU path is TensorFlow.js; this says whether onnxruntime's would be a correct, faster one.
 *    The same for a fast network (wave, from IMPASTO_FAST_WEIGHTS_DIR) at 512 and 1024 px.
 * 5. L-BFGS with all its vectors on the device (`tf-lbfgs.ts`, the engine's from 20,000 pixels): ten
 *    iterations on a bounded quadratic the size of a 512-px picture, against the same on arrays on
 *    the CPU: the loss never rising, and within 2% of the arrays' after ten iterations (as a whole
 *    job is tested). Not closer: the device sums in float32, and where the line search interpolates
 *    along a nearly straight stretch, a slope 1e-5 apart picks another step (on wasm, whose sums
 *    run in order, the losses part by up to a third in between and meet again).
 *
 * 6. Training a fast network on TensorFlow.js (`train/tfjs-training.ts`, the GPU's training engine):
 *    one batch's loss and its gradient with respect to the network's 1.7 million parameters (2 crops
 *    of 64 px, the real layers' training selection) against onnxruntime's training on the CPU, with
 *    the objective's tolerances (loss terms within 1e-3, cosine ≥ 0.9999, distance ≤ 1e-2); and the
 *    median time of one batch of 4 crops at 256 px (the default step, without Adam). With
 *    `--backend=wasm` it runs on the cpu backend at 16 px (wasm has no filter-gradient kernel).
 *
 *   IMPASTO_WEIGHTS_DIR=… npm run check:gpu -- [--sizes=64,256,512] [--backend=webgpu] [--onnx-webgpu=skip] [--software]
 *
 * `--backend=wasm` checks the check itself on a machine without a GPU (wasm against the same references).
 * `--software` accepts a software adapter (Mesa's lavapipe, 24 or later): WebGPU's kernels (and
 * onnxruntime's WebGPU provider's) then run for real on the CPU, so every comparison holds as on a
 * GPU, but no time is measured.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The pooling gradients are checked through `tf.grad`: the union package registers the gradients.
import '@tensorflow/tfjs';
import { GATYS_LAYERS, SHALLOW_LAYERS, type LayerSelection } from '../src/engine/layers.ts';
import { createTotalVariationTerm, sumOfProducts } from '../src/engine/losses.ts';
import { loadFastNetwork, locateFastWeights, runFastNetwork, type FastNetwork } from '../src/engine/fast/network.ts';
import { arrayWeightsOf, createOnnxObjective } from '../src/engine/onnx/objective.ts';
import { webGpuProviderProblem } from '../src/engine/onnx/sessions.ts';
import { loadOnnxRuntime } from '../src/engine/onnx/runtime.ts';
import { createLbfgs } from '../src/engine/optimizers/lbfgs.ts';
import { dot, type Evaluation } from '../src/engine/optimizers/objective.ts';
import { gaussianNoise } from '../src/engine/random.ts';
import { createTfObjective, type NetworkInput } from '../src/engine/tf-objective.ts';
import { separableQuadratic } from '../src/engine/quadratic.ts';
import { createDeviceLbfgs } from '../src/engine/tf-lbfgs.ts';
import { createFeatureNetwork, PIXEL_BOUNDS } from '../src/engine/vgg.ts';
import { parameterLayoutOf, readFastManifest } from '../src/engine/fast/manifest.ts';
import type { RgbImage } from '../src/engine/image.ts';
import { weightsForStrength } from '../src/engine/options.ts';
import { onnxTrainingEngine } from '../src/engine/train/onnx-training.ts';
import { tfjsTrainingEngine } from '../src/engine/train/tfjs-training.ts';
import { initialParameters } from '../src/engine/train/trainer.ts';
import type { BatchSpec, TrainingEngine } from '../src/engine/train/training-engine.ts';
import { loadVggWeights, locateWeights, withStandInLayers } from '../src/engine/weights.ts';
import { describeAdapter, probeWebGpu, type GpuAdapterInfo } from '../src/engine/webgpu.ts';
import { firstLineOf } from '../src/error-message.ts';

// Its telemetry off, as everywhere in impasto (runtime.ts).
const ort = await loadOnnxRuntime();
const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
const sizes = (args.get('sizes') ?? '64,256,512').split(',').map(Number);
const target = (args.get('backend') ?? 'webgpu') as 'webgpu' | 'wasm';
const software = args.has('software');

let adapter: GpuAdapterInfo | undefined;
if (target === 'webgpu') {
  const probe = await probeWebGpu({ software });
  if (!probe.found) {
    console.log(JSON.stringify({ ok: false, adapter: null, reason: probe.reason }, null, 2));
    process.exit(2);
  }
  adapter = probe.adapter;
  await import('@tensorflow/tfjs-backend-webgpu');
} else {
  await import('@tensorflow/tfjs-backend-wasm');
}
if (!(await tf.setBackend(target))) {
  console.log(JSON.stringify({ ok: false, adapter: adapter ? describeAdapter(adapter) : null, reason: `the ${target} backend did not start` }, null, 2));
  process.exit(2);
}

/** Median seconds of three runs of `run` (after a first one elsewhere, which builds its session). */
async function medianSecondsOf(run: () => Promise<unknown>): Promise<number> {
  const seconds: number[] = [];
  for (let index = 0; index < 3; index++) {
    const started = performance.now();
    await run();
    seconds.push((performance.now() - started) / 1000);
  }
  return Number(seconds.sort((a, b) => a - b)[1]!.toFixed(3));
}

/** Runs `compute` on a backend and returns its output's values. */
async function valuesOn(backend: string, compute: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const output = tf.tidy(compute);
  const values = (await output.data()) as Float32Array;
  output.dispose();
  return values;
}

function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  let scale = 0;
  for (const value of expected) scale = Math.max(scale, Math.abs(value));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return scale === 0 ? worst : worst / scale;
}

/** Deterministic inputs, made once as plain arrays so both backends see the same numbers. */
function random(shape: number[], seed: number, std = 1): { shape: number[]; values: Float32Array } {
  return { shape, values: gaussianNoise(shape.reduce((a, b) => a * b, 1), std, seed) };
}
const tensor = ({ shape, values }: { shape: number[]; values: Float32Array }) => tf.tensor(values, shape);

interface OpCase {
  readonly op: string;
  readonly shape: string;
  readonly compute: () => tf.Tensor;
  /** Sums over millions of float32 values: the order of summation alone moves them by ~1e-3. */
  readonly reduction?: boolean;
  /** A convolution's filter gradient, which training's tape takes (section 6) and wasm lacks. */
  readonly filterGradient?: boolean;
}

const cases: OpCase[] = [];
for (const [size, cin, cout] of [[64, 3, 64], [256, 3, 64], [64, 64, 64], [256, 64, 64], [64, 64, 128], [32, 128, 256], [32, 256, 256], [16, 256, 512]] as const) {
  const x = random([1, size, size, cin], 1);
  const w = random([3, 3, cin, cout], 2, Math.sqrt(2 / (9 * cin)));
  const upstream = random([1, size, size, cout], 3);
  const shape = `${size}²×${cin}→${cout}`;
  cases.push({ op: 'conv2d', shape, compute: () => tf.conv2d(tensor(x) as tf.Tensor4D, tensor(w) as tf.Tensor4D, 1, 'same') });
  const bias = random([cout], 7);
  // The network's forward pass: convolution, bias and ReLU in one kernel (its backward pass is plain conv2d).
  cases.push({ op: 'fused conv2d (bias, ReLU)', shape, compute: () => tf.fused.conv2d({ x: tensor(x) as tf.Tensor4D, filter: tensor(w) as tf.Tensor4D, bias: tensor(bias), strides: 1, pad: 'same', activation: 'relu' }) });
  cases.push({ op: 'ReLU mask', shape, compute: () => tf.mul(tensor(upstream), tf.step(tensor(upstream))) });
}
for (const [size, channels] of [[64, 64], [256, 64], [32, 256]] as const) {
  const x = random([1, size, size, channels], 4);
  // Pooling follows a ReLU in VGG: its windows are never all negative (tfjs-backend-wasm's max-pool
  // gradient drops such windows, which is harmless there but would blur this comparison).
  const activations = { shape: x.shape, values: x.values.map(Math.abs) };
  const upstream = random([1, size / 2, size / 2, channels], 5);
  const shape = `${size}²×${channels}`;
  cases.push({ op: 'maxPool', shape, compute: () => tf.maxPool(tensor(activations) as tf.Tensor4D, 2, 2, 'valid') });
  cases.push({ op: 'maxPool gradient', shape, compute: () => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid'), tensor(upstream))))(tensor(activations) as tf.Tensor4D) });
  cases.push({ op: 'avgPool', shape, compute: () => tf.avgPool(tensor(activations) as tf.Tensor4D, 2, 2, 'valid') });
  cases.push({ op: 'avgPool gradient', shape, compute: () => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(input as tf.Tensor4D, 2, 2, 'valid'), tensor(upstream))))(tensor(activations) as tf.Tensor4D) });
  // The Gram matrix and its gradient: features [positions, channels], Fᵀ F / positions.
  const features = random([size * size, channels], 6);
  cases.push({ op: 'gram', shape, compute: () => tf.div(tf.matMul(tensor(features) as tf.Tensor2D, tensor(features) as tf.Tensor2D, true, false), size * size) });
  // The style term's gradient: the tall feature matrix times the (symmetric) Gram difference.
  const difference = random([channels, channels], 8);
  cases.push({ op: 'gram gradient', shape, compute: () => tf.matMul(tensor(features) as tf.Tensor2D, tf.add(tensor(difference), tf.transpose(tensor(difference))) as tf.Tensor2D) });
  // Total variation is taken of the picture: three channels.
  const picture = random([1, size, size, 3], 9);
  cases.push({ op: 'total variation gradient', shape: `${size}²×3`, compute: () => createTotalVariationTerm(1).evaluate(tensor(picture) as tf.Tensor4D).gradient });
  // As the loss terms sum their squares: one 1×n by n×1 product.
  cases.push({ op: 'sum of squares', shape, compute: () => sumOfProducts(tensor(x), tensor(x)), reduction: true });
  cases.push({ op: 'mean', shape, compute: () => tf.mean(tensor(x)), reduction: true });
}

// The fast network's layers as training's tape differentiates them (`train/tfjs-training.ts`), at
// 64-px crops, 2 at a time: each kind of convolution forward, with its filter's and its input's gradients,
// and instance norm with ReLU.
for (const [kind, size, cin, cout, k, stride] of [['conv', 64, 3, 32, 9, 1], ['conv', 64, 32, 64, 3, 2], ['conv', 16, 128, 128, 3, 1], ['transposed', 16, 128, 64, 3, 2], ['conv', 64, 32, 3, 9, 1]] as const) {
  const outSize = kind === 'conv' ? size / stride : size * stride;
  const x = random([2, size, size, cin], 11);
  const w = random(kind === 'conv' ? [k, k, cin, cout] : [k, k, cout, cin], 12, Math.sqrt(2 / (k * k * cin)));
  const upstream = random([2, outSize, outSize, cout], 13);
  const layer = (input: tf.Tensor, filter: tf.Tensor) =>
    kind === 'conv' ? tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, stride, 'same') : tf.conv2dTranspose(input as tf.Tensor4D, filter as tf.Tensor4D, [2, outSize, outSize, cout], stride, 'same');
  const shape = `2×${size}²×${cin}→${cout}, ${k}×${k}${stride > 1 ? `, stride ${stride}` : ''}`;
  const name = kind === 'conv' ? 'network conv2d' : 'network conv2dTranspose';
  cases.push({ op: name, shape, compute: () => layer(tensor(x), tensor(w)) });
  cases.push({ op: `${name} filter gradient`, shape, compute: () => tf.grad((filter: tf.Tensor) => tf.sum(tf.mul(layer(tensor(x), filter), tensor(upstream))))(tensor(w)), filterGradient: true });
  cases.push({ op: `${name} input gradient`, shape, compute: () => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer(input, tensor(w)), tensor(upstream))))(tensor(x)) });
}
{
  const x = random([2, 32, 32, 64], 14);
  const upstream = random([2, 32, 32, 64], 15);
  const instanceNorm = (input: tf.Tensor) => {
    const { mean, variance } = tf.moments(input, [1, 2], true);
    return tf.relu(tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, 1e-3))));
  };
  cases.push({ op: 'network instance norm and ReLU', shape: '2×32²×64', compute: () => instanceNorm(tensor(x)) });
  cases.push({ op: 'network instance norm and ReLU gradient', shape: '2×32²×64', compute: () => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(instanceNorm(input), tensor(upstream))))(tensor(x)) });
}

const ops = [];
for (const { op, shape, compute, reduction, filterGradient } of cases) {
  const expected = await valuesOn('cpu', compute);
  if (filterGradient && target === 'wasm') {
    ops.push({ op, shape, skipped: 'wasm has no filter-gradient kernel (it does not train)', ok: true });
    continue;
  }
  const actual = await valuesOn(target, compute);
  const error = maxRelativeError(actual, expected);
  ops.push({ op, shape, maxRelativeError: Number(error.toExponential(2)), ok: error <= (reduction ? 1e-2 : 1e-3) });
}

// The whole objective, on the real weights (and seeded stand-ins for blocks 4–5 where they are missing).
const loaded = await loadVggWeights(await locateWeights({ explicitDir: process.env.IMPASTO_WEIGHTS_DIR, download: false }));
const real = new Set(loaded.keys());
const weights = withStandInLayers(loaded, 0.01);
const arrays = await arrayWeightsOf(weights);
const layerSets: Record<string, LayerSelection> = { shallow: SHALLOW_LAYERS, gatys: GATYS_LAYERS };

/** The same seeded picture, painting and current image for every engine compared at `size`. */
function objectiveInputs(size: number, layers: LayerSelection) {
  const input = (seed: number): NetworkInput => ({ x: gaussianNoise(size * size * 3, 40, seed), width: size, height: size });
  const [content, style] = [input(11), input(12)];
  const termWeights = { content: 1e5, style: 3e4, tv: 1 };
  return { spec: { layers, content, styles: [{ input: style, weight: 1 }], weights: termWeights, normalise: false }, x: gaussianNoise(size * size * 3, 40, 13) };
}

async function compareObjective(size: number, layers: LayerSelection) {
  const { spec, x } = objectiveInputs(size, layers);
  const onnx = await createOnnxObjective({ ...spec, ort, vgg: arrays, pooling: 'max' });
  const reference = await onnx.evaluate(x).finally(() => onnx.dispose());
  await tf.setBackend(target);
  const network = createFeatureNetwork(weights, 'max');
  const objective = await createTfObjective({ ...spec, network });
  const actual = await objective.evaluate(x);
  objective.dispose();
  network.dispose();
  return agreementOf(actual, reference);
}

/** How far an evaluation is from the reference's: loss terms within 1e-3, the gradient as in the cross-check. */
function agreementOf(actual: Evaluation, reference: Evaluation) {
  const norm = (v: Float32Array) => Math.sqrt(dot(v, v));
  const terms = Object.fromEntries((['content', 'style', 'tv', 'total'] as const).map((term) => [term, Math.abs(actual.terms[term] - reference.terms[term]) / Math.abs(reference.terms[term])]));
  const gradientNorm = Math.abs(norm(actual.gradient) - norm(reference.gradient)) / norm(reference.gradient);
  const cosine = dot(actual.gradient, reference.gradient) / (norm(actual.gradient) * norm(reference.gradient));
  const ok = Object.values(terms).every((error) => error <= 1e-3) && gradientNorm <= 1e-4 && cosine >= 0.9999;
  return { terms: Object.fromEntries(Object.entries(terms).map(([term, error]) => [term, Number(error.toExponential(2))])), gradientNorm: Number(gradientNorm.toExponential(2)), cosine: Number(cosine.toFixed(6)), ok };
}

const objective = [];
for (const size of sizes) {
  for (const [name, layers] of Object.entries(layerSets)) {
    try {
      objective.push({ size, layers: name, ...(await compareObjective(size, layers)) });
    } catch (error) {
      objective.push({ size, layers: name, ok: false, error: firstLineOf(error) });
    }
    // As each ends, on stderr: a run stopped at a time limit still says what it found.
    console.error(`objective: ${JSON.stringify(objective.at(-1))}`);
  }
}

// Where the objective differs: which of the backend's alternative kernels makes it agree.
// (Not WEBGPU_USE_NAIVE_CONV2D_DEBUG: its shader does not compile in tfjs-backend-webgpu 4.22, seen on an H200.)
const ALTERNATIVES: Record<string, unknown>[] = [{ WEBGPU_CONV_SEPARATE_IM2COL_SHADER: true }, { WEBGPU_MATMUL_PROGRAM_TYPE: 0 }, { WEBGPU_MATMUL_PROGRAM_TYPE: 1 }, { WEBGPU_MATMUL_PROGRAM_TYPE: 2 }];
const bisect = [];
// At the smallest size that differs, up to 1024 px: each alternative costs an onnxruntime reference
// there, and past about 1448 px the objective runs in bands (gpu-passes.ts), where the alternative
// kernels' own limits (im2col's buffers) fail first.
const failing = objective.filter((entry) => !entry.ok && !('error' in entry) && entry.size <= 1024).sort((a, b) => a.size - b.size);
if (failing.length > 0 && target === 'webgpu') {
  const { size, layers } = failing[0]!;
  for (const flags of ALTERNATIVES) {
    const saved = Object.fromEntries(Object.keys(flags).map((flag) => [flag, tf.env().get(flag)]));
    try {
      for (const [flag, value] of Object.entries(flags)) tf.env().set(flag, value as number | boolean);
      bisect.push({ flags, size, layers, ...(await compareObjective(size, layerSets[layers]!)) });
    } catch (error) {
      bisect.push({ flags, size, layers, ok: false, error: firstLineOf(error) });
    } finally {
      for (const [flag, value] of Object.entries(saved)) tf.env().set(flag, value as number | boolean);
    }
  }
}

async function checkOnnxWebGpu() {
  const unavailable = await webGpuProviderProblem(ort);
  if (unavailable) return { available: false, reason: unavailable };
  const results = [];
  for (const size of sizes) {
    for (const [name, layers] of Object.entries(layerSets)) {
      try {
        const { spec, x } = objectiveInputs(size, layers);
        // Each objective holds a leased loss graph (with its arena) until disposed.
        const cpu = await createOnnxObjective({ ...spec, ort, vgg: arrays, pooling: 'max' });
        try {
          const gpu = await createOnnxObjective({ ...spec, ort, vgg: arrays, pooling: 'max', device: 'webgpu' });
          try {
            const agreement = agreementOf(await gpu.evaluate(x), await cpu.evaluate(x));
            results.push({ size, layers: name, ...agreement, ...(software ? {} : { secondsPerEvaluation: { webgpu: await medianSecondsOf(() => gpu.evaluate(x)), cpu: await medianSecondsOf(() => cpu.evaluate(x)) } }) });
          } finally {
            gpu.dispose();
          }
        } finally {
          cpu.dispose();
        }
      } catch (error) {
        results.push({ size, layers: name, ok: false, error: firstLineOf(error) });
      }
    }
  }
  const fast = await checkFastNetworkOnWebGpu();
  return { available: true, ok: results.every((entry) => entry.ok) && fast.every((entry) => entry.ok), objective: results, fast };
}

/**
 * A fast network (wave) on onnxruntime's WebGPU provider against its CPU engine, on a smooth
 * synthetic picture: the issue's criterion for the networks, within one grey level on average.
 */
async function checkFastNetworkOnWebGpu() {
  const results = [];
  let network: FastNetwork;
  try {
    network = await loadFastNetwork(locateFastWeights(process.env.IMPASTO_FAST_WEIGHTS_DIR), 'wave');
  } catch (error) {
    return [{ ok: false, error: firstLineOf(error) }];
  }
  // On a software adapter only the smaller picture: its time would say nothing of a GPU's.
  for (const [width, height] of software ? ([[512, 384]] as const) : ([[512, 384], [1024, 768]] as const)) {
    try {
      const image = smoothPicture(width, height);
      const { data } = image;
      const paint = (device: 'cpu' | 'webgpu') => runFastNetwork(ort, network, image, { device });
      const [expected, actual] = [await paint('cpu'), await paint('webgpu')];
      let [sum, largest] = [0, 0];
      for (let i = 0; i < data.length; i++) {
        const difference = Math.abs(actual.data[i]! - expected.data[i]!);
        sum += difference;
        largest = Math.max(largest, difference);
      }
      const meanGreyLevels = sum / data.length;
      const seconds = software ? {} : { seconds: { webgpu: await medianSecondsOf(() => paint('webgpu')), cpu: await medianSecondsOf(() => paint('cpu')) } };
      results.push({ network: 'wave', size: `${width}×${height}`, meanGreyLevels: Number(meanGreyLevels.toFixed(4)), maxGreyLevels: largest, ok: meanGreyLevels <= 1, ...seconds });
    } catch (error) {
      results.push({ network: 'wave', size: `${width}×${height}`, ok: false, error: firstLineOf(error) });
    }
  }
  return results;
}
const onnxWebGpu = args.get('onnx-webgpu') === 'skip' ? { skipped: true } : await checkOnnxWebGpu();

/** Ten L-BFGS iterations with the vectors on the device against the same on arrays (see 5. above). */
async function checkDeviceLbfgs() {
  await tf.setBackend(target);
  const length = 512 * 512 * 3;
  const [curvature, minimum, start] = [gaussianNoise(length, 1, 21).map((value) => Math.exp(-3 * Math.abs(value))), gaussianNoise(length, 150, 22), gaussianNoise(length, 40, 23)];
  const [onArrays, onDevice] = [separableQuadratic(curvature, minimum), separableQuadratic(curvature, minimum)];
  const [xArrays, xDevice] = [Float32Array.from(start), Float32Array.from(start)];
  const options = { historySize: 20, bounds: PIXEL_BOUNDS };
  const arrays = createLbfgs(onArrays, xArrays, options);
  const device = createDeviceLbfgs(onDevice, xDevice, options);
  try {
    const onCpu: number[] = [];
    const onGpu: number[] = [];
    for (let step = 0; step < 10; step++) {
      onCpu.push((await arrays.step()).terms.total);
      onGpu.push((await device.step()).terms.total);
    }
    const difference = Math.abs(onGpu.at(-1)! - onCpu.at(-1)!) / onCpu.at(-1)!;
    const descends = onGpu.every((loss, step) => step === 0 || loss <= onGpu[step - 1]!);
    return { size: '512×512', iterations: 10, finalLossDifference: Number(difference.toExponential(2)), descends, ok: descends && difference <= 0.02 };
  } catch (error) {
    return { size: '512×512', ok: false, error: firstLineOf(error) };
  } finally {
    device.dispose();
    onDevice.dispose();
  }
}
const deviceLbfgs = await checkDeviceLbfgs();

/** One training batch on TensorFlow.js against onnxruntime's (see 6. above), and its time at the default size. */
async function checkTraining() {
  const backend = target === 'webgpu' ? 'webgpu' : 'cpu';
  const size = target === 'webgpu' ? 64 : 16;
  const layout = parameterLayoutOf(readFastManifest().layers);
  const strength = weightsForStrength(7);
  const specAt = (crop: number, batch: number): BatchSpec => ({
    layout,
    batch,
    size: crop,
    painting: smoothPicture(96, 64, 31),
    layers: { content: ['conv2_2'], style: ['conv1_1', 'conv2_1', 'conv3_1'] },
    weights: { content: strength.content, style: strength.style, tv: strength.tv / (3 * crop * crop) },
  });
  const cropsOf = (crop: number, batch: number) => Array.from({ length: batch }, (_, index) => smoothPicture(crop, crop, 40 + index));
  const parameters = initialParameters(layout, 3);
  try {
    await tf.setBackend(backend);
    const onDevice = tfjsTrainingEngine(createFeatureNetwork(loaded, 'max'), backend);
    const onCpu = onnxTrainingEngine(ort, arrays);
    const evaluateOn = async (engine: TrainingEngine, spec: BatchSpec, crops: RgbImage[]) => {
      const loss = await engine.prepareBatches(spec);
      try {
        return await loss.evaluate(parameters, crops);
      } finally {
        loss.dispose();
      }
    };
    const [expected, actual] = [await evaluateOn(onCpu, specAt(size, 2), cropsOf(size, 2)), await evaluateOn(onDevice, specAt(size, 2), cropsOf(size, 2))];
    const terms = Math.max(...(['content', 'style', 'tv', 'total'] as const).map((key) => Math.abs(actual.terms[key] - expected.terms[key]) / Math.abs(expected.terms[key])));
    const cosine = dot(actual.gradient, expected.gradient) / Math.sqrt(dot(actual.gradient, actual.gradient) * dot(expected.gradient, expected.gradient));
    const difference = Float32Array.from(actual.gradient, (value, index) => value - expected.gradient[index]!);
    const distance = Math.sqrt(dot(difference, difference) / dot(expected.gradient, expected.gradient));
    const ok = terms <= 1e-3 && cosine >= 0.9999 && distance <= 1e-2;
    let stepSeconds: number | undefined;
    // A software adapter's times say nothing of a GPU's, and a batch at 256 px takes minutes there.
    if (target === 'webgpu' && !software) {
      const loss = await onDevice.prepareBatches(specAt(256, 4));
      const crops = cropsOf(256, 4);
      await loss.evaluate(parameters, crops);
      stepSeconds = await medianSecondsOf(() => loss.evaluate(parameters, crops));
      loss.dispose();
    }
    return { backend, crops: `2 × ${size}²`, termsDifference: Number(terms.toExponential(2)), cosine: Number(cosine.toFixed(6)), distance: Number(distance.toExponential(2)), ok, ...(stepSeconds === undefined ? {} : { secondsPerBatchOf4At256: stepSeconds }) };
  } catch (error) {
    return { backend, ok: false, error: firstLineOf(error) };
  } finally {
    await tf.setBackend(target);
  }
}

/** A smooth, deterministic picture (no file needed): waves per channel, which `seed` shifts. */
function smoothPicture(width: number, height: number, seed = 0): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(127.5 + 127.5 * Math.sin((i / 3 + 37 * seed) / (7 + (i % 3))) * Math.cos((Math.floor(i / 3 / width) + 11 * seed) / 29));
  return { width, height, data };
}
const training = await checkTraining();

const ok = ops.every((entry) => entry.ok) && objective.every((entry) => entry.ok) && deviceLbfgs.ok && training.ok;
console.log(JSON.stringify({ ok, backend: target, adapter: adapter ? describeAdapter(adapter) : null, limits: adapter?.limits, realLayers: [...real], ops, objective, bisect, onnxWebGpu, deviceLbfgs, training }, null, 2));
process.exit(ok ? 0 : 1);
