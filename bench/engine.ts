/**
 * `npm run bench`: how fast the engine is on this machine. Not a test: it prints figures.
 *
 * For each configuration: median seconds per evaluation (forward + gradient to the image, which is
 * what one Adam iteration costs and what an L-BFGS iteration costs in most steps), after a warm-up,
 * the achieved GFLOP/s (convolutions and Gram products, forward and backward), and peak RSS; then
 * the wall time of one whole default job (decode, optimise, PNG and GIF; where the weights stop at
 * block 3, again with stand-ins for blocks 4–5, as a user with the full set waits), and of the fast method
 * (feed-forward networks) at 512 and 1024 px, as tables and as JSON.
 *
 * Both objective engines run side by side: TensorFlow.js on the chosen backend, and onnxruntime
 * (one native graph per evaluation). `--engines=onnx` or `--engines=tfjs` runs one, and
 * `--engines=onnx-webgpu` onnxruntime's graphs on its WebGPU provider (with IMPASTO_ENGINE=onnx-webgpu
 * the GPU section's jobs run on it too);
 * `--sections=fast` (any of evaluations, job, gpu, kernels, gpu-host, optimizer, fast, segmentation, uploads) runs only those parts.
 * `kernels` (on a GPU backend): an evaluation's wall time against its kernels' GPU time, by program (bench/kernel-times.ts),
 * at `--kernel-sizes` (128,181,256,512,1024: the scales of a 512- and a 1024-px job).
 * `--software` (with IMPASTO_BACKEND=webgpu) accepts a software adapter such as Mesa's lavapipe: for
 * trying a GPU section's code on a machine without a GPU; its figures are the CPU's, not a GPU's.
 * `gpu-host` needs no GPU: what an evaluation costs the CPU on WebGPU, on Dawn's null adapter (bench/gpu-host.ts).
 *
 * "gatys" runs VGG-19 to conv5_1 (content conv4_2) as in the paper and as the reference figures in
 * the issues were measured; where the weights for blocks 4–5 are missing (the shared partial set),
 * random stand-ins of the right shape are used: speed does not depend on the values.
 */
import './huge-pages.ts';
import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadEngineEnvironment } from '../src/bot/config.ts';
import * as tf from '@tensorflow/tfjs-core';
import { measureFlagVariants, measureKernelTimes } from './kernel-times.ts';
import { medianOf } from './median.ts';
import { backendEnvironment, chooseBackend, isGpuBackend } from '../src/engine/backend.ts';
import { chooseObjectiveEngine, createEngineFromWeights, type LbfgsPlacement } from '../src/engine/engine.ts';
import { arrayWeightsOf, createOnnxObjective } from '../src/engine/onnx/objective.ts';
import type { OnnxDevice } from '../src/engine/onnx/sessions.ts';
import { encodeGif } from '../src/engine/gif.ts';
import { fastMethod } from '../src/engine/methods/fast.ts';
import { MAX_PIXELS_PER_PASS } from '../src/engine/fast/network.ts';
import { loadPersonSegmenter } from '../src/engine/segmentation/person.ts';
import { hasSegmentationModel } from '../src/engine/segmentation/weights.ts';
import { decodeImage, encodePng, resizeExactly, resizeToLongSide, type RgbImage } from '../src/engine/image.ts';
import { GATYS_LAYERS, SHALLOW_LAYERS, selectLayers, type LayerSelection } from '../src/engine/layers.ts';
import { createLbfgs, createTwoLoopInverseHessian, type InverseHessian } from '../src/engine/optimizers/lbfgs.ts';
import { STYLIZE_OPTIONS } from '../src/engine/options.ts';
import { separableQuadratic } from '../src/engine/quadratic.ts';
import { createRandom } from '../src/engine/random.ts';
import { createTfInverseHessian } from '../src/engine/tf-inverse-hessian.ts';
import { createTfObjective } from '../src/engine/tf-objective.ts';
import { createFeatureNetwork, layerResolution, PIXEL_BOUNDS, rgbToVggInput, VGG19_CHANNELS, VGG19_LAYERS } from '../src/engine/vgg.ts';
import { firstLineOf } from '../src/error-message.ts';
import { loadVggWeights, locateWeights, withStandInLayers } from '../src/engine/weights.ts';

