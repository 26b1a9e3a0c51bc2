import * as tf from '@tensorflow/tfjs-core';
import type { LayerSelection } from './layers.ts';
import { createContentTerm, createGramTerm, createTotalVariationTerm, gramMatrix, type Guide, type LossTerm } from './losses.ts';
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
  /**
   * The styles' Gram matrices per style layer, when already known (`gramTargetsOf`): training
   * measures one painting once for thousands of crops, as the onnxruntime objective's `gramTargets`.
   */
  readonly gramTargets?: ReadonlyMap<string, Float32Array> | undefined;
}

export interface DisposableObjective extends Objective {
  dispose(): void;
}

/**
 * An objective that evaluates a point already on the TensorFlow.js backend and leaves everything
 * there: for a caller that reads the loss together with numbers of its own (`tf-lbfgs.ts` reads a
 * trial point's loss, slope and free gradient's largest component at once) or a whole batch's at
 * once (training), or that evaluates inside a `tf.customGrad`.
 */
export interface DeviceObjective extends DisposableObjective {
  /** The terms' raw sums at `x` (the image as a flat vector) and the gradient, synchronously: new tensors, the caller's to dispose. */
  traceOnDevice(x: tf.Tensor1D): { readonly sums: tf.Tensor1D; readonly gradient: tf.Tensor1D };
  /** The loss terms from the sums' values, once read. */
  termsOf(sums: Float32Array): LossTerms;
}

export function isDeviceObjective(objective: Objective): objective is DeviceObjective {
  return 'traceOnDevice' in objective;
}

/**
 * The Gatys et al. objective on TensorFlow.js: content loss on the content layers, Gram-matrix style
 * loss on the style layers, total variation, and the gradient of their weighted sum with respect to
 * the image. Targets are computed once and kept; every evaluation runs inside `tidy`.
 *
 * The gradient is written out (each term's own, then the network's backward pass), not taken from
 * TensorFlow.js's tape: see `createFeatureNetwork`. The same arithmetic as the onnxruntime
 * objective's graph.
 *
 * Every read of a tensor's values is asynchronous (`data()`, never `dataSync()`): WebGPU has no
 * synchronous read-back, and TensorFlow.js's WebGPU backend emulates one with an OffscreenCanvas,
 * which Node does not have (found on the first run on a real GPU: every job failed there).
 */
