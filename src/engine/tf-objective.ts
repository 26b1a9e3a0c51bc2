import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; the union package's bundle does (as a side effect).
import '@tensorflow/tfjs';
import type { LayerSelection } from './layers.ts';
import { contentLoss, gramMatrix, styleLoss, totalVariationLoss } from './losses.ts';
import type { Evaluation, LossTerms, Objective } from './optimizers/objective.ts';
import type { FeatureNetwork } from './vgg.ts';

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
  readonly style: NetworkInput;
  readonly weights: { readonly content: number; readonly style: number; readonly tv: number };
}

export interface DisposableObjective extends Objective {
  dispose(): void;
}

/**
 * The Gatys et al. objective on TensorFlow.js: content loss on the content layers, Gram-matrix style
 * loss on the style layers, total variation, and the gradient of their weighted sum with respect to
 * the image. Targets are computed once and kept; every evaluation runs inside `tidy`.
 */
export function createTfObjective(spec: ObjectiveSpec): DisposableObjective {
  const { network, layers, weights } = spec;
  const contentLayers = new Set(layers.content);
  const styleLayers = new Set(layers.style);
  const styleLayerWeight = 1 / layers.style.length;

  const contentTargets = tf.tidy(() => {
    const features = network.extract(toTensor(spec.content), contentLayers);
    return layers.content.map((name) => features.get(name)!);
  });
  const styleTargets = tf.tidy(() => {
    const features = network.extract(toTensor(spec.style), styleLayers);
    return layers.style.map((name) => gramMatrix(features.get(name)!));
  });
  const wanted = new Set([...contentLayers, ...styleLayers]);
  const { width, height } = spec.content;

  return {
    async evaluate(x: Float32Array): Promise<Evaluation> {
      const { total, gradient, parts } = tf.tidy(() => {
        let kept: tf.Scalar[] = [];
        const lossOf = (image: tf.Tensor): tf.Scalar => {
          const features = network.extract(image as tf.Tensor4D, wanted);
          const content = tf.mul(
            tf.addN(layers.content.map((name, index) => contentLoss(features.get(name)!, contentTargets[index]!))),
            weights.content / layers.content.length,
          ) as tf.Scalar;
          const style = tf.mul(
            styleLoss(layers.style.map((name) => gramMatrix(features.get(name)!)), styleTargets, layers.style.map(() => styleLayerWeight)),
            weights.style,
          ) as tf.Scalar;
          const tv = tf.mul(totalVariationLoss(image as tf.Tensor4D), weights.tv) as tf.Scalar;
          kept = [content, style, tv].map((term) => tf.keep(term));
          return tf.addN([content, style, tv]) as tf.Scalar;
        };
        const { value, grad } = tf.valueAndGrad(lossOf)(tf.tensor4d(x, [1, height, width, 3]));
        return { total: value, gradient: grad, parts: kept };
      });
      try {
        const [content, style, tv] = parts.map((part) => part.dataSync()[0]!) as [number, number, number];
        const loss = total.dataSync()[0]!;
        const terms: LossTerms = { content, style, tv, total: loss };
        return { loss, gradient: gradient.dataSync() as Float32Array, terms };
      } finally {
        tf.dispose([total, gradient, ...parts]);
      }
    },
    dispose() {
      tf.dispose([...contentTargets, ...styleTargets]);
    },
  };
}

function toTensor(input: NetworkInput): tf.Tensor4D {
  return tf.tensor4d(input.x, [1, input.height, input.width, 3]);
}
