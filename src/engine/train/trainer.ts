/**
 * Trains a fast network for one painting (Johnson et al. 2016): the transformation network of the
 * fast method (same layout as the pretrained ones) learns, over random crops of many photos, to
 * minimise the perceptual losses on VGG that the optimisation minimises for one photo: content
 * (conv2_2, as Johnson), style (Gram matrices: conv1_1…conv3_1 with the partial weights, Gatys'
 * five layers with the full set) and total variation, weighted by the same `strength`.
 *
 * One step: the network paints a batch; each picture's loss and its gradient with respect to the
 * picture come from the optimisation's own objective; the network's backward pass carries them into
 * its parameters (all three on the context's `TrainingEngine`: onnxruntime on the CPU, or
 * TensorFlow.js on a GPU); Adam updates them. The state is checkpointed every few steps, and a run
 * started again with the same settings resumes from it (on either engine: the parameters are the same).
 */
import { createHash } from 'node:crypto';
import { InputError, throwIfAborted } from '../errors.ts';
import { loadFastNetwork, locateFastWeights, type FastNetworkName } from '../fast/network.ts';
import { parameterLayoutOf, readFastManifest, type ParameterLayout } from '../fast/manifest.ts';
import { cropImage, resizeToLongSide, type RgbImage } from '../image.ts';
import { checkAspectRatio } from '../proportions.ts';
import { selectLayers, type LayerSelection } from '../layers.ts';
import { weightsForStrength } from '../options.ts';
import { createAdam } from '../optimizers/adam.ts';
import type { Objective } from '../optimizers/objective.ts';
import { createRandom } from '../random.ts';
import { readCheckpoint, writeCheckpoint, type StepRecord, type TrainingState } from './checkpoint.ts';
import { parseTrainOptions, type TrainOptions } from './options.ts';
import type { TrainingPhotos } from './photos.ts';
import type { TrainingEngine } from './training-engine.ts';

export interface TrainContext {
  /** What the steps compute on (`choose.ts`: `createTrainContext`). */
  readonly engine: TrainingEngine;
  /** Where the pretrained networks are, for `from`. */
  readonly fastWeightsDir?: string | undefined;
}

export interface TrainRequest {
  readonly painting: RgbImage;
  readonly photos: TrainingPhotos;
  /** A photo kept out of training: painted every `sampleEvery` steps and at the end. */
  readonly samplePhoto?: RgbImage | undefined;
  /** The checkpoint file: resumed from when it exists with the same settings. */
  readonly checkpointPath: string;
  readonly options?: unknown;
}

export interface TrainProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly losses: StepRecord;
  readonly elapsedMs: number;
  readonly etaMs: number;
  /** The sample photo painted by the network as it is now (every `sampleEvery` steps). */
  readonly sample?: RgbImage | undefined;
  /** True once the step's state is on disk. */
  readonly checkpointed: boolean;
}

export interface TrainHooks {
  readonly onStep?: ((progress: TrainProgress) => void | Promise<void>) | undefined;
  /** Checked between steps: a cancelled run stops there (its last checkpoint stays). */
  readonly signal?: AbortSignal | undefined;
  /** Awaited before each step: where a scheduler lets interactive jobs go first. */
  readonly beforeStep?: (() => Promise<void>) | undefined;
}

export interface TrainResult {
  /** The trained network's parameters, in the `.f32.bin` layout. */
  readonly parameters: Float32Array;
  readonly history: readonly StepRecord[];
  /** Where it started (0 for a fresh run). */
  readonly resumedAt: number;
  /** Milliseconds of this run (not counting the steps before a resume). */
  readonly elapsedMs: number;
  readonly sample?: RgbImage | undefined;
}

export async function trainStyleNetwork(context: TrainContext, request: TrainRequest, hooks: TrainHooks = {}): Promise<TrainResult> {
  const options = parseTrainOptions(request.options);
  // Shrunk to styleSize, a 3000×2 strip has no rows left, and onnxruntime failed on it with a stack trace.
  checkAspectRatio(request.painting, 'painting', 'painting');
  const layout = parameterLayoutOf(readFastManifest().layers);
  const layers = trainingLayers(context.engine.availableLayers);
  const painting = await resizeToLongSide(request.painting, options.styleSize);
  const settings = settingsKeyOf(painting, layers, options);
  const state = await startingState(context, request.checkpointPath, layout, settings, options);
  const resumedAt = state.step;

  const { size, batch } = options;
  const strengthWeights = weightsForStrength(options.strength);
  const weights = { content: strengthWeights.content, style: strengthWeights.style, tv: strengthWeights.tv / (3 * size * size) };
  const batchLoss = await context.engine.prepareBatches({ layout, batch, size, painting, layers, weights });
  const parameters = state.parameters;
  const history = [...state.history];
  let crops: RgbImage[] = [];
  // One step's loss, as the optimizers see an objective: the batch's mean loss and its gradient with respect to the parameters.
  const objective: Objective = { evaluate: (current) => batchLoss.evaluate(current, crops) };
  const adam = createAdam(objective, parameters, { learningRate: options.learningRate, resume: { firstMoment: state.firstMoment, secondMoment: state.secondMoment, steps: state.step } });
  const started = performance.now();
  let sample: RgbImage | undefined;
  try {
    for (let step = state.step + 1; step <= options.steps; step++) {
      throwIfAborted(hooks.signal);
      await hooks.beforeStep?.();
      throwIfAborted(hooks.signal);
      crops = await drawBatch(request.photos, options, step);
      const { terms } = await adam.step();
      const losses: StepRecord = { step, content: terms.content, style: terms.style, tv: terms.tv, total: terms.total };
      history.push(losses);

      const checkpointed = step % options.checkpointEvery === 0 || step === options.steps;
      if (checkpointed) {
        const { firstMoment, secondMoment } = adam.state();
        await writeCheckpoint(request.checkpointPath, { step, parameters, firstMoment, secondMoment, history, settings });
      }
      sample = request.samplePhoto && (step % options.sampleEvery === 0 || step === options.steps) ? await paintSample(context, layout, parameters, request.samplePhoto) : undefined;
      const elapsedMs = performance.now() - started;
      const etaMs = (elapsedMs / (step - resumedAt)) * (options.steps - step);
      await hooks.onStep?.({ step, totalSteps: options.steps, losses, elapsedMs, etaMs, sample, checkpointed });
    }
  } finally {
    batchLoss.dispose();
  }
  if (request.samplePhoto && !sample) sample = await paintSample(context, layout, parameters, request.samplePhoto);
  return { parameters, history, resumedAt, elapsedMs: performance.now() - started, sample };
}

