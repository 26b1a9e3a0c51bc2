/**
 * The fast networks on TensorFlow.js: the same layers as the ONNX graph in `network.ts`, for a
 * machine whose engine is TensorFlow.js (a GPU). Runs on whatever backend is active; tested here on
 * wasm against the shared reference outputs. Training on TensorFlow.js (`train/tfjs-training.ts`)
 * runs the same layers, differentiated by TensorFlow.js's tape.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '../image.ts';
import { storedKernelShape, type ManifestLayer } from './manifest.ts';
import { padToMultipleOf4, type FastNetwork } from './network.ts';

/** Instance norm's epsilon, as the networks were trained. */
const EPSILON = 1e-3;

/** A layer's parameters as tensors: the kernel as stored (`storedKernelShape`), instance norm's scale and shift. */
export interface LayerTensors {
  readonly kernel: tf.Tensor4D;
  readonly scale: tf.Tensor1D;
  readonly shift: tf.Tensor1D;
}

/** Paints `image` (any size: edge-padded to multiples of 4 and cropped back) in one pass. */
export async function runFastNetworkTfjs(network: FastNetwork, image: RgbImage): Promise<RgbImage> {
  const padded = padToMultipleOf4(image);
  const painted = tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(padded.data), [1, padded.height, padded.width, 3]);
    const tensorsOf = (spec: FastNetwork['layers'][number]): LayerTensors => ({ kernel: tf.tensor4d(spec.weights, storedKernelShape(spec)), scale: tf.tensor1d(spec.scale), shift: tf.tensor1d(spec.shift) });
    const rgb = tf.clipByValue(paintUnclipped(x, network.layers, tensorsOf), 0, 255);
    return tf.round(tf.slice(rgb, [0, 0, 0, 0], [1, image.height, image.width, 3]));
  });
  try {
    return { width: image.width, height: image.height, data: Uint8Array.from(await painted.data()) };
  } finally {
    painted.dispose();
  }
}

/**
 * The network's picture of `x` (`[N, H, W, 3]`, RGB 0–255, H and W multiples of 4) before it is
 * clipped: 150·tanh + 127.5, as trained upstream.
 */
export function paintUnclipped<L extends ManifestLayer>(x: tf.Tensor4D, layers: readonly L[], tensorsOf: (layer: L) => LayerTensors): tf.Tensor4D {
  const byName = new Map(layers.map((spec) => [spec.name, spec]));
  const layer = (value: tf.Tensor4D, name: string) => {
    const spec = byName.get(name)!;
    return applyLayer(value, spec, tensorsOf(spec));
  };
  let y = x;
  for (const name of ['conv1', 'conv2', 'conv3']) y = layer(y, name);
  for (let block = 1; block <= 5; block++) y = tf.add(y, layer(layer(y, `res${block}_a`), `res${block}_b`));
  for (const name of ['deconv1', 'deconv2', 'conv_out']) y = layer(y, name);
  return tf.add(tf.mul(tf.tanh(y), 150), 127.5);
}

function applyLayer(x: tf.Tensor4D, spec: ManifestLayer, { kernel, scale, shift }: LayerTensors): tf.Tensor4D {
  let y: tf.Tensor4D;
  if (spec.kind === 'conv') {
    y = tf.conv2d(x, kernel, spec.stride, 'same');
  } else {
    const [batch, h, w] = x.shape;
    y = tf.conv2dTranspose(x, kernel, [batch, h * spec.stride, w * spec.stride, spec.outChannels], spec.stride, 'same');
  }
  const { mean, variance } = tf.moments(y, [1, 2], true);
  y = tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, EPSILON))), scale), shift);
  return spec.relu ? tf.relu(y) : y;
}
