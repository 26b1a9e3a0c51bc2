import type { BackendName } from '../../engine/backend.ts';
import { scaleSchedule } from '../../engine/multiscale.ts';
import { defaultsFor, type StylizeOptionsInput } from '../../engine/options.ts';

/**
 * Milliseconds per megapixel-evaluation (one forward and backward pass over a megapixel), measured
 * from finished jobs (an exponential average), for ETAs. Starts from a rough figure for the backend
 * until the first job finishes.
 */
const INITIAL_MS_PER_MEGAPIXEL_EVALUATION: Record<BackendName | 'onnx', number> = {
  'tensorflow-gpu': 500,
  tensorflow: 8_000,
  onnx: 9_000,
  wasm: 28_000,
  cpu: 2_000_000,
};

export class SpeedModel {
  private msPerMegapixelEvaluation: number;
  private measured = false;

  constructor(private backend: BackendName | 'onnx' = 'wasm') {
    this.msPerMegapixelEvaluation = INITIAL_MS_PER_MEGAPIXEL_EVALUATION[backend];
  }

  /** Called once the engine has started and its backend is known. */
  useBackend(backend: BackendName | 'onnx'): void {
    this.backend = backend;
    if (!this.measured) this.msPerMegapixelEvaluation = INITIAL_MS_PER_MEGAPIXEL_EVALUATION[backend];
  }

  /** Learns from a finished job: its options and how long it took. */
  record(options: StylizeOptionsInput, elapsedMs: number): void {
    const work = this.workOf(options);
    if (work <= 0 || elapsedMs <= 0) return;
    const measured = elapsedMs / work;
    this.msPerMegapixelEvaluation = this.measured ? 0.5 * this.msPerMegapixelEvaluation + 0.5 * measured : measured;
    this.measured = true;
  }

  /** Expected run time of a job with these options (4:3 images assumed). */
  estimateMs(options: StylizeOptionsInput): number {
    return Math.round(this.workOf(options) * this.msPerMegapixelEvaluation);
  }

  /**
   * Megapixel-evaluations of a job: coarse-to-fine, most iterations are at small sizes, so the work
   * follows the stage schedule, not the final size. Each stage also evaluates its starting point.
   */
  private workOf(options: StylizeOptionsInput): number {
    const defaults = defaultsFor(this.backend === 'onnx' ? 'wasm' : this.backend);
    const stages = scaleSchedule(options.size ?? defaults.size, options.iterations ?? defaults.iterations, options.multiScale ?? true);
    return stages.reduce((sum, stage) => sum + (stage.iterations + 1) * ((stage.size * stage.size * 0.75) / 1e6), 0);
  }
}