/**
 * Content on conv2_2 (Johnson et al.: fine detail kept, as a network must for every photo); style
 * on the first layer of each block the weights have.
 */
function trainingLayers(available: readonly string[]): LayerSelection {
  return { content: ['conv2_2'], style: selectLayers(available).style };
}

/** The crops of one step: photos and crops drawn from the step's own generator (so a resume draws the same). */
async function drawBatch(photos: TrainingPhotos, options: TrainOptions, step: number): Promise<RgbImage[]> {
  const random = createRandom(Math.imul(options.seed + 1, 0x9e3779b1) ^ step);
  const crops: RgbImage[] = [];
  for (let index = 0; index < options.batch; index++) crops.push(await photos.crop(Math.floor(random() * photos.paths.length), options.size, random));
  return crops;
}

/** The checkpoint when it is this run's; else fresh parameters (random, or a pretrained network's). */
async function startingState(context: TrainContext, checkpointPath: string, layout: ParameterLayout, settings: string, options: TrainOptions): Promise<TrainingState> {
  const saved = await readCheckpoint(checkpointPath);
  if (saved && saved.settings === settings && saved.parameters.length === layout.size) return saved;
  const parameters = options.from === 'scratch' ? initialParameters(layout, options.seed) : await pretrainedParameters(context, layout, options.from);
  return { step: 0, parameters, firstMoment: new Float32Array(layout.size), secondMoment: new Float32Array(layout.size), history: [], settings };
}

/** As upstream (Engstrom's fast-style-transfer): kernels ~ N(0, 0.1²) truncated at 2σ, norm scale 1, shift 0. */
export function initialParameters(layout: ParameterLayout, seed: number): Float32Array {
  const random = createRandom(seed);
  const parameters = new Float32Array(layout.size);
  for (const layer of layout.layers) {
    const { weights, shift, scale } = layout.offsets.get(layer.name)!;
    for (let i = weights; i < shift; i++) {
      let value: number;
      do value = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      while (Math.abs(value) > 2);
      parameters[i] = 0.1 * value;
    }
    parameters.fill(1, scale, scale + layer.outChannels);
  }
  return parameters;
}

async function pretrainedParameters(context: TrainContext, layout: ParameterLayout, name: FastNetworkName): Promise<Float32Array> {
  const network = await loadFastNetwork(locateFastWeights(context.fastWeightsDir), name);
  const parameters = new Float32Array(layout.size);
  for (const layer of network.layers) {
    const { weights, shift, scale } = layout.offsets.get(layer.name)!;
    parameters.set(layer.weights, weights);
    parameters.set(layer.shift, shift);
    parameters.set(layer.scale, scale);
  }
  return parameters;
}

/** The sample photo painted by the network as it is (clipped to bytes). */
async function paintSample(context: TrainContext, layout: ParameterLayout, parameters: Float32Array, photo: RgbImage): Promise<RgbImage> {
  if (photo.width % 4 || photo.height % 4) throw new InputError('invalid_option', 'The sample photo must be a multiple of 4 pixels wide and high.', 'sample');
  return context.engine.paintSample(layout, parameters, photo);
}

/** What makes two runs the same run: the painting's pixels, the layers and every option but the step counts and intervals. */
function settingsKeyOf(painting: RgbImage, layers: LayerSelection, options: TrainOptions): string {
  const { steps: _steps, checkpointEvery: _checkpointEvery, sampleEvery: _sampleEvery, ...rest } = options;
  const paintingDigest = createHash('sha256').update(painting.data).digest('hex').slice(0, 16);
  return JSON.stringify({ painting: paintingDigest, layers, ...rest });
}

/** The photo cropped to a multiple of 4 pixels each way (the network's two stride-2 layers), for samples. */
export function cropToMultipleOf4(photo: RgbImage): RgbImage {
  return cropImage(photo, 0, 0, photo.width - (photo.width % 4), photo.height - (photo.height % 4));
}
