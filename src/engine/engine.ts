import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend, type BackendChoice, type BackendName } from './backend.ts';
import { throwIfAborted } from './errors.ts';
import { frameInterval } from './gif.ts';
import { resizeExactly, resizeToLongSide, type RgbImage } from './image.ts';
import { selectLayers, type LayerSelection } from './layers.ts';
import { createAdam } from './optimizers/adam.ts';
import { createLbfgs } from './optimizers/lbfgs.ts';
import type { IterativeOptimizer, LossTerms, Objective } from './optimizers/objective.ts';
import { resolveOptions, type StylizeOptions, type StylizeOptionsInput } from './options.ts';
import { gaussianNoise } from './random.ts';
import { createTfObjective } from './tf-objective.ts';
import { createFeatureNetwork, rgbToVggInput, vggInputToRgb, type FeatureNetwork, type Pooling } from './vgg.ts';
import { loadVggWeights, locateWeights, type DownloadOptions, type VggWeights } from './weights.ts';

export interface Progress {
  readonly iteration: number;
  readonly totalIterations: number;
  readonly terms: LossTerms;
  readonly elapsedMs: number;
  /** Estimated time left, from the mean duration of the iterations so far. */
  readonly etaMs: number;
  /** Set on the iterations that became a GIF frame: the image as it is now. */
  readonly frame?: RgbImage;
}

export interface StylizeRequest {
  readonly content: RgbImage;
  readonly style: RgbImage;
  readonly options?: StylizeOptionsInput;
  readonly onProgress?: (progress: Progress) => void;
  readonly signal?: AbortSignal;
}

export interface StylizeResult {
  readonly image: RgbImage;
  /** Snapshots of the optimisation for the GIF, the initial image first and the result last. */
  readonly frames: readonly RgbImage[];
  /** Loss terms after each iteration. */
  readonly history: readonly LossTerms[];
  readonly options: StylizeOptions;
  readonly layers: LayerSelection;
  readonly backend: BackendName;
  readonly iterations: number;
  readonly evaluations: number;
  readonly elapsedMs: number;
}

export interface Engine {
  readonly backend: BackendName;
  readonly backendReasons: readonly string[];
  readonly availableLayers: readonly string[];
  stylize(request: StylizeRequest): Promise<StylizeResult>;
  dispose(): void;
}

export interface EngineOptions {
  /** Force a backend (IMPASTO_BACKEND); otherwise the fastest that loads. */
  readonly backend?: BackendName | undefined;
  /** IMPASTO_WEIGHTS_DIR. */
  readonly weightsDir?: string | undefined;
  readonly cacheDir?: string;
  readonly download?: false | DownloadOptions;
}

/** Loads a backend and the VGG-19 weights once; the engine then runs any number of jobs. */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const choice: BackendChoice = await chooseBackend(options.backend);
  const dir = await locateWeights({ explicitDir: options.weightsDir, cacheDir: options.cacheDir, download: options.download });
  const weights = await loadVggWeights(dir);
  return createEngineFromWeights(choice, weights);
}

export function createEngineFromWeights(choice: BackendChoice, weights: VggWeights): Engine {
  const networks = new Map<Pooling, FeatureNetwork>();
  const networkFor = (pooling: Pooling): FeatureNetwork => {
    let network = networks.get(pooling);
    if (!network) networks.set(pooling, (network = createFeatureNetwork(weights, pooling)));
    return network;
  };
  const availableLayers = networkFor('max').availableLayers;
  return {
    backend: choice.name,
    backendReasons: choice.reasons,
    availableLayers,
    stylize: (request) => runStylization(request, choice.name, networkFor),
    dispose() {
      for (const network of networks.values()) network.dispose();
      tf.dispose(Array.from(weights.values()).flatMap((layer) => [layer.kernel, layer.bias]));
    },
  };
}

async function runStylization(request: StylizeRequest, backend: BackendName, networkFor: (pooling: Pooling) => FeatureNetwork): Promise<StylizeResult> {
  const options = resolveOptions(request.options, backend);
  const network = networkFor(options.pooling);
  const layers = selectLayers(network.availableLayers, { content: options.contentLayers, style: options.styleLayers });
  throwIfAborted(request.signal);

  const content = await resizeToLongSide(request.content, options.size);
  const style = await resizeToLongSide(request.style, options.size);
  const { width, height } = content;
  const objective = createTfObjective({
    network,
    layers,
    content: { x: rgbToVggInput(content), width, height },
    style: { x: rgbToVggInput(style), width: style.width, height: style.height },
    weights: { content: options.contentWeight, style: options.styleWeight, tv: options.tvWeight },
  });
  try {
    const x = await initialImage(options, content, style);
    return await optimise(objective, x, { width, height }, options, request, { layers, backend });
  } finally {
    objective.dispose();
  }
}

async function initialImage(options: StylizeOptions, content: RgbImage, style: RgbImage): Promise<Float32Array> {
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

async function optimise(
  objective: Objective,
  x: Float32Array,
  size: { width: number; height: number },
  options: StylizeOptions,
  request: StylizeRequest,
  context: { layers: LayerSelection; backend: BackendName },
): Promise<StylizeResult> {
  const optimizer: IterativeOptimizer =
    options.optimizer === 'lbfgs'
      ? createLbfgs(objective, x, { historySize: options.historySize })
      : createAdam(objective, x, { learningRate: options.learningRate });
  const every = frameInterval(options.iterations, options.frames);
  const snapshot = () => vggInputToRgb(x, size.width, size.height);
  const frames: RgbImage[] = [snapshot()];
  const history: LossTerms[] = [];
  const started = performance.now();
  let evaluations = 0;
  let iteration = 0;
  while (iteration < options.iterations) {
    throwIfAborted(request.signal);
    const step = await optimizer.step();
    iteration += 1;
    evaluations += step.evaluations;
    history.push(step.terms);
    const last = iteration === options.iterations || step.converged;
    const frame = iteration % every === 0 || last ? snapshot() : undefined;
    if (frame) frames.push(frame);
    const elapsedMs = performance.now() - started;
    request.onProgress?.({
      iteration,
      totalIterations: options.iterations,
      terms: step.terms,
      elapsedMs,
      etaMs: last ? 0 : (elapsedMs / iteration) * (options.iterations - iteration),
      ...(frame ? { frame } : {}),
    });
    if (step.converged) break;
    // Let timers and messages (an abort, a progress flush) run between iterations.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return {
    image: frames.at(-1)!,
    frames,
    history,
    options,
    layers: context.layers,
    backend: context.backend,
    iterations: iteration,
    evaluations,
    elapsedMs: performance.now() - started,
  };
}
