import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend, isGpuBackend, type BackendChoice, type BackendName, type ObjectiveEngineSetting } from './backend.ts';
import { assertFitsGpu, type GpuAdapterInfo } from './webgpu.ts';
import { InputError, throwIfAborted } from './errors.ts';
import { preserveContentColors } from './color.ts';
import { blendWithMask, checkMaskShape, maskFromImage, resizeMap, type Mask } from './mask.ts';
import { withTemporalLoss } from './clip/temporal.ts';
import { isEnlarged, paintedStages, scaleSchedule, type Scale } from './multiscale.ts';
import { checkAspectRatio, checkPaintableAt, smallestLongSide } from './proportions.ts';
import { frameInterval } from './gif.ts';
import { resizeExactly, resizeToLongSide, sizeAtLongSide, type RgbImage } from './image.ts';
import { selectLayers, type LayerSelection } from './layers.ts';
import { createAdam } from './optimizers/adam.ts';
import { createLbfgs } from './optimizers/lbfgs.ts';
import type { IterativeOptimizer, LossTerms } from './optimizers/objective.ts';
import { resolveOptions, type StylizeOptions, type StylizeOptionsInput } from './options.ts';
import { gaussianNoise } from './random.ts';
import { createTfInverseHessian, pairsFitOnDevice } from './tf-inverse-hessian.ts';
import { createDeviceLbfgs } from './tf-lbfgs.ts';
import { createTfObjective, isDeviceObjective, type DisposableObjective, type ObjectiveSpec } from './tf-objective.ts';
import { arrayWeightsOf, createOnnxObjective, type ArrayWeights } from './onnx/objective.ts';
import { loadOnnxRuntimeOnWebGpu, type OnnxDevice } from './onnx/sessions.ts';
import { createFeatureNetwork, PIXEL_BOUNDS, rgbToVggInput, vggInputToRgb, type FeatureNetwork, type Pooling } from './vgg.ts';
import { loadVggWeights, locateWeights, type DownloadOptions, type VggWeights } from './weights.ts';
import { sharesOf } from './blend.ts';
import { loadOnnxRuntime, onnxRuntimeCannotLoad } from './onnx/runtime.ts';

export interface Progress {
  readonly iteration: number;
  readonly totalIterations: number;
  /** The long side, in pixels, of the scale this iteration ran at (coarse to fine). */
  readonly size: number;
  readonly terms: LossTerms;
  readonly elapsedMs: number;
  /** Estimated time left, from the time per pixel-iteration so far (finer scales cost more). */
  readonly etaMs: number;
  /** Set on the iterations that became a GIF frame: the image as it is now. */
  readonly frame?: RgbImage;
}

/** A style image and its share of a blend. */
export interface WeightedStyle {
  readonly image: RgbImage;
  readonly weight: number;
}

export interface StylizeRequest {
  readonly content: RgbImage;
  /** One style image… */
  readonly style?: RgbImage;
  /** …or several, blended: the style target is the weighted mix of their Gram matrices. */
  readonly styles?: readonly WeightedStyle[];
  /** Where to stylize: white stylizes, black keeps the photo (any size, the photo's shape). */
  readonly mask?: RgbImage;
  /**
   * With a mask: the style (one, or a blend) of where it is black, instead of keeping the photo
   * there. Each side's style loss is guided by its part of the mask (two styles in one picture).
   */
  readonly background?: readonly WeightedStyle[];
  /**
   * A picture to start from instead of `options.init` (e.g. a fast network's result, the photo's
   * shape), resized to the first scale: a start already near the painting.
   */
  readonly start?: RgbImage;
  /**
   * A frame of a clip: the previous stylized frame warped onto this one and where the flow is
   * trusted (at the photo's size); the picture is held near it there (Ruder et al.'s temporal loss).
   */
  readonly temporal?: { readonly previous: RgbImage; readonly weights: Float32Array; readonly weight: number };
  readonly options?: StylizeOptionsInput;
  readonly onProgress?: (progress: Progress) => void;
  readonly signal?: AbortSignal;
}

