import type { BackendName, ObjectiveEngineSetting } from '../../engine/backend.ts';
import type { MethodName } from '../../engine/methods/index.ts';
import type { JobProgress, LossPoint } from './store.ts';

/** Settings the engine worker starts with. */
export interface EngineWorkerData {
  readonly backend?: BackendName | undefined;
  readonly objectiveEngine?: ObjectiveEngineSetting | undefined;
  readonly weightsDir?: string | undefined;
  readonly weightsUrl?: string | undefined;
  readonly fastWeightsDir?: string | undefined;
  /** IMPASTO_TRAINED_NETWORKS_DIR: networks trained here; where a training job saves its network too. */
  readonly trainedNetworksDir?: string | undefined;
  /** IMPASTO_SEGMENTATION_WEIGHTS_DIR: the person-segmentation model (else the cache). */
  readonly segmentationWeightsDir?: string | undefined;
  /**
   * The fast lane's worker runs only the `fast` method: it never loads VGG-19, so it is ready in a
   * moment and small beside the painting worker.
   */
  readonly fastOnly?: boolean | undefined;
  /** The training lane's worker runs only `train` jobs, on onnxruntime (VGG-19 as arrays, loaded at the first job). */
  readonly trainOnly?: boolean | undefined;
  /** IMPASTO_TRAINING_PHOTOS_DIR: what style networks learn from. */
  readonly trainingPhotosDir?: string | undefined;
}

/** One job for the worker: which method, from which files, with the method's own options, into which files. */
export interface RunRequest {
  readonly type: 'run';
  readonly jobId: string;
  readonly method: MethodName;
  readonly inputs: {
    readonly contentPath: string;
    /** The style images and their blend weights. */
    readonly styles: readonly { readonly path: string; readonly weight: number }[];
    readonly maskPath?: string | undefined;
    /** The background's style images (a two-style split along the person's outline). */
    readonly background?: readonly { readonly path: string; readonly weight: number }[] | undefined;
  };
  /** Validated by the method in the worker (the process boundary). */
  readonly options: unknown;
  /** Where to write the result; `mp4Path` is used only for a video clip (when ffmpeg can write one). */
  readonly output: { readonly pngPath: string; readonly gifPath: string; readonly mp4Path: string };
}

/**
 * The folders, beside a job's result, where its run keeps what lets it resume after a crash: a
 * clip's finished frames and a method's state (a training checkpoint). Each file in them is written
 * whole (written elsewhere, then renamed), so whoever runs the engine may copy them at any time: a
 * Redis worker keeps them in Redis for the worker that takes over its job.
 */
export function resumeDirsOf(output: RunRequest['output']): { readonly frames: string; readonly state: string } {
  return { frames: `${output.pngPath}.frames`, state: `${output.pngPath}.state` };
}

/**
 * `hold`: finish the current training step, then wait (interactive jobs are running); `go`: carry on.
 * Only a training job waits; other methods do not ask.
 */
export type HostMessage = RunRequest | { readonly type: 'cancel'; readonly jobId: string } | { readonly type: 'hold' } | { readonly type: 'go' };

export interface RunOutcome {
  readonly width: number;
  readonly height: number;
  readonly iterations: number;
  readonly elapsedMs: number;
  readonly frames: number;
  /** Each iteration's loss terms and size, for loss charts (empty for a method without a loss). */
  readonly lossHistory: readonly LossPoint[];
  /** An MP4 was written to `output.mp4Path` (a video clip answered in kind). */
  readonly video?: boolean | undefined;
  /** A clip's GIF, when it had to be made smaller than the frames to fit the upload limit: its width. */
  readonly gifWidth?: number | undefined;
}

export type WorkerMessage =
  | { readonly type: 'ready'; readonly backend: BackendName; readonly objectiveEngine: 'onnx' | 'tfjs'; readonly reasons: readonly string[]; readonly availableLayers: readonly string[] }
  /** `missingWeights`: a `WeightsError` (the user is told the engine is not set up, not that something broke). */
  | { readonly type: 'startup-failed'; readonly message: string; readonly missingWeights: boolean }
  | { readonly type: 'progress'; readonly jobId: string; readonly progress: JobProgress; readonly preview?: Uint8Array | undefined }
  | { readonly type: 'done'; readonly jobId: string; readonly outcome: RunOutcome }
  /** What a job went on without, for the operator's log (a training photo that did not decode). */
  | { readonly type: 'warning'; readonly jobId: string; readonly message: string }
  | { readonly type: 'failed'; readonly jobId: string; readonly message: string; readonly userMessage?: string | undefined; readonly byInput: boolean; readonly cancelled: boolean };