const env = loadEngineEnvironment();
const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
const sizes = (args.get('sizes') ?? '256').split(',').map(Number);
const runs = Number(args.get('runs') ?? 5);
const sections = new Set((args.get('sections') ?? 'evaluations,job,gpu,kernels,gpu-host,optimizer,fast,segmentation,uploads').split(','));
const sharedImages = process.env.IMPASTO_SHARED_DIR ? join(process.env.IMPASTO_SHARED_DIR, 'images') : join('..', 'shared', 'images');

const choice = await chooseBackend(env.IMPASTO_BACKEND, backendEnvironment({ software: args.has('software') }));
const { ort } = await chooseObjectiveEngine(env.IMPASTO_ENGINE === 'tfjs' ? 'tfjs' : 'onnx', choice.name).catch(() => ({ ort: undefined }));
// `onnx-webgpu`: onnxruntime's graphs on its WebGPU provider (where a GPU adapter exists).
const engineKinds = (args.get('engines') ?? (ort ? 'tfjs,onnx' : 'tfjs')).split(',') as ('tfjs' | 'onnx' | 'onnx-webgpu')[];
const onnxDeviceOf = (engineKind: string): OnnxDevice => (engineKind === 'onnx-webgpu' ? 'webgpu' : 'cpu');
const realWeights = await loadVggWeights(await locateWeights({ explicitDir: env.IMPASTO_WEIGHTS_DIR, download: { baseUrl: env.IMPASTO_WEIGHTS_URL } }));
const weights = withStandInLayers(realWeights);
const inChannelsOf = (index: number) => (index === 0 ? 3 : VGG19_CHANNELS[index - 1]!);

const arrayWeights = ort ? await arrayWeightsOf(weights) : undefined;
const content = await decodeImage(await readFile(join(sharedImages, 'content_tubingen.jpg')));
const style = await decodeImage(await readFile(join(sharedImages, 'style_starry_night.jpg')));

interface Row {
  engine: string;
  configuration: string;
  size: string;
  secondsPerEvaluation: number;
  gflops: number;
  gflopPerSecond: number;
}
const rows: Row[] = [];
const presets: [string, LayerSelection][] = [
  ['gatys (to conv5_1)', GATYS_LAYERS],
  [`shallow (to conv3_2)`, SHALLOW_LAYERS],
];
for (const size of sections.has('evaluations') ? sizes : []) {
  const image = await resizeExactly(content, size, size);
  const styleImage = await resizeExactly(style, size, size);
  for (const [name, layers] of presets) for (const engineKind of engineKinds) {
    const network = createFeatureNetwork(weights, 'max');
    const spec = objectiveSpecOf(image, styleImage, layers);
    const objective =
      engineKind !== 'tfjs'
        ? await createOnnxObjective({ ...spec, ort: ort!, vgg: arrayWeights!, pooling: 'max', device: onnxDeviceOf(engineKind) })
        : await createTfObjective({ ...spec, network });
    const x = rgbToVggInput(image);
    await objective.evaluate(x); // warm-up: kernel compilation, memory growth
    const seconds: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await objective.evaluate(x);
      seconds.push((performance.now() - start) / 1000);
    }
    objective.dispose();
    network.dispose();
    const median = medianOf(seconds);
    const gflops = evaluationFlops(size, layers) / 1e9;
    rows.push({
      engine: engineKind === 'tfjs' ? `tfjs ${choice.name}` : engineKind === 'onnx' ? 'onnxruntime (CPU)' : 'onnxruntime (WebGPU)',
      configuration: name,
      size: `${size}×${size}`,
      secondsPerEvaluation: round(median, 3),
      gflops: round(gflops, 1),
      gflopPerSecond: round(gflops / median, 1),
    });
  }
}

