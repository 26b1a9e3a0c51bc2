/**
 * The fast networks on TensorFlow.js: the same layers as the ONNX graph in `network.ts`, for a
 * machine whose engine is TensorFlow.js (a GPU through tfjs-node-gpu). Runs on whatever backend is
 * active; tested here on wasm against the shared reference outputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from '../image.ts';
import { padToMultipleOf4, type FastNetwork } from './network.ts';

/** Instance norm's epsilon, as the networks were trained. */
const EPSILON = 1e-3;

type Layer = FastNetwork['layers'][number];

/** Paints `image` (any size: edge-padded to multiples of 4 and cropped back) in one pass. */
export async function runFastNetworkTfjs(network: FastNetwork, image: RgbImage): Promise<RgbImage> {
  const padded = padToMultipleOf4(image);
  const painted = tf.tidy(() => {
    let x = tf.tensor4d(Float32Array.from(padded.data), [1, padded.height, padded.width, 3]);
    const byName = new Map(network.layers.map((spec) => [spec.name, spec]));
    const layer = (value: tf.Tensor4D, name: string) => applyLayer(value, byName.get(name)!);
    for (const name of ['conv1', 'conv2', 'conv3']) x = layer(x, name);
    for (let block = 1; block <= 5; block++) x = tf.add(x, layer(layer(x, `res${block}_a`), `res${block}_b`));
    for (const name of ['deconv1', 'deconv2', 'conv_out']) x = layer(x, name);
    const rgb = tf.clipByValue(tf.add(tf.mul(tf.tanh(x), 150), 127.5), 0, 255);
    return tf.round(tf.slice(rgb, [0, 0, 0, 0], [1, image.height, image.width, 3]));
  });
  try {
    return { width: image.width, height: image.height, data: Uint8Array.from(await painted.data()) };
  } finally {
    painted.dispose();
  }
}

function applyLayer(x: tf.Tensor4D, spec: Layer): tf.Tensor4D {
  const k = spec.kernel;
  let y: tf.Tensor4D;
  if (spec.kind === 'conv') {
    y = tf.conv2d(x, tf.tensor4d(spec.weights, [k, k, spec.inChannels, spec.outChannels]), spec.stride, 'same');
  } else {
    // TensorFlow's transposed-conv filter is [kh, kw, out, in], as stored.
    const [, h, w] = x.shape;
    y = tf.conv2dTranspose(x, tf.tensor4d(spec.weights, [k, k, spec.outChannels, spec.inChannels]), [1, h * spec.stride, w * spec.stride, spec.outChannels], spec.stride, 'same');
  }
  const { mean, variance } = tf.moments(y, [1, 2], true);
  y = tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, EPSILON))), tf.tensor1d(spec.scale)), tf.tensor1d(spec.shift));
  return spec.relu ? tf.relu(y) : y;
}