export interface StylizeResult {
  readonly image: RgbImage;
  /** Snapshots of the optimisation for the GIF, the initial image first and the result last. */
  readonly frames: readonly RgbImage[];
  /** Loss terms after each iteration, and the long side of the picture it painted (coarse to fine). */
  readonly history: readonly (LossTerms & { readonly size: number })[];
  readonly options: StylizeOptions;
  readonly layers: LayerSelection;
  readonly backend: BackendName;
  readonly iterations: number;
  readonly evaluations: number;
  readonly elapsedMs: number;
  /** The coarse-to-fine stages that were run. */
  readonly scales: readonly Scale[];
}

/** Which implementation computes the loss and its gradient. */
export type ObjectiveEngine = 'onnx' | 'tfjs';

export interface Engine {
  readonly backend: BackendName;
  /** `onnx`: one native onnxruntime graph per evaluation (the CPU fast path); `tfjs`: TensorFlow.js. */
  readonly objectiveEngine: ObjectiveEngine;
  readonly backendReasons: readonly string[];
  readonly availableLayers: readonly string[];
  stylize(request: StylizeRequest): Promise<StylizeResult>;
  /** The loss terms of finished images under a request's objective at its target size (for comparisons). */
  measureLoss(request: StylizeRequest, images: readonly RgbImage[]): Promise<LossTerms[]>;
  dispose(): void;
}

export interface EngineOptions {
  /** Force a backend (IMPASTO_BACKEND); otherwise the fastest that loads. */
  readonly backend?: BackendName | undefined;
  /** IMPASTO_WEIGHTS_DIR. */
  readonly weightsDir?: string | undefined;
  readonly cacheDir?: string;
  readonly download?: false | DownloadOptions;
  /** IMPASTO_ENGINE (see `OBJECTIVE_ENGINES`). */
  readonly objectiveEngine?: ObjectiveEngineSetting | undefined;
}

/** Loads a backend and the VGG-19 weights once; the engine then runs any number of jobs. */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const choice: BackendChoice = await chooseBackend(options.backend);
  const dir = await locateWeights({ explicitDir: options.weightsDir, cacheDir: options.cacheDir, download: options.download });
  const weights = await loadVggWeights(dir);
  const objective = await chooseObjectiveEngine(options.objectiveEngine ?? 'auto', choice.name);
  return createEngineFromWeights({ ...choice, reasons: [...choice.reasons, objective.reason] }, weights, objective.ort, objective.device);
}

type Ort = typeof import('onnxruntime-node');

/**
 * On a GPU, TensorFlow.js (CUDA) is fastest; on a CPU, one onnxruntime graph per evaluation runs at
 * native speed, several times the wasm backend. onnxruntime-node is optional at run time.
 */
export async function chooseObjectiveEngine(wanted: ObjectiveEngineSetting, backend: BackendName): Promise<{ ort?: Ort | undefined; device?: OnnxDevice | undefined; reason: string }> {
  if (wanted === 'tfjs') return { reason: 'objective: TensorFlow.js (forced by IMPASTO_ENGINE)' };
  if (wanted === 'onnx-webgpu') {
    const ort = await loadOnnxRuntimeOnWebGpu();
    return { ort, device: 'webgpu', reason: `objective: onnxruntime ${ort.env.versions.common} on the GPU (WebGPU provider, forced by IMPASTO_ENGINE)` };
  }
  if (wanted === 'auto' && isGpuBackend(backend)) return { reason: 'objective: TensorFlow.js on the GPU' };
  try {
    const ort = await loadOnnxRuntime();
    return { ort, reason: `objective: onnxruntime ${ort.env.versions.common} on the CPU${wanted === 'onnx' ? ' (forced by IMPASTO_ENGINE)' : ''}` };
  } catch (error) {
    if (wanted === 'onnx') throw onnxRuntimeCannotLoad(wanted, error);
    return { reason: 'objective: TensorFlow.js (onnxruntime-node is not available)' };
  }
}

/**
 * Where L-BFGS keeps its vectors with the TensorFlow.js objective: `device`, all of them on the
 * backend (`tf-lbfgs.ts`); `pairs`, only its pairs there (`tf-inverse-hessian.ts`), the rest in
 * arrays; `arrays`; or `by-size`, all on the device for a picture of `DEVICE_VECTORS_FROM` pixels
 * or more and only the pairs below.
 */