// One whole default job, as a chat user would get it, per engine: on the weights found, and where
// those lack blocks 4–5 (the shared partial set), again with stand-ins for them, as the time (not
// the picture) of a user who downloaded the full set, whose jobs use Gatys' deeper layers.
const defaultJobs = [];
const jobWeights = [{ label: 'as found', set: realWeights }, ...(realWeights.size < VGG19_LAYERS.length ? [{ label: 'full set (stand-ins for blocks 4–5)', set: weights }] : [])];
for (const engineKind of sections.has('job') ? engineKinds : []) for (const { label, set } of jobWeights) {
  if (engineKind === 'tfjs' && (choice.name === 'wasm' || choice.name === 'cpu')) {
    // The wasm heap (4 GB at most) cannot hold a 1024-px optimisation: it aborts inside a conv.
    console.log(`default job on tfjs ${choice.name}: skipped (a 1024-px job does not fit in its memory)`);
    break;
  }
  const engine = createEngineFromWeights(choice, set, engineKind === 'tfjs' ? undefined : ort, onnxDeviceOf(engineKind));
  const jobStart = performance.now();
  const result = await engine.stylize({ content, style });
  await encodePng(result.image);
  await encodeGif(result.frames);
  defaultJobs.push({
    engine: engine.objectiveEngine,
    weights: label,
    layers: `content ${result.layers.content.join(',')}; style ${result.layers.style.join(',')}`,
    size: `${result.image.width}×${result.image.height}`,
    iterations: result.iterations,
    evaluations: result.evaluations,
    scales: result.scales.map((scale) => `${scale.size}:${scale.iterations}`).join(' '),
    wallSeconds: round((performance.now() - jobStart) / 1000, 1),
  });
}

// Where a GPU evaluation's time goes, at the scales a 512-px and a 1024-px job run at: its wall
// time against its kernels' GPU time, and the programs that take most (bench/kernel-times.ts).
const gpuKernels: unknown[] = [];
if (sections.has('kernels') && isGpuBackend(choice.name)) {
  const network = createFeatureNetwork(realWeights, 'max');
  const layers = selectLayers(network.availableLayers);
  for (const size of (args.get('kernel-sizes') ?? '128,181,256,512,1024').split(',').map(Number)) {
    const spec = objectiveSpecOf(await resizeExactly(content, size, size), await resizeExactly(style, size, size), layers);
    const objective = await createTfObjective({ ...spec, network });
    const x = tf.tensor1d(spec.content.x);
    const { top, ...times } = await measureKernelTimes(objective, x, runs);
    // Where most of a job's iterations run (256) and the 512-px job's last scale: the backend's settings.
    const variants = choice.name === 'webgpu' && (size === 256 || size === 512) ? await measureFlagVariants(objective, x, runs) : [];
    x.dispose();
    objective.dispose();
    const row = { size: `${size}×${size}`, ...times, gpuShare: round(times.kernelMs / times.wallMs, 2), top: top.map(({ program, launches, ms }) => `${program} ×${launches}: ${ms} ms`).join('; '), ...(variants.length > 0 ? { variants: variants.map(({ flags, wallMs, lossDifference }) => `${flags}: ${wallMs} ms${lossDifference > 1e-4 ? ` (loss ${lossDifference.toExponential(1)} apart)` : ''}`).join('; ') } : {}) };
    console.log(`gpu kernels: ${JSON.stringify(row)}`); // as each ends: a run stopped at a time limit still reports it
    gpuKernels.push(row);
  }
  network.dispose();
}

