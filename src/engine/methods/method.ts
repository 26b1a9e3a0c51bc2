import type { Engine, WeightedStyle } from '../engine.ts';
import type { RgbImage } from '../image.ts';
import type { OptionSpecs } from '../option-spec.ts';
import type { LossTerms } from '../optimizers/objective.ts';
import type { FastRunner } from '../fast/runner.ts';
import type { PersonSegmenter } from '../segmentation/person.ts';
import type { TrainContext } from '../train/trainer.ts';

/** The pictures a method paints from: the photo, the style (one, or a blend) and an optional mask. */
export interface MethodInputs {
  readonly content: RgbImage;
  readonly styles: readonly WeightedStyle[];
  /** White stylizes, black keeps the photo. */
  readonly mask?: RgbImage | undefined;
  /** The background's style (one, or a blend), while the person gets `styles`: found by segmentation. */
  readonly background?: readonly WeightedStyle[] | undefined;
}

/** One step's loss terms and, for an optimiser, the long side of the picture it painted (it paints coarse to fine). */
export type LossRecord = LossTerms & { readonly size?: number | undefined };

export interface MethodProgress {
  /** Steps done of all steps (iterations for an optimiser, tiles or frames for a network). */
  readonly iteration: number;
  readonly totalIterations: number;
  readonly elapsedMs: number;
  readonly etaMs: number;
  /** The loss terms, for a method that has them. */
  readonly terms?: LossTerms | undefined;
  /** The long side of the picture being painted now, for an optimiser (it paints coarse to fine). */
  readonly size?: number | undefined;
  /** The picture as it is now, on the steps that make a GIF frame. */
  readonly frame?: RgbImage | undefined;
}

export interface MethodRequest {
  readonly inputs: MethodInputs;
  /** The method's own options, as the caller gave them: the method validates them (an `InputError` names the first bad one). */
  readonly options: unknown;
  readonly onProgress?: ((progress: MethodProgress) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
  /**
   * A folder of the job's own that outlives a crash of the process: a long method keeps there what
   * lets it resume (a training checkpoint). The runtime removes it when the job ends.
   */
  readonly stateDir?: string | undefined;
  /**
   * Awaited by a long background method between two units of work (a training step): resolves at
   * once, or when the interactive jobs that go first are done.
   */
  readonly waitForTurn?: (() => Promise<void>) | undefined;
}

export interface MethodResult {
  readonly image: RgbImage;
  /** How the picture emerged, first to last, for the GIF. */
  readonly frames: readonly RgbImage[];
  readonly iterations: number;
  readonly elapsedMs: number;
  /** The loss terms after each step, for a method that has them (else empty). */
  readonly history: readonly LossRecord[];
}

/** What a method runs on: the engine (VGG-19 and its backend, loaded when first asked for), and where other networks live. */
export interface MethodContext {
  readonly engine: () => Promise<Engine>;
  /** IMPASTO_FAST_WEIGHTS_DIR: the feed-forward networks of the `fast` method. */
  readonly fastWeightsDir?: string | undefined;
  /** IMPASTO_TRAINED_NETWORKS_DIR: networks trained here (`trained:<name>`); weights/cache/trained by default. */
  readonly trainedNetworksDir?: string | undefined;
  /**
   * A bot's folder of networks, looked in for a trained network that `trainedNetworksDir` lacks: for
   * `impasto fast` painting a library style the bot trained beside a network of the command's own.
   */
  readonly libraryNetworksDir?: string | undefined;
  /** What runs those networks (chosen once per process); onnxruntime when not given. */
  readonly fastRunner?: (() => Promise<FastRunner>) | undefined;
  /** What training runs on (onnxruntime and the VGG arrays), loaded when a training job first asks. */
  readonly trainer?: (() => Promise<TrainContext>) | undefined;
  /** IMPASTO_TRAINING_PHOTOS_DIR: the photos style networks learn from (never users' uploads). */
  readonly trainingPhotosDir?: string | undefined;
  /** The person-segmentation model (loaded when a job first asks for a target or a background style). */
  readonly segmenter?: (() => Promise<PersonSegmenter>) | undefined;
  /** Told, for the operator, what a job went on without (a training photo that did not decode). */
  readonly warn?: ((message: string) => void) | undefined;
}

/**
 * One way of painting a photo in a style. The engine loads the network and backend once; each
 * method is a small module that runs on it with its own options (written as an option table, from
 * which chat options and CLI flags can be derived), progress and result.
 */
export interface EngineMethod {
  readonly name: string;
  readonly description: string;
  readonly options: OptionSpecs;
  run(context: MethodContext, request: MethodRequest): Promise<MethodResult>;
}
