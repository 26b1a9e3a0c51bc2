/**
 * Feed-forward style networks (Johnson et al. 2016, as in Engstrom's fast-style-transfer): one pass
 * of a small image transformation network, trained once per style. The layout is described in
 * `weights/fast.manifest.json`; the network runs as one onnxruntime graph built here, as the VGG
 * objective is.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../download.ts';
import { WeightsError } from '../errors.ts';
import type { RgbImage } from '../image.ts';
import { GraphBuilder } from '../onnx/graph-builder.ts';
import { hwioToOihw } from '../onnx/kernels.ts';
import { createSessionCache } from '../onnx/sessions.ts';
import { manifestEntryOf, readFastManifest, type FastNetworkName, type ManifestLayer, type ManifestTensor } from './manifest.ts';

export { FAST_NETWORKS, installedFastNetworks, locateFastWeights, type FastNetworkName } from './manifest.ts';

type Ort = typeof import('onnxruntime-node');

interface FastLayer extends ManifestLayer {
  readonly weights: Float32Array;
  readonly shift: Float32Array;
  readonly scale: Float32Array;
}

export interface FastNetwork {
  readonly name: FastNetworkName;
  /** What it was trained on, e.g. "Edvard Munch, The Scream (1893)". */
  readonly styleImage: string;
  readonly layers: readonly FastLayer[];
}

/** Instance norm's epsilon, as the networks were trained. */
const EPSILON = 1e-3;

const networks = new Map<string, Promise<FastNetwork>>();

/** Loads one network (checked against the manifest's sha256 and layout), once per process. */
export function loadFastNetwork(dir: string, name: FastNetworkName): Promise<FastNetwork> {
  const key = `${dir}|${name}`;
  let network = networks.get(key);
  if (!network) {
    network = readNetwork(dir, name);
    networks.set(key, network);
    network.catch(() => networks.delete(key));
  }
  return network;
}

async function readNetwork(dir: string, name: FastNetworkName): Promise<FastNetwork> {
  const { layers } = readFastManifest();
  const style = manifestEntryOf(name);
  const path = join(dir, style.file);
  const bytes = await readFile(path).catch(() => {
    throw new WeightsError(`The fast style network ${style.file} is missing from ${dir}.`);
  });
  const digest = sha256(bytes);
  if (bytes.byteLength !== style.byteLength || digest !== style.sha256) throw new WeightsError(`${path} is not the expected file (sha256 ${digest.slice(0, 12)}…, expected ${style.sha256.slice(0, 12)}…).`);
  // A fresh, aligned copy: small Buffers may sit at an offset that is not a multiple of 4.
  const buffer = new Uint8Array(bytes).buffer;
  const tensor = (layer: string, role: ManifestTensor['role']) => {
    const entry = style.tensors.find((candidate) => candidate.layer === layer && candidate.role === role)!;
    return new Float32Array(buffer, entry.byteOffset, entry.byteLength / 4);
  };
  return {
    name,
    styleImage: style.styleImage,
    layers: layers.map((layer) => ({ ...layer, weights: tensor(layer.name, 'weights'), shift: tensor(layer.name, 'shift'), scale: tensor(layer.name, 'scale') })),
  };
}

/**
 * The network as an ONNX graph for one input size (H and W multiples of 4): NHWC RGB 0–255 in, NHWC
 * RGB 0–255 out. Every layer is IN(conv(x)) with TensorFlow's SAME padding (the extra zero of a
 * stride-2 conv at the bottom and right); residual blocks add without a ReLU after the sum.
 */