// The GPU targets (issue #20): 300 iterations at 512 px under 10 s and at 1024 px under 30 s on an
// H100/H200-class GPU, whole jobs, multi-scale as a user gets it: on TensorFlow.js, or with
// IMPASTO_ENGINE=onnx-webgpu on onnxruntime's WebGPU provider.
const gpuJobs = [];
const gpuObjective = env.IMPASTO_ENGINE === 'onnx-webgpu' && ort ? 'onnxruntime (WebGPU)' : `tfjs ${choice.name}`;
if (sections.has('gpu') && (isGpuBackend(choice.name) || gpuObjective === 'onnxruntime (WebGPU)')) {
  const engine = gpuObjective === 'onnxruntime (WebGPU)' ? createEngineFromWeights(choice, realWeights, ort, 'webgpu') : createEngineFromWeights(choice, realWeights);
  // The first job of a process compiles the GPU's shaders (seconds, once): a short job takes it.
  const warmUpStart = performance.now();
  await engine.stylize({ content, style, options: { size: 1024, iterations: 20 } });
  console.log(`gpu warm-up job (shader compilation, once per process): ${round((performance.now() - warmUpStart) / 1000, 1)} s`);
  // The 512-px job again with L-BFGS's vectors elsewhere: all on the GPU at every scale (the
  // default keeps them there from 20,000 pixels, a 181-px stage, up), only its pairs there, then
  // all in arrays (as before either moved there): what each placement gives.
  const tfjsObjective = gpuObjective !== 'onnxruntime (WebGPU)';
  const placedEngine = (lbfgsVectors: LbfgsPlacement) => createEngineFromWeights(choice, realWeights, undefined, 'cpu', { lbfgsVectors });
  const defaultVectors = tfjsObjective ? 'on the GPU from 181 px (20,000 pixels), only the pairs below' : 'in arrays (onnxruntime)';
  const jobs = [
    { jobEngine: engine, size: 512, targetSeconds: 10, vectors: defaultVectors },
    { jobEngine: engine, size: 1024, targetSeconds: 30, vectors: defaultVectors },
    ...(tfjsObjective
      ? [
          { jobEngine: placedEngine('device'), size: 512, targetSeconds: 10, vectors: 'all on the GPU at every size' },
          { jobEngine: placedEngine('pairs'), size: 512, targetSeconds: 10, vectors: 'pairs on the GPU' },
          { jobEngine: placedEngine('arrays'), size: 512, targetSeconds: 10, vectors: 'in arrays' },
        ]
      : []),
  ];
  for (const { jobEngine, size, targetSeconds, vectors } of jobs) {
    const start = performance.now();
    // Seconds spent at each size, coarse to fine (from the end of one iteration to the next's):
    // where the placements differ, and so where DEVICE_VECTORS_FROM should lie.
    const secondsBySize: Record<string, number> = {};
    let lastProgressMs = 0;
    const onProgress = ({ size: at, elapsedMs }: { size?: number | undefined; elapsedMs: number }) => {
      const key = `${at ?? '?'} px`;
      secondsBySize[key] = round((secondsBySize[key] ?? 0) + (elapsedMs - lastProgressMs) / 1000, 2);
      lastProgressMs = elapsedMs;
    };
    const result = await jobEngine.stylize({ content, style, options: { size, iterations: 300 }, onProgress });
    const job = { objective: gpuObjective, size: `${result.image.width}×${result.image.height}`, iterations: result.iterations, evaluations: result.evaluations, lbfgsVectors: vectors, finalLoss: result.history.at(-1)?.total, wallSeconds: round((performance.now() - start) / 1000, 1), targetSeconds, secondsBySize };
    console.log(`gpu job: ${JSON.stringify(job)}`); // as each ends: a run stopped at a time limit still reports it
    gpuJobs.push(job);
  }
}

/**
 * How to run a script of the bench's in a process of its own: through tsx beside the sources, or
 * as the bundle beside this one where the bench is itself bundled (scripts/gpu/pack.sh bundles
 * them together for a machine without tsx).
 */
function benchScript(name: 'gpu-host' | 'fast-peak'): string[] {
  return import.meta.url.endsWith('.mjs') ? [fileURLToPath(new URL(`${name}.mjs`, import.meta.url))] : ['--import', 'tsx', fileURLToPath(new URL(`${name}.ts`, import.meta.url))];
}

