import { LATER_FRAME_ITERATIONS } from '../../engine/clip/temporal.ts';
import { isGpuBackend, type BackendName } from '../../engine/backend.ts';
import type { MethodName } from '../../engine/methods/index.ts';
import { paintedStages, scaleSchedule } from '../../engine/multiscale.ts';
import { defaultsFor } from '../../engine/options.ts';
import type { JobOptions } from './store.ts';

/**
 * Milliseconds per megapixel-evaluation (one forward and backward pass over a megapixel), measured
 * from finished jobs (an exponential average), for ETAs. Starts from a rough figure for the backend
 * until the first job finishes.
 */
const INITIAL_MS_PER_MEGAPIXEL_EVALUATION: Record<BackendName | 'onnx', number> = {
  'tensorflow-gpu': 500,
  // The default job (1024 px, 300 iterations: 13.6 megapixel-evaluations by its stages) took
  // 5.6–5.7 s on an H200 (4 Dec 2026): the small stages cost about 10 ms an evaluation whatever
  // their size, so a megapixel-evaluation costs more there than at 1024² (about 100 ms).
  webgpu: 400,
  tensorflow: 8_000,
  onnx: 9_000,
  wasm: 28_000,
  cpu: 2_000_000,
};
/** A fast network's pass over a megapixel, with decoding and encoding (about 2 s at 1024×768 on 2 vCPUs). */
const INITIAL_MS_PER_MEGAPIXEL_PASS = 2_800;
/** What a fast pass costs whatever the size (loading the network, the GIF). */
const FAST_OVERHEAD_MS = 500;

/** One exponential average of milliseconds per unit of work. */
class Rate {
  private measured = false;
  constructor(public msPerUnit: number) {}
  learn(work: number, elapsedMs: number): void {
    if (work <= 0 || elapsedMs <= 0) return;
    const measured = elapsedMs / work;
    this.msPerUnit = this.measured ? 0.5 * this.msPerUnit + 0.5 * measured : measured;
    this.measured = true;
  }
  reset(msPerUnit: number): void {
    if (!this.measured) this.msPerUnit = msPerUnit;
  }
}

/** How long jobs take, learnt from finished ones: optimisations and fast passes separately. */
export class SpeedModel {
  private readonly optimisation: Rate;
  private readonly pass = new Rate(INITIAL_MS_PER_MEGAPIXEL_PASS);
  /** Per step of 4 crops at 256 px (other batches and sizes in proportion of their pixels). */
  private readonly trainingStep: Rate;

  constructor(private backend: BackendName | 'onnx' = 'wasm') {
    this.optimisation = new Rate(INITIAL_MS_PER_MEGAPIXEL_EVALUATION[backend]);
    this.trainingStep = new Rate(initialTrainingStepMs(backend));
  }

  /** Called once the engine has started and its backend is known. */
  useBackend(backend: BackendName | 'onnx'): void {
    this.backend = backend;
    this.optimisation.reset(INITIAL_MS_PER_MEGAPIXEL_EVALUATION[backend]);
    this.trainingStep.reset(initialTrainingStepMs(backend));
  }

  /** Learns from a finished job: its method, options and how long it took. */
  record(method: MethodName, options: JobOptions, elapsedMs: number): void {
    // Training teaches nothing about painting; it learns its own rate, time held for interactive jobs included (that is what waiting costs).
    if (method === 'train') return this.trainingStep.learn(trainingStepsOf(options), elapsedMs);
    // A clip teaches the time of one frame, as if it were a picture.
    const perFrame = elapsedMs / clipFactorOf(method, options);
    if (method === 'fast') this.pass.learn(megapixels(options.size ?? 1024), Math.max(0, perFrame - FAST_OVERHEAD_MS));
    else this.optimisation.learn(this.evaluationsOf(options), perFrame);
  }

  /** Expected run time of a job (4:3 images assumed). */
  estimateMs(method: MethodName, options: JobOptions): number {
    if (method === 'train') return Math.round(trainingStepsOf(options) * this.trainingStep.msPerUnit);
    const pass = FAST_OVERHEAD_MS + megapixels(options.size ?? 1024) * this.pass.msPerUnit;
    if (method === 'fast') return Math.round(pass * clipFactorOf(method, options));
    // `best` starts from a fast pass (its reported time is the optimisation's alone).
    return Math.round((this.evaluationsOf(options) * this.optimisation.msPerUnit + (method === 'best' ? pass : 0)) * clipFactorOf(method, options));
  }

  /**
   * Megapixel-evaluations of an optimisation: coarse-to-fine, most iterations are at small sizes, so
   * the work follows the stage schedule, not the final size. Each stage also evaluates its starting point.
   */
  private evaluationsOf(options: JobOptions): number {
    const defaults = defaultsFor(this.backend === 'onnx' ? 'wasm' : this.backend);
    const stages = scaleSchedule(options.size ?? defaults.size, options.iterations ?? defaults.iterations, options.multiScale ?? true);
    // A stage's first step evaluates twice; an enlarged stage not at all.
    return paintedStages(stages).reduce((sum, stage) => sum + (stage.iterations + 1) * megapixels(stage.size), 0);
  }
}

/**
 * A training step of 4 crops at 256 px until one is measured: on onnxruntime, on 2 vCPUs, about 8 s
 * (`npm run bench:train`); where the engine is on a GPU, training is too (TensorFlow.js), about 1 s
 * (0.91 s on an H200 on 4 Dec 2026: about 1,500 kernels, whose launches alone cost the CPU
 * 0.1–0.2 s on Dawn's null adapter, and the GPU's own work).
 */
function initialTrainingStepMs(backend: BackendName | 'onnx'): number {
  return backend !== 'onnx' && isGpuBackend(backend) ? 1_000 : 8_000;
}

/** A training job's steps, counted in steps of 4 crops at 256 px. */
function trainingStepsOf(options: JobOptions): number {
  return (options.steps ?? 1) * ((options.size ?? 256) / 256) ** 2 * ((options.batch ?? 4) / 4);
}

function megapixels(longSide: number): number {
  return (longSide * longSide * 0.75) / 1e6;
}

/**
 * How many pictures' worth of work a job is: 1, or for a clip its frames (an optimised clip's frames
 * after the first start from the previous one and take a share of the iterations: see clip/temporal.ts).
 */
function clipFactorOf(method: MethodName, options: JobOptions): number {
  const frames = options.clipFrames ?? 1;
  return method === 'fast' ? frames : 1 + (frames - 1) * LATER_FRAME_ITERATIONS;
}
