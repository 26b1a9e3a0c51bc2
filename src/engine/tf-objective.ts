import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; the union package's bundle does (as a side effect).
import '@tensorflow/tfjs';
import type { LayerSelection } from './layers.ts';
import { contentLoss, gramMatrix, styleLoss, totalVariationLoss } from './losses.ts';
import { layerWeightsFor, meanSquare, squaredNorm } from './normalisation.ts';
import type { Evaluation, LossTerms, Objective } from './optimizers/objective.ts';
import { guidesFor } from './mask.ts';
import { layerResolution, type FeatureNetwork } from './vgg.ts';

/** A network input: the flat BGR mean-subtracted vector of an image and its size. */
export interface NetworkInput {
  readonly x: Float32Array;
  readonly width: number;
  readonly height: number;
}

export interface ObjectiveSpec {
  readonly network: FeatureNetwork;
  readonly layers: LayerSelection;
  readonly content: NetworkInput;
  /** One style, or several whose Gram matrices are mixed with these weights (summing to 1). */
  readonly styles: readonly { readonly input: NetworkInput; readonly weight: number }[];
  /** Where to stylize (1) and not (0), at the content's size: the style loss is guided by it. */
  readonly mask?: Float32Array | undefined;
  /**
   * Styles for where the mask is 0: the picture is split between `styles` (inside) and these, each
   * side's style loss guided by its own part of the mask. Needs `mask`.
   */
  readonly outside?: readonly { readonly input: NetworkInput; readonly weight: number }[] | undefined;
  readonly weights: { readonly content: number; readonly style: number; readonly tv: number };
  /** Divide each layer's term by its target's size (see normalisation.ts); otherwise 1/L each. */
  readonly normalise?: boolean;
}

export interface DisposableObjective extends Objective {
  dispose(): void;
}

/**
 * The Gatys et al. objective on TensorFlow.js: content loss on the content layers, Gram-matrix style
 * loss on the style layers, total variation, and the gradient of their weighted sum with respect to
 * the image. Targets are computed once and kept; every evaluation runs inside `tidy`.
 *
 * Every read of a tensor's values is asynchronous (`data()`, never `dataSync()`): WebGPU has no
 * synchronous read-back, and TensorFlow.js's WebGPU backend emulates one with an OffscreenCanvas,
 * which Node does not have (found on the first run on a real GPU: every job failed there).
 */