export type LbfgsPlacement = 'by-size' | 'device' | 'pairs' | 'arrays';

/**
 * On the device an iteration's passes over the picture are about 40 kernels whatever its size:
 * on Dawn's null adapter 6–8 ms of the CPU's time, where in arrays they take 3 ms at 128², 9–12 at
 * 256² and 35–45 at 512² (`npm run bench`, sections gpu-host and optimizer), and each evaluation
 * no longer uploads the point nor reads back the gradient. On an H200 (4 Dec 2026, the bench's GPU
 * section) a 512×384 job's stages took 1.52 / 1.40 / 1.33 s at 128 / 181 / 256 px with only the
 * pairs there and 1.57 / 1.04 / 0.65 s with all the vectors: a tie at 128 px, the device ahead
 * from 181. So the line lies between a 128-px stage (16,384 pixels at most) and a 4:3 photo's
 * 181-px one (24,616).
 */
const DEVICE_VECTORS_FROM = 20_000;

export interface EngineTuning {
  /**
   * By default `by-size` on a GPU backend, where L-BFGS's passes in JavaScript kept the GPU
   * waiting, and `arrays` elsewhere. Where the pairs would not fit in one of the GPU's buffers, everything
   * stays in arrays; a clip's frames (whose temporal loss is added in arrays) keep only the pairs there.
   */
  readonly lbfgsVectors?: LbfgsPlacement;
}

/** `device`: where onnxruntime runs the objective when `ort` is given (its CPU by default). */
export function createEngineFromWeights(choice: BackendChoice, weights: VggWeights, ort?: Ort, device: OnnxDevice = 'cpu', tuning: EngineTuning = {}): Engine {
  const lbfgsVectors = tuning.lbfgsVectors ?? (!ort && isGpuBackend(choice.name) ? 'by-size' : 'arrays');
  // The weights as arrays for onnxruntime, read once, by the first objective (reading a tensor is
  // asynchronous; started there, a failure is that job's error rather than an unhandled rejection).
  let arrays: Promise<ArrayWeights> | undefined;
  const arraysOnce = () => (arrays ??= arrayWeightsOf(weights));
  const networks = new Map<Pooling, FeatureNetwork>();
  const networkFor = (pooling: Pooling): FeatureNetwork => {
    let network = networks.get(pooling);
    if (!network) networks.set(pooling, (network = createFeatureNetwork(weights, pooling)));
    return network;
  };
  const availableLayers = networkFor('max').availableLayers;
  const objectiveFactory: ObjectiveFactory = ort
    ? async (spec, pooling) => createOnnxObjective({ ...spec, ort, vgg: await arraysOnce(), pooling, device })
    : async (spec, pooling) => createTfObjective({ ...spec, network: networkFor(pooling) });
  return {
    backend: choice.name,
    objectiveEngine: ort ? 'onnx' : 'tfjs',
    backendReasons: choice.reasons,
    availableLayers,
    stylize: (request) => runStylization(request, choice.name, networkFor, objectiveFactory, choice.adapter, lbfgsVectors),
    async measureLoss(request, images) {
      const options = resolveOptions(request.options, choice.name);
      const network = networkFor(options.pooling);
      const layers = selectLayers(network.availableLayers, { content: options.contentLayers, style: options.styleLayers });
      const stage = await prepareStage(request, normaliseStyles(request), normaliseBackground(request), options.size, options);
      const { width, height } = stage.content;
      const objective = await objectiveFactory(objectiveInputsFor(stage, layers, options), options.pooling);
      try {
        const terms: LossTerms[] = [];
        for (const image of images) terms.push((await objective.evaluate(rgbToVggInput(await resizeExactly(image, width, height)))).terms);
        return terms;
      } finally {
        objective.dispose();
      }
    },
    dispose() {
      for (const network of networks.values()) network.dispose();
      tf.dispose(Array.from(weights.values()).flatMap((layer) => [layer.kernel, layer.bias]));
    },
  };
}


