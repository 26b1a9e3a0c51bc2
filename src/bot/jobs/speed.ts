import type { BackendName } from '../../engine/backend.ts';
import { defaultsFor, type StylizeOptionsInput } from '../../engine/options.ts';

/**
 * Milliseconds per iteration per megapixel, measured from finished jobs (an exponential average),
 * for ETAs. Starts from a rough figure for the backend until the first job finishes.
 */
const INITIAL_MS_PER_MEGAPIXEL_ITERATION: Record<BackendName | 'onnx', number> = {
  'tensorflow-gpu': 500,
  tensorflow: 8_000,
  onnx: 8_000,
  wasm: 28_000,
  cpu: 2_000_000,
};

export class SpeedModel {
  private msPerMegapixelIteration: number;
  private measured = false;

  constructor(private backend: BackendName | 'onnx' = 'wasm') {
    this.msPerMegapixelIteration = INITIAL_MS_PER_MEGAPIXEL_ITERATION[backend];
  }

  /** Called once the engine has started and its backend is known. */
  useBackend(backend: BackendName | 'onnx'): void {
    this.backend = backend;
    if (!this.measured) this.msPerMegapixelIteration = INITIAL_MS_PER_MEGAPIXEL_ITERATION[backend];
  }

  record(pixels: number, iterations: number, elapsedMs: number): void {
    if (pixels <= 0 || iterations <= 0) return;
    const measured = elapsedMs / iterations / (pixels / 1e6);
    this.msPerMegapixelIteration = this.measured ? 0.5 * this.msPerMegapixelIteration + 0.5 * measured : measured;
    this.measured = true;
  }

  /** Expected run time of a job with these options (4:3 images assumed). */
  estimateMs(params: StylizeOptionsInput): number {
    const defaults = defaultsFor(this.backend === 'onnx' ? 'wasm' : this.backend);
    const size = params.size ?? defaults.size;
    const iterations = params.iterations ?? defaults.iterations;
    return Math.round(iterations * ((size * size * 0.75) / 1e6) * this.msPerMegapixelIteration);
  }
}