export function buildFastGraph(network: FastNetwork, width: number, height: number): Uint8Array {
  const b = new GraphBuilder();
  const input = b.input('x', [1, height, width, 3]);
  let x = b.op('Transpose', [input], { perm: [0, 3, 1, 2] });
  const layer = (value: string, spec: FastLayer): string => {
    const k = spec.kernel;
    let y: string;
    if (spec.kind === 'conv') {
      const kernel = b.constant(hwioToOihw(spec.weights, k, spec.inChannels, spec.outChannels), [spec.outChannels, spec.inChannels, k, k], `w_${spec.name}`);
      const half = (k - 1) / 2;
      // SAME: stride 1 pads evenly; stride 2 (3×3, on an even size) needs one zero, at the end only.
      const pads = spec.stride === 1 ? [half, half, half, half] : [0, 0, 1, 1];
      y = b.op('Conv', [value, kernel], { kernel_shape: [k, k], strides: [spec.stride, spec.stride], pads });
    } else {
      // [kh, kw, out, in] → ONNX ConvTranspose's [in, out, kh, kw]; pads end 1 give exactly 2× the size.
      const kernel = b.constant(transposeKernelToIohw(spec.weights, k, spec.inChannels, spec.outChannels), [spec.inChannels, spec.outChannels, k, k], `w_${spec.name}`);
      y = b.op('ConvTranspose', [value, kernel], { kernel_shape: [k, k], strides: [spec.stride, spec.stride], pads: [0, 0, 1, 1] });
    }
    y = b.op('InstanceNormalization', [y, b.constant(spec.scale, [spec.outChannels], `gamma_${spec.name}`), b.constant(spec.shift, [spec.outChannels], `beta_${spec.name}`)], { epsilon: EPSILON });
    return spec.relu ? b.op('Relu', [y]) : y;
  };
  const byName = new Map(network.layers.map((spec) => [spec.name, spec]));
  for (const name of ['conv1', 'conv2', 'conv3']) x = layer(x, byName.get(name)!);
  for (let block = 1; block <= 5; block++) x = b.op('Add', [x, layer(layer(x, byName.get(`res${block}_a`)!), byName.get(`res${block}_b`)!)]);
  for (const name of ['deconv1', 'deconv2', 'conv_out']) x = layer(x, byName.get(name)!);
  const rgb = b.op('Clip', [b.op('Add', [b.op('Mul', [b.op('Tanh', [x]), b.constant([150], [1])]), b.constant([127.5], [1])]), b.constant([0], []), b.constant([255], [])]);
  b.output(b.alias(b.op('Transpose', [rgb], { perm: [0, 2, 3, 1] }), 'y'), [1, height, width, 3]);
  return b.build();
}

/**
 * With onnxruntime's memory arena: about 20% faster here, for 1.3 GB peak at 1024 px (one small graph
 * per size, unlike the VGG objective's many large ones).
 */
const sessions = createSessionCache(4, true);

/**
 * Paints an image with a network: edge-padded to multiples of 4 (the two stride-2 layers), run,
 * cropped back. Sessions are cached per network and size.
 */
export async function runFastNetwork(ort: Ort, network: FastNetwork, image: RgbImage): Promise<RgbImage> {
  const width = Math.ceil(image.width / 4) * 4;
  const height = Math.ceil(image.height / 4) * 4;
  const session = sessions.get(ort, `${network.name}|${width}x${height}`, () => buildFastGraph(network, width, height));
  const padded = padToSize(image, width, height);
  const outputs = await (await session).run({ x: new ort.Tensor('float32', Float32Array.from(padded.data), [1, height, width, 3]) });
  const values = outputs.y!.data as Float32Array;
  const data = new Uint8Array(image.width * image.height * 3);
  for (let row = 0; row < image.height; row++) {
    for (let column = 0; column < image.width * 3; column++) data[row * image.width * 3 + column] = Math.round(values[row * width * 3 + column]!);
  }
  return { width: image.width, height: image.height, data };
}

/** Repeats the last row and column out to the size (no dark border for the network to paint). */
function padToSize(image: RgbImage, width: number, height: number): RgbImage {
  if (width === image.width && height === image.height) return image;
  const data = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const from = Math.min(row, image.height - 1);
    for (let column = 0; column < width; column++) {
      const source = (from * image.width + Math.min(column, image.width - 1)) * 3;
      data.set(image.data.subarray(source, source + 3), (row * width + column) * 3);
    }
  }
  return { width, height, data };
}

/** A transposed conv's [kh, kw, out, in] (TensorFlow) → [in, out, kh, kw] (ONNX). */
function transposeKernelToIohw(kernel: Float32Array, k: number, inChannels: number, outChannels: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let h = 0; h < k; h++) for (let w = 0; w < k; w++) for (let o = 0; o < outChannels; o++) for (let i = 0; i < inChannels; i++) out[((i * outChannels + o) * k + h) * k + w] = kernel[((h * k + w) * outChannels + o) * inChannels + i]!;
  return out;
}