/** What either objective implementation needs, besides the network it brings itself. */
type ObjectiveInputs = Omit<ObjectiveSpec, 'network'>;
type ObjectiveFactory = (spec: ObjectiveInputs, pooling: Pooling) => Promise<DisposableObjective>;

function objectiveInputsFor(stage: Stage, layers: LayerSelection, options: StylizeOptions): ObjectiveInputs {
  return {
    layers,
    content: { x: rgbToVggInput(stage.content), width: stage.content.width, height: stage.content.height },
    styles: stage.styles,
    mask: stage.mask?.values,
    outside: stage.background,
    // Normalised TV is per pixel and channel, so that it means the same at every size.
    weights: { content: options.contentWeight, style: options.styleWeight, tv: options.normalised ? options.tvWeight / (3 * stage.content.width * stage.content.height) : options.tvWeight },
    normalise: options.normalised,
  };
}

/**
 * What a stage costs beyond its iterations, in iterations at its size. Its first step takes two
 * evaluations (L-BFGS evaluates where it starts, then where it steps), the first of them touching its
 * memory for the first time: about two steps more than a later step. Preparing it runs the content's
 * and the style's feature passes, forward only: about one step. Measured on 2 vCPUs with the full
 * VGG-19 (first step against a later one: 2.0–2.9× from 256 px to 1024 px; the feature passes 1.15–1.25
 * of a later step at 512 and 1024 px). A default job's last stage was then one iteration at 1024 px
 * (now enlarged, not painted: see multiscale.ts), which took 20–25 s: counted as one step and a
 * stage's fixed cost, it was said to take 9.5.
 */
const FIRST_STEP_EXTRA = 2;
const PREPARING = 1;

/**
 * The time left of an optimisation, from what the stages so far have cost: each step at the rate
 * measured per unit of work (pixels × iterations: finer scales cost more per iteration than coarse
 * ones), each stage's extra cost as so many steps at its size (see `FIRST_STEP_EXTRA` and
 * `PREPARING`), and what preparing a stage costs whatever its size (building its graphs) at what
 * it has cost so far. The fixed part is kept apart because it is not spread over the steps: the first
 * stage's counted as the first iteration's time said "about 3 min left" of a 21-s job.
 */
export function remainingMs(
  spent: { readonly stepsMs: number; readonly setupMs: number; readonly workDone: number; readonly stages: number; readonly stagePixels: number },
  left: { readonly work: number; readonly stages: number; readonly stagePixels: number },
): number {
  if (spent.workDone <= 0) return 0;
  const msPerWork = spent.stepsMs / (spent.workDone + FIRST_STEP_EXTRA * spent.stagePixels);
  const fixedPerStage = Math.max(0, spent.setupMs - msPerWork * PREPARING * spent.stagePixels) / Math.max(1, spent.stages);
  return msPerWork * (left.work + (FIRST_STEP_EXTRA + PREPARING) * left.stagePixels) + fixedPerStage * left.stages;
}