// What a WebGPU evaluation costs the CPU (kernel launches, command recording) on Dawn's null
// adapter, in a process of its own: no GPU needed. At the small scales this bounds a GPU's speed.
const gpuHost: unknown[] = [];
if (sections.has('gpu-host')) {
  // The two smallest scales of a job, where most of its iterations run; L-BFGS's passes with its
  // vectors on the device at the smallest and the 512-px scale (in arrays: the optimizer section's
  // restMs); a training batch of 2 crops at 64 px (the null device's memory holds no larger).
  for (const [part, size] of [['evaluations', 128], ['evaluations', 181], ['lbfgs', 128], ['lbfgs', 181], ['lbfgs-passes', 128], ['lbfgs-passes', 512], ['training', 64]] as const) {
    try {
      const output = execFileSync(process.execPath, [...benchScript('gpu-host'), String(size), String(Math.max(runs, 20)), part], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      gpuHost.push(...(JSON.parse(output.trim().split('\n').at(-1)!) as unknown[]));
    } catch (error) {
      gpuHost.push({ part, size: `${size}×${size}`, error: firstLineOf(error) });
    }
  }
}

// What L-BFGS itself costs per iteration (its two-loop recursion, line search and bounds, in
// JavaScript on the CPU), apart from the evaluations: on a GPU it runs while the GPU waits. A cheap
// ill-conditioned quadratic stands in for the objective (its own time is left out), the history full.
const optimizerSteps = [];
if (sections.has('optimizer')) {
  const historySize = STYLIZE_OPTIONS.historySize.default;
  for (const size of [128, 256, 512]) {
    const random = createRandom(size);
    const n = size * size * 3;
    const curvature = Float32Array.from({ length: n }, () => Math.exp(-12 * random()));
    const minimum = Float32Array.from({ length: n }, () => 200 * random() - 100);
    const quadratic = separableQuadratic(curvature, minimum);
    let evaluationMs = 0;
    const objective = {
      async evaluate(x: Float32Array) {
        const started = performance.now();
        const evaluation = await quadratic.evaluate(x);
        evaluationMs += performance.now() - started;
        return evaluation;
      },
    };
    // On a GPU backend the engine keeps the pairs there (tf-inverse-hessian.ts): both are timed.
    for (const pairsOnDevice of isGpuBackend(choice.name) ? [false, true] : [false]) {
      const inverseHessian = timedInverseHessian(pairsOnDevice ? createTfInverseHessian(historySize, n) : createTwoLoopInverseHessian(historySize));
      const optimizer = createLbfgs(objective, new Float32Array(n), { historySize, bounds: PIXEL_BOUNDS, inverseHessian });
      for (let step = 0; step < historySize; step++) await optimizer.step();
      const [steps, started, evaluatedBefore, inverseBefore] = [2 * historySize, performance.now(), evaluationMs, inverseHessian.ms];
      let evaluations = 0;
      for (let step = 0; step < steps; step++) evaluations += (await optimizer.step()).evaluations;
      const optimizerMs = performance.now() - started - (evaluationMs - evaluatedBefore);
      const inverseMs = inverseHessian.ms - inverseBefore;
      inverseHessian.dispose();
      const optimizerName = `L-BFGS, history ${historySize}, pairs ${pairsOnDevice ? `on ${choice.name}` : 'in arrays'}`;
      optimizerSteps.push({
        optimizer: optimizerName,
        size: `${size}×${size}`,
        msPerIteration: round(optimizerMs / steps, 1),
        // The direction and the history's update; the rest (bounds, line search) runs on the CPU on any backend.
        inverseHessianMs: round(inverseMs / steps, 1),
        restMs: round((optimizerMs - inverseMs) / steps, 1),
        evaluationsPerIteration: round(evaluations / steps, 2),
      });
    }
  }
}

// The fast method (feed-forward networks, onnxruntime): a whole result from the JPEG's bytes to the
// PNG's, at 512 and 1024 px. The first run of a size builds its graph (once per process and size):
// reported apart from the median of the warm runs. The before/after GIF is timed on its own.
const fastDir = env.IMPASTO_FAST_WEIGHTS_DIR ?? join(sharedImages, '..', 'weights', 'fast');
const fastJobs = [];
const fastPeaks = [];
if (sections.has('fast') && ort && existsSync(fastDir)) {
  const jpeg = await readFile(join(sharedImages, 'content_tubingen.jpg'));
  const context = { engine: () => Promise.reject(new Error('not needed')), fastWeightsDir: fastDir };
  for (const size of [512, 1024]) {
    const seconds: number[] = [];
    let gifSeconds = 0;
    for (let run = 0; run <= runs; run++) {
      const start = performance.now();
      const photo = await decodeImage(jpeg);
      const result = await fastMethod.run(context, { inputs: { content: photo, styles: [] }, options: { network: 'wave', size } });
      await encodePng(result.image);
      seconds.push((performance.now() - start) / 1000);
      const gifStart = performance.now();
      if (run === runs) await encodeGif(result.frames);
      gifSeconds = (performance.now() - gifStart) / 1000;
    }
    const warm = seconds.slice(1);
    fastJobs.push({ method: 'fast (wave)', size: `${size} px`, firstRunSeconds: round(seconds[0]!, 2), medianSeconds: round(medianOf(warm), 2), gifSeconds: round(gifSeconds, 2) });
  }
  // Peak memory belongs to one process: each size in a fresh one (2048 px is painted in tiles).
  for (const size of [1024, 2048]) {
    let output: string;
    try {
      output = execFileSync(process.execPath, [...benchScript('fast-peak'), String(size), fastDir, join(sharedImages, 'content_tubingen.jpg')], { encoding: 'utf8' });
    } catch (error) {
      fastPeaks.push({ method: 'fast (wave), own process', size: `${size} px`, error: firstLineOf(error) });
      continue;
    }
    const measured = JSON.parse(output.trim().split('\n').at(-1)!) as { firstRunSeconds: number; warmSeconds: number; peakRssMb: number };
    fastPeaks.push({ method: 'fast (wave), own process', size: `${size} px${size * size * 0.75 > MAX_PIXELS_PER_PASS ? ' (tiled)' : ''}`, firstRunSeconds: round(measured.firstRunSeconds, 2), warmSeconds: round(measured.warmSeconds, 2), peakRssMb: measured.peakRssMb });
  }
}

// Person segmentation (target, background_style): the whole mask of a 1024-px photo (letterbox, the
// model at 256², crop, resize, feather) on the TensorFlow.js backend chosen above.
const segmentationDir = env.IMPASTO_SEGMENTATION_WEIGHTS_DIR ?? join(sharedImages, '..', 'weights', 'segmentation', 'selfie');
const segmentation = [];
if (sections.has('segmentation') && hasSegmentationModel(segmentationDir)) {
  const loadStarted = performance.now();
  const segmenter = await loadPersonSegmenter(segmentationDir);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const person = await decodeImage(await readFile(join(sharedImages, 'content_person.jpg')));
  for (const size of [512, 1024]) {
    const photo = await resizeToLongSide(person, size);
    const seconds: number[] = [];
    for (let run = 0; run <= runs; run++) {
      const started = performance.now();
      await segmenter.segment(photo);
      seconds.push((performance.now() - started) / 1000);
    }
    const warm = seconds.slice(1);
    segmentation.push({ model: 'selfie (MediaPipe)', backend: `tfjs ${choice.name}`, size: `${photo.width}×${photo.height}`, loadSeconds: round(loadSeconds, 2), firstRunSeconds: round(seconds[0]!, 3), medianSeconds: round(medianOf(warm), 3) });
  }
  segmenter.dispose();
}

// A phone photo's way from the upload's bytes to the engine's input for a 1024-px job: decoded at
// the job's size (shrink-on-load), stored as PNG and read back, as the bot and engine do; beside it
// the way it went before (decoded whole, stored at the largest size, shrunk again in the engine).
// The photo is the shared one enlarged to 4032×3024 (12 MP) and saved as a JPEG at quality 90.
const uploads = [];
if (sections.has('uploads')) {
  const phone = await sharp(join(sharedImages, 'content_tubingen.jpg')).resize(4032, 3024).sharpen().jpeg({ quality: 90 }).toBuffer();
  const paths = {
    'at the job size': async () => decodeImage(await encodePng(await decodeImage(phone, undefined, 'photo', 1024))),
    'whole, then 2048, then 1024 (before)': async () => resizeToLongSide(await decodeImage(await encodePng(await resizeToLongSide(await decodeImage(phone), 2048))), 1024),
  };
  const seconds = new Map<string, number[]>(Object.keys(paths).map((name) => [name, []]));
  // Interleaved, so that both see the same machine.
  for (let run = 0; run <= runs; run++) {
    for (const [name, path] of Object.entries(paths)) {
      const started = performance.now();
      await path();
      if (run > 0) seconds.get(name)!.push((performance.now() - started) / 1000);
    }
  }
  for (const [name, values] of seconds) uploads.push({ photo: '4032×3024 JPEG (12 MP), 1024-px job', path: name, medianSeconds: round(medianOf(values), 3) });
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
// The fast method always runs on onnxruntime; the tfjs backend is the one the tfjs rows used.
console.log(`impasto engine benchmark — engines ${engineKinds.join(' and ')} (tfjs backend ${choice.name}), ${machine}, Node ${process.version}, GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES ?? ''}`);
console.log(`median of ${runs} runs after a warm-up; one evaluation = VGG forward + gradient to the image\n`);
if (rows.length > 0) console.table(rows);
printTables('default job (defaults for this backend: size, iterations, multi-scale):', defaultJobs);
printTables(`300 iterations on the GPU (${choice.reasons.at(-1)}):`, gpuJobs);
printTables("a GPU evaluation's wall time against its kernels' GPU time (timestamp queries), and the programs that take most:", gpuKernels);
printTables("what a GPU job's iteration costs the CPU on WebGPU (Dawn's null adapter: kernels launched, none run):", gpuHost);
printTables("the optimiser's own time per iteration (CPU, JavaScript), apart from the evaluations:", optimizerSteps);
printTables('fast method on onnxruntime (decode, network, PNG):', fastJobs, fastPeaks);
printTables('an upload, from its bytes to the engine\'s input (decode, PNG in the uploads folder, read back):', uploads);
printTables('person segmentation (the mask of a photo, for target and background_style):', segmentation);
console.log(`peak RSS: ${peakRssMb} MB\n`);
console.log(JSON.stringify({ backend: choice.name, adapter: choice.adapter, machine, node: process.version, runs, rows, defaultJobs, gpuJobs, gpuKernels, gpuHost, optimizerSteps, fastJobs, fastPeaks, segmentation, uploads, peakRssMb }, null, 2));

/** Multiply-adds ×2 of the convolutions and Gram products, forward and backward. */
function evaluationFlops(size: number, layers: LayerSelection): number {
  const wanted = new Set([...layers.content, ...layers.style]);
  const deepest = Math.max(...[...wanted].map((layer) => VGG19_LAYERS.indexOf(layer as (typeof VGG19_LAYERS)[number])));
  let flops = 0;
  VGG19_LAYERS.slice(0, deepest + 1).forEach((name, index) => {
    const { width, height } = layerResolution(name, size, size);
    const outChannels = VGG19_CHANNELS[index]!;
    const conv = 2 * width * height * 9 * inChannelsOf(index) * outChannels;
    flops += 2 * conv; // forward, and the input gradient (one more convolution)
    if (layers.style.includes(name)) flops += 2 * (2 * width * height * outChannels * outChannels); // Gram forward + backward
  });
  return flops;
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

/** An inverse Hessian that adds up the milliseconds spent in it (the optimizer section's split). */
function timedInverseHessian(inner: InverseHessian): InverseHessian & { readonly ms: number } {
  let ms = 0;
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      ms += performance.now() - started;
    }
  };
  return {
    direction: (gradient, out) => timed(() => inner.direction(gradient, out)),
    update: (pair) => timed(() => inner.update(pair)),
    clear: () => inner.clear(),
    get size() {
      return inner.size;
    },
    get ms() {
      return ms;
    },
    dispose: () => inner.dispose(),
  };
}

/** The objective the bench measures: the photo and the painting at the same size, the paper's weights. */
function objectiveSpecOf(image: RgbImage, styleImage: RgbImage, layers: LayerSelection) {
  const { width, height } = image;
  return {
    layers,
    content: { x: rgbToVggInput(image), width, height },
    styles: [{ input: { x: rgbToVggInput(styleImage), width, height }, weight: 1 }],
    weights: { content: 1e5, style: 3e4, tv: 1 },
  };
}

/** A section's tables under its title, when the section ran (its first table has rows). */
function printTables(title: string, ...tables: readonly (readonly unknown[])[]): void {
  if (tables[0]!.length === 0) return;
  console.log(title);
  for (const table of tables) console.table(table);
}