export async function createTfObjective(spec: ObjectiveSpec): Promise<DeviceObjective> {
  const { network, layers, weights } = spec;
  const contentLayers = new Set(layers.content);
  const styleLayers = new Set(layers.style);

  const contentTargets = tf.tidy(() => {
    const features = network.extract(toTensor(spec.content), contentLayers);
    return layers.content.map((name) => features.get(name)!);
  });
  const contentMeans = (await valuesOf(contentTargets)).map(meanSquare);
  const { width, height } = spec.content;
  const normalise = spec.normalise ?? false;
  const contentShares = layerWeightsFor(normalise, contentMeans, []).content;
  const layerTerms: { layer: string; kind: 'content' | 'style'; term: LossTerm }[] = layers.content.map((layer, index) => ({
    layer,
    kind: 'content',
    term: createContentTerm(contentTargets[index]!, weights.content * contentShares[index]!),
  }));
  const guides: Guide[] = [];
  // One region (the whole picture, or the mask's inside), and with `outside` the mask's complement.
  const regions = [{ styles: spec.styles, mask: spec.mask }, ...(spec.outside && spec.mask ? [{ styles: spec.outside, mask: spec.mask.map((value) => 1 - value) }] : [])];
  for (const [index, region] of regions.entries()) {
    const known = index === 0 ? spec.gramTargets : undefined;
    const targets = known ? layers.style.map((name) => tensorOfGram(known.get(name)!)) : mixedGramsOf(network, layers.style, region.styles);
    const shares = layerWeightsFor(normalise, contentMeans, (known ? layers.style.map((name) => known.get(name)!) : await valuesOf(targets)).map(squaredNorm)).style;
    const regionGuides = region.mask ? createGuides(region.mask, width, height, layers.style) : undefined;
    guides.push(...(regionGuides ?? []));
    layers.style.forEach((layer, index) => {
      const shape = { ...layerResolution(layer, width, height), channels: targets[index]!.shape[0] };
      layerTerms.push({ layer, kind: 'style', term: createGramTerm(targets[index]!, shape, weights.style * shares[index]!, regionGuides?.[index]) });
    });
    // Each term keeps its own (unnormalised) copy of its target.
    tf.dispose(targets);
  }
  const variation = createTotalVariationTerm(weights.tv);
  const wanted = new Set([...contentLayers, ...styleLayers]);

  /** The terms' sums (each layer's, then TV's) and the gradient, for the image as a flat vector. */
  const run = (x: tf.Tensor): { sums: tf.Tensor1D; gradient: tf.Tensor1D } => {
    const image = tf.reshape(x, [1, height, width, 3]) as tf.Tensor4D;
    const trace = network.trace(image, wanted);
    const seeds = new Map<string, tf.Tensor4D[]>();
    const sums = layerTerms.map(({ layer, term }) => {
      const { sum, gradient } = term.evaluate(trace.features.get(layer)!);
      seeds.set(layer, [...(seeds.get(layer) ?? []), gradient]);
      return sum;
    });
    const tv = variation.evaluate(image);
    const gradient = tf.add(trace.backward(seeds), tv.gradient);
    return { sums: tf.stack([...sums, tv.sum]) as tf.Tensor1D, gradient: tf.reshape(gradient, [-1]) };
  };
  const termsOf = (sums: Float32Array): LossTerms => {
    const parts = { content: 0, style: 0 };
    layerTerms.forEach(({ kind, term }, index) => (parts[kind] += term.factor * sums[index]!));
    const tv = variation.factor * sums[layerTerms.length]!;
    return { content: parts.content, style: parts.style, tv, total: parts.content + parts.style + tv };
  };

  return {
    async evaluate(x: Float32Array): Promise<Evaluation> {
      const packed = tf.tidy(() => {
        const { sums, gradient } = run(tf.tensor1d(x));
        // One read for the sums and the gradient together: on a GPU each read waits for the device.
        return tf.concat([sums, gradient]);
      });
      const values = (await packed.data()) as Float32Array;
      packed.dispose();
      const terms = termsOf(values);
      // A view, not a copy: the packed tensor is disposed after its read, so nothing else holds these values.
      return { loss: terms.total, gradient: values.subarray(layerTerms.length + 1), terms };
    },
    traceOnDevice: (x) => tf.tidy(() => run(x)),
    termsOf,
    dispose() {
      for (const { term } of layerTerms) term.dispose();
      variation.dispose();
      tf.dispose([...contentTargets, ...guides.map((guide) => guide.mask)]);
    },
  };
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

/**
 * The styles' Gram matrices per style layer, mixed by their weights (the targets of `createTfObjective`),
 * as arrays: for `ObjectiveSpec.gramTargets`.
 */
export async function gramTargetsOf(network: FeatureNetwork, styleLayers: readonly string[], styles: ObjectiveSpec['styles']): Promise<Map<string, Float32Array>> {
  const mixed = mixedGramsOf(network, styleLayers, styles);
  try {
    const values = await valuesOf(mixed);
    return new Map(styleLayers.map((name, index) => [name, values[index]!]));
  } finally {
    tf.dispose(mixed);
  }
}

/** A blend's target: the weighted mix of each style's Gram matrices, per style layer. */
function mixedGramsOf(network: FeatureNetwork, styleLayers: readonly string[], styles: ObjectiveSpec['styles']): tf.Tensor2D[] {
  const wanted = new Set(styleLayers);
  return tf.tidy(() => {
    const perStyle = styles.map(({ input, weight }) => {
      const features = network.extract(toTensor(input), wanted);
      return styleLayers.map((name) => tf.mul(gramMatrix(features.get(name)!), weight) as tf.Tensor2D);
    });
    return styleLayers.map((_, index) => tf.addN(perStyle.map((grams) => grams[index]!)) as tf.Tensor2D);
  });
}

/** A square Gram matrix given as its values. */
function tensorOfGram(values: Float32Array): tf.Tensor2D {
  const channels = Math.round(Math.sqrt(values.length));
  return tf.tensor2d(values, [channels, channels]);
}

/** The values of float32 tensors, read without blocking (see `createTfObjective`). */
function valuesOf(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(tensors.map((tensor) => tensor.data() as Promise<Float32Array>));
}

function toTensor(input: NetworkInput): tf.Tensor4D {
  return tf.tensor4d(input.x, [1, input.height, input.width, 3]);
}
