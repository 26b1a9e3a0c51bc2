/**
 * Which engine trains, chosen as the fast networks' runner is (`fast/runner.ts`): TensorFlow.js
 * where a GPU backend starts (or when IMPASTO_ENGINE=tfjs), else onnxruntime on the CPU, else
 * TensorFlow.js on a CPU backend that has every gradient training needs.
 */
import { chooseBackend, firstThatStarts, gpuBackendFor, type BackendChoice, type BackendEnvironment, type BackendName, type ObjectiveEngineSetting } from '../backend.ts';
import { arrayWeightsOf } from '../onnx/objective.ts';
import { createFeatureNetwork } from '../vgg.ts';
import { loadVggWeights, locateWeights, type DownloadOptions } from '../weights.ts';
import type { GpuAdapterInfo } from '../webgpu.ts';
import { onnxTrainingEngine } from './onnx-training.ts';
import { tfjsTrainingEngine } from './tfjs-training.ts';
import type { TrainContext } from './trainer.ts';
import { loadOnnxRuntime, onnxRuntimeCannotLoad } from '../onnx/runtime.ts';

type Ort = typeof import('onnxruntime-node');

export interface TrainingEngineChoice {
  readonly kind: 'onnx' | 'tfjs';
  /** The TensorFlow.js backend started: the one that trains (tfjs), or the one that decodes the weights (onnx: cpu). */
  readonly backend: BackendName;
  /** One line per decision, for the log and `doctor`. */
  readonly reasons: readonly string[];
  /** The WebGPU adapter, when TensorFlow.js trains on it: its limits bound a batch. */
  readonly adapter?: GpuAdapterInfo | undefined;
}

/**
 * The backends TensorFlow.js can train on. Not wasm: it has no kernel for a convolution's filter
 * gradient (Conv2DBackpropFilter), which the network's backward pass needs.
 */
const TRAINING_BACKENDS: readonly BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'cpu'];

/** `environment`: how backends are looked for (injected in tests, as for `chooseBackend`). */
export async function chooseTrainingEngine(options: { readonly backend?: BackendName | undefined; readonly engine?: ObjectiveEngineSetting | undefined }, environment?: BackendEnvironment): Promise<TrainingEngineChoice> {
  const engine = options.engine ?? 'auto';
  const onTfjs = (choice: BackendChoice, why: string): TrainingEngineChoice => {
    if (!TRAINING_BACKENDS.includes(choice.name)) throw new Error(`IMPASTO_BACKEND=${choice.name}: training cannot run on that backend (it lacks a convolution's filter gradient); use ${TRAINING_BACKENDS.join(', ')}, or onnxruntime`);
    return { kind: 'tfjs', backend: choice.name, reasons: [...choice.reasons, why], ...(choice.adapter ? { adapter: choice.adapter } : {}) };
  };
  /** IMPASTO_BACKEND when set, else the fastest backend that can train. */
  const trainingBackend = async () => (options.backend ? chooseBackend(options.backend, environment) : ((await firstThatStarts(TRAINING_BACKENDS, environment)) ?? chooseBackend('cpu', environment)));
  if (engine === 'tfjs') return onTfjs(await trainingBackend(), 'training: TensorFlow.js (forced by IMPASTO_ENGINE)');
  const gpu = engine === 'auto' ? await gpuBackendFor(options.backend, environment) : undefined;
  if (gpu) return onTfjs(gpu, 'training: TensorFlow.js on the GPU');
  let ort: Ort;
  try {
    ort = await loadOnnxRuntime();
  } catch (error) {
    if (engine !== 'auto') throw onnxRuntimeCannotLoad(engine, error);
    return onTfjs(await trainingBackend(), 'training: TensorFlow.js (onnxruntime-node is not available)');
  }
  // TensorFlow.js only decodes the weight files, on its plain-JS backend (which always loads).
  const decoder = await chooseBackend('cpu', environment);
  const note = engine === 'onnx-webgpu' ? ' (onnxruntime trains on its CPU: its WebGPU provider has not run the backward graphs)' : engine === 'onnx' ? ' (forced by IMPASTO_ENGINE)' : '';
  return { kind: 'onnx', backend: decoder.name, reasons: [`training: onnxruntime ${ort.env.versions.common} on the CPU${note}`] };
}

/** What training needs: the chosen engine (`chooseTrainingEngine` unless given) with VGG-19's weights loaded for it. */
export async function createTrainContext(options: {
  readonly weightsDir?: string | undefined;
  readonly download?: DownloadOptions | undefined;
  readonly fastWeightsDir?: string | undefined;
  readonly backend?: BackendName | undefined;
  readonly engine?: ObjectiveEngineSetting | undefined;
  readonly choice?: TrainingEngineChoice | undefined;
}): Promise<TrainContext & { readonly choice: TrainingEngineChoice }> {
  const choice = options.choice ?? (await chooseTrainingEngine(options));
  const weights = await loadVggWeights(await locateWeights({ explicitDir: options.weightsDir, download: options.download }));
  if (choice.kind === 'tfjs') return { engine: tfjsTrainingEngine(createFeatureNetwork(weights, 'max'), choice.backend, choice.adapter?.limits), fastWeightsDir: options.fastWeightsDir, choice };
  const ort = await loadOnnxRuntime();
  const vgg = await arrayWeightsOf(weights);
  for (const { kernel, bias } of weights.values()) {
    kernel.dispose();
    bias.dispose();
  }
  return { engine: onnxTrainingEngine(ort, vgg), fastWeightsDir: options.fastWeightsDir, choice };
}