export async function createTfObjective(spec: ObjectiveSpec): Promise<DisposableObjective> {
  const { network, layers, weights } = spec;
  const contentLayers = new Set(layers.content);
  const styleLayers = new Set(layers.style);

  const contentTargets = tf.tidy(() => {
    const features = network.extract(toTensor(spec.content), contentLayers);
    return layers.content.map((name) => features.get(name)!);
  });
  // A blend's target is the weighted mix of each style's Gram matrices.
  const gramTargetsOf = (styles: ObjectiveSpec['styles']) =>
    tf.tidy(() => {
      const perStyle = styles.map(({ input, weight }) => {
        const features = network.extract(toTensor(input), styleLayers);
        return layers.style.map((name) => tf.mul(gramMatrix(features.get(name)!), weight) as tf.Tensor2D);
      });
      return layers.style.map((_, index) => tf.addN(perStyle.map((grams) => grams[index]!)) as tf.Tensor2D);
    });
  const contentMeans = (await valuesOf(contentTargets)).map(meanSquare);
  const { width, height } = spec.content;
  // One region (the whole picture, or the mask's inside), and with `outside` the mask's complement.
  const regionSpecs = [{ styles: spec.styles, mask: spec.mask }, ...(spec.outside && spec.mask ? [{ styles: spec.outside, mask: spec.mask.map((value) => 1 - value) }] : [])];
  const regions: { targets: tf.Tensor2D[]; layerWeights: ReturnType<typeof layerWeightsFor>['style']; guides: Guide[] | undefined }[] = [];
  for (const region of regionSpecs) {
    const targets = gramTargetsOf(region.styles);
    const weightsOf = layerWeightsFor(spec.normalise ?? false, contentMeans, (await valuesOf(targets)).map(squaredNorm));
    regions.push({ targets, layerWeights: weightsOf.style, guides: region.mask ? createGuides(region.mask, width, height, layers.style) : undefined });
  }
  const contentWeights = layerWeightsFor(spec.normalise ?? false, contentMeans, []).content;
  const wanted = new Set([...contentLayers, ...styleLayers]);

  return {
    async evaluate(x: Float32Array): Promise<Evaluation> {
      const { total, gradient, parts } = tf.tidy(() => {
        let kept: tf.Scalar[] = [];
        const lossOf = (image: tf.Tensor): tf.Scalar => {
          const features = network.extract(image as tf.Tensor4D, wanted);
          const content = tf.mul(
            tf.addN(layers.content.map((name, index) => tf.mul(contentLoss(features.get(name)!, contentTargets[index]!), contentWeights[index]!))),
            weights.content,
          ) as tf.Scalar;
          const regionLosses = regions.map(({ targets, layerWeights, guides }) => {
            const grams = layers.style.map((name, index) => (guides ? guidedGram(features.get(name)!, guides[index]!) : gramMatrix(features.get(name)!)));
            return styleLoss(grams, targets, layerWeights);
          });
          const style = tf.mul(tf.addN(regionLosses), weights.style) as tf.Scalar;
          const tv = tf.mul(totalVariationLoss(image as tf.Tensor4D), weights.tv) as tf.Scalar;
          kept = [content, style, tv].map((term) => tf.keep(term));
          return tf.addN([content, style, tv]) as tf.Scalar;
        };
        const { value, grad } = tf.valueAndGrad(lossOf)(tf.tensor4d(x, [1, height, width, 3]));
        return { total: value, gradient: grad, parts: kept };
      });
      try {
        // One read for the terms and the gradient together: on a GPU each read waits for the device.
        const packed = tf.tidy(() => tf.concat([tf.stack([...parts, total]), tf.reshape(gradient, [-1])]));
        const values = (await packed.data()) as Float32Array;
        packed.dispose();
        const [content, style, tv, loss] = values.subarray(0, 4) as unknown as [number, number, number, number];
        const terms: LossTerms = { content, style, tv, total: loss };
        return { loss, gradient: values.slice(4), terms };
      } finally {
        tf.dispose([total, gradient, ...parts]);
      }
    },
    dispose() {
      tf.dispose([...contentTargets, ...regions.flatMap(({ targets, guides }) => [...targets, ...(guides ?? []).map((guide) => guide.mask)])]);
    },
  };
}

interface Guide {
  /** The mask at this layer's resolution, `[1, h, w, 1]`. */
  readonly mask: tf.Tensor4D;
  /** h·w / Σmask: rescales the Gram so that a half-masked image is compared like a whole one. */
  readonly scale: number;
}

/**
 * The mask resized to each style layer's resolution, for guided Gram matrices (Gatys et al. 2017,
 * "Controlling Perceptual Factors"): features outside the mask do not count towards the style, so
 * strokes are not pulled across its edge.
 */
function createGuides(mask: Float32Array, width: number, height: number, styleLayers: readonly string[]): Guide[] {
  const guides = guidesFor(mask, width, height, styleLayers.map((name) => layerResolution(name, width, height)));
  return guides.map((guide) => ({ mask: tf.tensor4d(guide.values, [1, guide.height, guide.width, 1]), scale: guide.scale }));
}

function guidedGram(features: tf.Tensor4D, guide: Guide): tf.Tensor2D {
  return tf.mul(gramMatrix(tf.mul(features, guide.mask) as tf.Tensor4D), guide.scale) as tf.Tensor2D;
}

/** The values of float32 tensors, read without blocking (see `createTfObjective`). */
function valuesOf(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(tensors.map((tensor) => tensor.data() as Promise<Float32Array>));
}

function toTensor(input: NetworkInput): tf.Tensor4D {
  return tf.tensor4d(input.x, [1, input.height, input.width, 3]);
}