async function runStylization(
  request: StylizeRequest,
  backend: BackendName,
  networkFor: (pooling: Pooling) => FeatureNetwork,
  objectiveFactory: ObjectiveFactory,
  /** On WebGPU: a picture whose activations exceed its buffers is refused before any work. */
  adapter: GpuAdapterInfo | undefined,
  lbfgsVectors: LbfgsPlacement,
): Promise<StylizeResult> {
  const options = resolveOptions(request.options, backend);
  const network = networkFor(options.pooling);
  const layers = selectLayers(network.availableLayers, { content: options.contentLayers, style: options.styleLayers });
  const styles = normaliseStyles(request);
  const background = normaliseBackground(request);
  if (background && !request.mask) throw new InputError('invalid_option', 'A background style needs a mask that says where the background is.', 'mask');
  if (request.mask) checkMaskShape(request.mask, request.content);
  checkPaintableAt(request.content, options.size, 'content image', 'content');
  if (adapter) {
    const { width, height } = sizeAtLongSide(request.content, options.size);
    assertFitsGpu(width, height, adapter.limits);
  }
  for (const style of [...styles, ...(background ?? [])]) checkAspectRatio(style.image, 'style image', 'style');
  throwIfAborted(request.signal);

  const schedule = scaleSchedule(options.size, options.iterations, options.multiScale, smallestLongSide(request.content));
  const totalWork = schedule.reduce((sum, scale) => sum + scale.iterations * scale.size * scale.size, 0);
  // The painted stages so far and to come, their pixels in the units of `totalWork` (a scale's long
  // side squared), for `remainingMs`; an enlarged stage costs next to nothing.
  const stagesOf = (scales: readonly Scale[]) => {
    const painted = paintedStages(scales);
    return { stages: painted.length, stagePixels: painted.reduce((sum, scale) => sum + scale.size * scale.size, 0) };
  };
  const every = frameInterval(options.iterations, options.frames);
  const frames: RgbImage[] = [];
  const history: (LossTerms & { size: number })[] = [];
  const started = performance.now();
  let iteration = 0;
  let workDone = 0;
  /** Time spent in the optimiser's steps, apart from preparing stages (see `remainingMs`). */
  let stepsMs = 0;
  let evaluations = 0;
  let x: Float32Array | undefined;
  /** The previous stage's photo (and so its size). */
  let previous: RgbImage | undefined;
  let finalStage: Stage | undefined;

  for (const [index, scale] of schedule.entries()) {
    if (isEnlarged(scale) && x && finalStage) {
      // Enlarged, not painted (see multiscale.ts): the photo (and mask) at this size, no painting.
      const photo = await photoAt(request, scale.size);
      x = await refine(x, finalStage.content, photo.content);
      finalStage = { ...finalStage, ...photo };
      continue;
    }
    const stage = await prepareStage(request, styles, background, scale.size, options);
    const [stagesSpent, stagesLeft] = [stagesOf(schedule.slice(0, index + 1)), stagesOf(schedule.slice(index + 1))];
    const objective = await withTemporal(await objectiveFactory(objectiveInputsFor(stage, layers, options), options.pooling), request.temporal, stage.content);
    let optimizer: StageOptimizer | undefined;
    try {
      x = !x || !previous ? await initialImage(options, stage.content, styles[0]!.image, request.start) : await refine(x, previous, stage.content);
      previous = stage.content;
      const snapshot = () => finishImage(vggInputToRgb(x!, stage.content.width, stage.content.height), stage, options);
      if (index === 0) frames.push(snapshot());
      optimizer = createOptimizer(options, objective, x, lbfgsVectors, adapter);
      for (let step = 0; step < scale.iterations; step++) {
        throwIfAborted(request.signal);
        const stepStarted = performance.now();
        const result = await optimizer.step();
        stepsMs += performance.now() - stepStarted;
        iteration += 1;
        workDone += scale.size * scale.size;
        evaluations += result.evaluations;
        const size = Math.max(stage.content.width, stage.content.height);
        history.push({ ...result.terms, size });
        const lastOfRun = iteration === options.iterations;
        const stageEnds = step === scale.iterations - 1 || result.converged;
        const frameDue = iteration % every === 0 || lastOfRun;
        if (frameDue || stageEnds) await optimizer.writeBack();
        const frame = frameDue ? snapshot() : undefined;
        if (frame) frames.push(frame);
        const elapsedMs = performance.now() - started;
        request.onProgress?.({
          iteration,
          totalIterations: options.iterations,
          size,
          terms: result.terms,
          elapsedMs,
          etaMs: lastOfRun
            ? 0
            : remainingMs({ stepsMs, setupMs: elapsedMs - stepsMs, workDone, ...stagesSpent }, { work: totalWork - workDone, ...stagesLeft }),
          ...(frame ? { frame } : {}),
        });
        if (stageEnds) {
          // A converged stage skips what is left of it; the count jumps so progress still ends at the total.
          iteration += scale.iterations - 1 - step;
          workDone += (scale.iterations - 1 - step) * scale.size * scale.size;
          break;
        }
        // Let timers and messages (an abort, a progress flush) run between iterations.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      finalStage = stage;
    } finally {
      optimizer?.dispose();
      objective.dispose();
    }
  }
  const image = finishImage(vggInputToRgb(x!, finalStage!.content.width, finalStage!.content.height), finalStage!, options);
  if (frames.at(-1) !== undefined && !sameImage(frames.at(-1)!, image)) frames.push(image);
  // The GIF shows every scale at the final size.
  const sized = await Promise.all(frames.map((frame) => resizeExactly(frame, image.width, image.height)));
  sized[sized.length - 1] = image;
  return {
    image,
    frames: sized,
    history,
    options,
    layers,
    backend,
    iterations: iteration,
    evaluations,
    elapsedMs: performance.now() - started,
    scales: schedule,
  };
}

/** Where a stage's L-BFGS keeps its vectors (see `LbfgsPlacement`), for a picture of `pixels`. */
export function placeLbfgsVectors(placement: LbfgsPlacement, pixels: number, pairsFit: boolean): 'device' | 'pairs' | 'arrays' {
  if (placement === 'arrays' || !pairsFit) return 'arrays';
  if (placement === 'by-size') return pixels >= DEVICE_VECTORS_FROM ? 'device' : 'pairs';
  return placement;
}

/** A stage's optimiser; one keeping the point elsewhere (on a GPU) writes it into `x` when asked. */
interface StageOptimizer extends IterativeOptimizer {
  writeBack(): Promise<void>;
  dispose(): void;
}

/** L-BFGS with its vectors where `placement` says (see `LbfgsPlacement`), or Adam, for one stage. */
function createOptimizer(options: StylizeOptions, objective: DisposableObjective, x: Float32Array, placement: LbfgsPlacement, adapter: GpuAdapterInfo | undefined): StageOptimizer {
  const inArrays = (optimizer: IterativeOptimizer, dispose = () => {}): StageOptimizer => ({ step: () => optimizer.step(), writeBack: async () => {}, dispose });
  if (options.optimizer === 'adam') return inArrays(createAdam(objective, x, { learningRate: options.learningRate, bounds: PIXEL_BOUNDS }));
  const lbfgs = { historySize: options.historySize, bounds: PIXEL_BOUNDS };
  const where = placeLbfgsVectors(placement, x.length / 3, pairsFitOnDevice(options.historySize, x.length, adapter?.limits));
  if (where === 'arrays') return inArrays(createLbfgs(objective, x, lbfgs));
  if (where === 'device' && isDeviceObjective(objective)) return createDeviceLbfgs(objective, x, lbfgs);
  const inverseHessian = createTfInverseHessian(options.historySize, x.length);
  return inArrays(createLbfgs(objective, x, { ...lbfgs, inverseHessian }), () => inverseHessian.dispose());
}

/** The objective, with the temporal term of a clip's frame at this stage's size. */
async function withTemporal(objective: DisposableObjective, temporal: StylizeRequest['temporal'], content: RgbImage): Promise<DisposableObjective> {
  if (!temporal) return objective;
  const previous = await resizeExactly(temporal.previous, content.width, content.height);
  const weights = resizeMap(temporal.weights, temporal.previous.width, temporal.previous.height, content.width, content.height);
  return withTemporalLoss(objective, { x: rgbToVggInput(previous), weights, weight: temporal.weight });
}

/** The inputs of one scale: content, styles (scaled by styleScale) and mask at that size. */
interface Stage {
  readonly content: RgbImage;
  readonly styles: StageStyle[];
  readonly mask?: Mask | undefined;
  /** The styles of where the mask is 0 (a two-style split); without them the photo stays there. */
  readonly background?: StageStyle[] | undefined;
}

interface StageStyle {
  readonly input: { x: Float32Array; width: number; height: number };
  readonly weight: number;
}

/** The photo at a stage's size, and the mask at the photo's. */
async function photoAt(request: StylizeRequest, size: number): Promise<Pick<Stage, 'content' | 'mask'>> {
  const content = await resizeToLongSide(request.content, size);
  const mask = request.mask ? await maskFromImage(request.mask, content.width, content.height) : undefined;
  return { content, mask };
}

async function prepareStage(request: StylizeRequest, styles: readonly WeightedStyle[], background: readonly WeightedStyle[] | undefined, size: number, options: StylizeOptions): Promise<Stage> {
  const { content, mask } = await photoAt(request, size);
  const styleSize = Math.max(32, Math.round(size * options.styleScale));
  const inputsOf = (weighted: readonly WeightedStyle[]) =>
    Promise.all(
      weighted.map(async ({ image, weight }) => {
        // The painting at the output's scale (times styleScale), as Gatys et al. do, even when that
        // enlarges it: measured at 1024 px, keeping a small painting at its own size instead made no
        // visible difference and a slightly lower style match (README, "Quality"). A narrow one is
        // enlarged just enough to keep pixels at the deepest layer.
        const resized = await resizeToLongSide(image, Math.max(styleSize, smallestLongSide(image)));
        return { input: { x: rgbToVggInput(resized), width: resized.width, height: resized.height }, weight };
      }),
    );
  return { content, styles: await inputsOf(styles), mask, background: background ? await inputsOf(background) : undefined };
}

/** What the user sees: colours preserved and the mask applied, when asked. */
function finishImage(image: RgbImage, stage: Stage, options: StylizeOptions): RgbImage {
  let out = options.preserveColors ? preserveContentColors(image, stage.content) : image;
  // A two-style split paints both sides; otherwise the photo stays where the mask is black.
  if (stage.mask && !stage.background) out = blendWithMask(out, stage.content, stage.mask);
  return out;
}

/** The background's styles of a two-style split, normalised like the styles; none without one. */
function normaliseBackground(request: StylizeRequest): WeightedStyle[] | undefined {
  return request.background ? normaliseStyles({ styles: request.background }) : undefined;
}

/** One style, or a blend with weights normalised to sum to 1. */
function normaliseStyles(request: Pick<StylizeRequest, 'style' | 'styles'>): WeightedStyle[] {
  const styles = request.styles ?? (request.style ? [{ image: request.style, weight: 1 }] : []);
  if (styles.length === 0) throw new InputError('invalid_option', 'Give a style image.', 'style');
  if (styles.some((style) => !Number.isFinite(style.weight) || style.weight <= 0)) {
    throw new InputError('invalid_option', 'Every style in a blend needs a weight above 0.', 'styles');
  }
  const shares = sharesOf(styles.map((style) => style.weight));
  return styles.map((style, index) => ({ image: style.image, weight: shares[index]! }));
}

/**
 * The start of a finer stage: the coarser result, upsampled, plus the photo's own detail at this
 * scale (the photo minus its upsampled coarser version). Upsampling alone blurs, and the content
 * loss at a deep layer never brings the photo's fine edges back: without this a multi-scale result
 * kept less of the photo than a single-scale one even with no style at all.
 */
async function refine(x: Float32Array, from: RgbImage, to: RgbImage): Promise<Float32Array> {
  const [upsampled, blurredPhoto] = await Promise.all([
    resizeExactly(vggInputToRgb(x, from.width, from.height), to.width, to.height),
    resizeExactly(from, to.width, to.height),
  ]);
  const start = rgbToVggInput(upsampled);
  for (let i = 0; i < start.length; i += 3) {
    // Channel order differs (BGR vs RGB) but the detail is a difference: add it channel by channel.
    for (let c = 0; c < 3; c++) start[i + c]! += to.data[i + 2 - c]! - blurredPhoto.data[i + 2 - c]!;
  }
  return start;
}

function sameImage(a: RgbImage, b: RgbImage): boolean {
  return a.width === b.width && a.height === b.height && Buffer.from(a.data).equals(Buffer.from(b.data));
}

async function initialImage(options: StylizeOptions, content: RgbImage, style: RgbImage, start: RgbImage | undefined): Promise<Float32Array> {
  if (start) return rgbToVggInput(await resizeExactly(start, content.width, content.height));
  switch (options.init) {
    case 'content':
      return rgbToVggInput(content);
    case 'style':
      return rgbToVggInput(await resizeExactly(style, content.width, content.height));
    case 'noise':
      // Gatys et al. start from white noise; σ≈64 spans the pixel range without saturating it.
      return gaussianNoise(content.width * content.height * 3, 64, options.seed);
  }
}
