/**
 * What a training step computes on. The trainer (`trainer.ts`) holds what every engine shares (the
 * crops drawn, Adam, checkpoints, samples' schedule); an engine gives it the batch's perceptual loss
 * with its gradient with respect to the network's parameters, and paints the sample. Two engines:
 * onnxruntime on the CPU (`onnx-training.ts`) and TensorFlow.js on its backend, a GPU's
 * (`tfjs-training.ts`); `chooseTrainingEngine` (`choose.ts`) picks one as the optimisation's engine is picked.
 */
import type { ParameterLayout } from '../fast/manifest.ts';
import type { RgbImage } from '../image.ts';
import type { LayerSelection } from '../layers.ts';
import type { Evaluation, LossTerms } from '../optimizers/objective.ts';

export interface TrainingEngine {
  /** For people and logs: "onnxruntime 1.30 on the CPU", "TensorFlow.js webgpu". */
  readonly label: string;
  /** The VGG-19 layers whose weights are loaded (the style layers are chosen from them). */
  readonly availableLayers: readonly string[];
  /** The loss of batches of crops of one size against one painting; disposed when the training ends. */
  prepareBatches(spec: BatchSpec): Promise<BatchLoss>;
  /** The photo (sides multiples of 4) painted by the network with `parameters`, clipped to bytes, as the chat would paint it. */
  paintSample(layout: ParameterLayout, parameters: Float32Array, photo: RgbImage): Promise<RgbImage>;
}

export interface BatchSpec {
  readonly layout: ParameterLayout;
  /** Crops per batch. */
  readonly batch: number;
  /** Side of the square crops, in pixels (a multiple of 4). */
  readonly size: number;
  /** The painting, at the size its style is measured. */
  readonly painting: RgbImage;
  readonly layers: LayerSelection;
  /** The loss's weights, TV's already divided by the crop's values. */
  readonly weights: { readonly content: number; readonly style: number; readonly tv: number };
}

export interface BatchLoss {
  /**
   * The mean of the crops' perceptual losses (content against each crop itself, style against the
   * painting, normalised per layer) for the network with `parameters`, and its gradient with respect to them.
   */
  evaluate(parameters: Float32Array, crops: readonly RgbImage[]): Promise<Evaluation>;
  dispose(): void;
}

/** Adds `terms` ÷ `count` into `sums`: the batch's loss is the mean of its crops'. */
export function addMean(sums: { content: number; style: number; tv: number; total: number }, terms: LossTerms, count: number): void {
  for (const key of ['content', 'style', 'tv', 'total'] as const) sums[key] += terms[key] / count;
}

/** The crops side by side as one `[batch, size, size, 3]` array of floats, for a network's input. */
export function batchOf(crops: readonly RgbImage[]): Float32Array {
  const out = new Float32Array(crops.reduce((sum, crop) => sum + crop.data.length, 0));
  let offset = 0;
  for (const crop of crops) {
    out.set(crop.data, offset);
    offset += crop.data.length;
  }
  return out;
}
