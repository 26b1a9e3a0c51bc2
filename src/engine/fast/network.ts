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
import { cropImage, resizeToLongSide, type RgbImage } from '../image.ts';
import { GraphBuilder } from '../onnx/graph-builder.ts';
import { hwioToOihw, spaceToDepthKernel, transposedConvPhases } from '../onnx/kernels.ts';
import { createSessionCache, createSessionLeases, type OnnxDevice } from '../onnx/sessions.ts';
import { kernelTapsOf, winogradConv } from '../onnx/winograd.ts';
import { alignUp, planTiles, type TilePlan } from './tiles.ts';
import { manifestEntryOf, readFastManifest, type FastNetworkName, type ManifestLayer, type ManifestTensor } from './manifest.ts';

export { FAST_NETWORKS, installedFastNetworks, locateFastWeights, type FastNetworkName } from './manifest.ts';

type Ort = typeof import('onnxruntime-node');

interface FastLayer extends ManifestLayer {
  readonly weights: Float32Array;
  readonly shift: Float32Array;
  readonly scale: Float32Array;
}

export interface FastNetwork {
  /**
   * Unique per set of weights (it names the cached sessions): a pretrained network's name, or a
   * trained one's `trained:<name>:<sha256 prefix>`.
   */
  readonly name: string;
  /** What it was trained on, e.g. "Edvard Munch, The Scream (1893)". */
  readonly styleImage: string;
  readonly layers: readonly FastLayer[];
}

/**
 * Convolutions with fewer outputs than this run on the input's space-to-depth form: onnxruntime
 * computes output channels in blocks of 8 (or 16), so 3 outputs would cost as much as 8.
 */
const FEW_CHANNELS = 8;

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
export function buildFastGraph(network: FastNetwork, width: number, height: number, norm: Normalisation = 'instance', device: OnnxDevice = 'cpu'): Uint8Array {
  const b = new GraphBuilder();
  const input = b.input('x', [1, height, width, 3]);
  const perChannel = (spec: FastLayer) => [1, spec.outChannels, 1, 1];
  let x = b.op('Transpose', [input], { perm: [0, 3, 1, 2] });
  // The size of the layer's input: the two stride-2 convs halve it, the two transposed ones double it.
  let size = { height, width };
  // The rewrites below (Winograd, space-to-depth, the last transposed conv's phases) are for
  // onnxruntime's CPU kernels; a GPU gets the plain convolutions.
  const cpu = device === 'cpu';
  /**
   * `phases`: the layer's input (or output) is in the 2×2 space-to-depth form `[1, 4·C, H/2, W/2]`,
   * channel c's four phases side by side (CRD order), instead of `[1, C, H, W]`.
   */
  const layer = (value: string, spec: FastLayer, form: { readonly phasesIn?: boolean; readonly phasesOut?: boolean } = {}): string => {
    const k = spec.kernel;
    let y: string;
    if (cpu && spec.kind === 'conv' && spec.stride === 1 && k === 3) {
      // The residual blocks' convolutions, 70% of the arithmetic: 4× fewer products (see winograd.ts).
      y = winogradConv(b, value, kernelTapsOf(b, b.constant(hwioToOihw(spec.weights, k, spec.inChannels, spec.outChannels), [spec.outChannels, spec.inChannels, k, k], `w_${spec.name}`), spec.inChannels, spec.outChannels), { ...spec, ...size });
    } else if (cpu && spec.kind === 'conv' && spec.stride === 1 && spec.outChannels < FEW_CHANNELS) {
      // The last layer back to RGB: on the 2×2 space-to-depth form (see spaceToDepthKernel), twice as fast.
      const s2d = spaceToDepthKernel(hwioToOihw(spec.weights, k, spec.inChannels, spec.outChannels), k, spec.inChannels, spec.outChannels, 2, form.phasesIn ? 'CRD' : 'DCR');
      const kernel = b.constant(s2d.kernel, [spec.outChannels * 4, spec.inChannels * 4, s2d.taps, s2d.taps], `w_${spec.name}`);
      const pads = [s2d.padBegin, s2d.padBegin, s2d.padEnd, s2d.padEnd];
      y = b.op('Conv', [form.phasesIn ? value : b.op('SpaceToDepth', [value], { blocksize: 2 }), kernel], { kernel_shape: [s2d.taps, s2d.taps], pads });
      y = b.op('DepthToSpace', [y], { blocksize: 2, mode: 'DCR' });
    } else if (spec.kind === 'conv') {
      const kernel = b.constant(hwioToOihw(spec.weights, k, spec.inChannels, spec.outChannels), [spec.outChannels, spec.inChannels, k, k], `w_${spec.name}`);
      const half = (k - 1) / 2;
      // SAME: stride 1 pads evenly; stride 2 (3×3, on an even size) needs one zero, at the end only.
      const pads = spec.stride === 1 ? [half, half, half, half] : [0, 0, 1, 1];
      y = b.op('Conv', [value, kernel], { kernel_shape: [k, k], strides: [spec.stride, spec.stride], pads });
    } else if (form.phasesOut) {
      // Each output phase is an ordinary convolution with only the kernel taps it uses (see
      // transposedConvPhases). They are stacked down the rows, so that instance norm takes each
      // channel's four phases as one picture; the Reshape below then gives the space-to-depth form.
      const phases = transposedConvPhases(transposeKernelToIohw(spec.weights, k, spec.inChannels, spec.outChannels), spec.inChannels, spec.outChannels);
      const painted = phases.map((phase) => b.op('Conv', [value, b.constant(phase.kernel, [spec.outChannels, spec.inChannels, phase.rows, phase.columns], `w_${spec.name}_${phase.row}${phase.column}`)], { kernel_shape: [phase.rows, phase.columns], pads: [...phase.pads] }));
      y = b.op('Concat', painted, { axis: 2 });
    } else {
      // [kh, kw, out, in] → ONNX ConvTranspose's [in, out, kh, kw]; pads end 1 give exactly 2× the size.
      const kernel = b.constant(transposeKernelToIohw(spec.weights, k, spec.inChannels, spec.outChannels), [spec.inChannels, spec.outChannels, k, k], `w_${spec.name}`);
      y = b.op('ConvTranspose', [value, kernel], { kernel_shape: [k, k], strides: [spec.stride, spec.stride], pads: [0, 0, 1, 1] });
    }
    size = spec.kind === 'conv' ? { height: size.height / spec.stride, width: size.width / spec.stride } : { height: size.height * spec.stride, width: size.width * spec.stride };
    if (norm === 'instance') {
      y = b.op('InstanceNormalization', [y, b.constant(spec.scale, [spec.outChannels], `gamma_${spec.name}`), b.constant(spec.shift, [spec.outChannels], `beta_${spec.name}`)], { epsilon: EPSILON });
    } else if (norm === 'measure') {
      // Instance norm written out, so that its statistics can be outputs.
      const mean = b.op('ReduceMean', [y], { axes: [2, 3], keepdims: 1 });
      const centred = b.op('Sub', [y, mean]);
      const variance = b.op('ReduceMean', [b.op('Mul', [centred, centred])], { axes: [2, 3], keepdims: 1 });
      b.output(b.alias(mean, `mean_${spec.name}`), perChannel(spec));
      b.output(b.alias(variance, `var_${spec.name}`), perChannel(spec));
      const normalised = b.op('Div', [centred, b.op('Sqrt', [b.op('Add', [variance, b.constant([EPSILON], [1])])])]);
      y = b.op('Add', [b.op('Mul', [normalised, b.constant(spec.scale, perChannel(spec), `gamma_${spec.name}`)]), b.constant(spec.shift, perChannel(spec), `beta_${spec.name}`)]);
    } else {
      // The whole picture's statistics, folded into one scale and shift per channel (inputs).
      y = b.op('Add', [b.op('Mul', [y, b.input(`a_${spec.name}`, perChannel(spec))]), b.input(`b_${spec.name}`, perChannel(spec))]);
    }
    if (spec.relu) y = b.op('Relu', [y]);
    return form.phasesOut ? b.op('Reshape', [y, b.int64s([1, spec.outChannels * 4, size.height / 2, size.width / 2])]) : y;
  };
  const byName = new Map(network.layers.map((spec) => [spec.name, spec]));
  for (const name of ['conv1', 'conv2', 'conv3']) x = layer(x, byName.get(name)!);
  for (let block = 1; block <= 5; block++) x = b.op('Add', [x, layer(layer(x, byName.get(`res${block}_a`)!), byName.get(`res${block}_b`)!)]);
  x = layer(x, byName.get('deconv1')!);
  // On the CPU the last transposed conv hands the last layer the space-to-depth form it reads, as
  // phases. At 1024×768 its kernels take 96 ms instead of ConvTranspose's and SpaceToDepth's 197;
  // the whole pass is about 3% faster (interleaved with the old graph). The first transposed conv
  // stays: its phases would have to be interleaved back into pixels, and that cost more than it saved.
  const phases = cpu && byName.get('conv_out')!.outChannels < FEW_CHANNELS;
  x = layer(x, byName.get('deconv2')!, { phasesOut: phases });
  x = layer(x, byName.get('conv_out')!, { phasesIn: phases });
  const rgb = b.op('Clip', [b.op('Add', [b.op('Mul', [b.op('Tanh', [x]), b.constant([150], [1])]), b.constant([127.5], [1])]), b.constant([0], []), b.constant([255], [])]);
  b.output(b.alias(b.op('Transpose', [rgb], { perm: [0, 2, 3, 1] }), 'y'), [1, height, width, 3]);
  return b.build();
}

/**
 * How a graph normalises: `instance` (each picture by its own statistics, as trained), `measure`
 * (the same, with every layer's mean and variance as outputs), or `given` (statistics fed in as
 * inputs: a tile painted with the whole picture's).
 */
export type Normalisation = 'instance' | 'measure' | 'given';

/**
 * Above this many pixels a picture is painted in tiles (peak memory grows with the pixels of one
 * pass: about 0.8 GB at 1024×768 and 1.2 GB at 1456×1092, measured in a process of its own).
 */
export const MAX_PIXELS_PER_PASS = 1_600_000;

/**
 * With onnxruntime's memory arena: about 20% faster here (one small graph per size, unlike the VGG
 * objective's many large ones); without memory patterns, whose block the arena grows in powers of two.
 * The arena keeps its high-water mark while the session lives (about 0.45 GB at 1024×768): cached
 * for good, four picture shapes held 1.9 GB in an idle bot. Leased instead, a session stays a
 * minute after its last job, so that a chat's next picture of the same shape finds it warm (a cold
 * one costs about 0.5 s more), and at most two stay without a job.
 */
const sessions = createSessionLeases({ arena: true, pattern: false }, { graceMs: 60_000, maxIdle: 2 });
/** How many built graphs `fastGraphFor` keeps (about 26 MB each, most of it the Winograd kernels). */
const RECENT_GRAPHS = 2;
const recentGraphs = new Map<string, Uint8Array>();

/**
 * The graph for one picture shape, kept for the last `RECENT_GRAPHS` shapes after their sessions
 * have gone. A chat's pictures come in few shapes (a phone's 4:3 at 1024 px, landscape or portrait)
 * and most of its jobs find their session gone (a minute after the last job): such a job at a shape
 * seen before skips the build (0.13–0.28 s). At 1024×768, a pass whose session had gone took
 * 1.72–1.78 s with it and 1.93–2.16 s without (warm: 1.48–1.74 s). Keyed by the network's name,
 * which changes with its weights (a trained one's carries their sha256).
 */
export function fastGraphFor(network: FastNetwork, width: number, height: number, device: OnnxDevice = 'cpu'): Uint8Array {
  const key = `${network.name}|${width}x${height}|${device}`;
  const graph = recentGraphs.get(key) ?? buildFastGraph(network, width, height, 'instance', device);
  // Most recently used last: the first key is the one to forget.
  recentGraphs.delete(key);
  recentGraphs.set(key, graph);
  if (recentGraphs.size > RECENT_GRAPHS) recentGraphs.delete(recentGraphs.keys().next().value!);
  return graph;
}

/**
 * Tiled pictures' sessions go without the arena: each pass gives its memory back, so the peak is
 * one tile's (or the statistics pass's), not their sum.
 */
const tiledSessions = createSessionCache(2, { arena: false, pattern: true });

/** The statistics of a tiled picture are measured on it at about the default size (1024×768). */
const STATISTICS_PIXELS = 800_000;

export interface FastRunOptions {
  /** Pixels of one pass at most: larger pictures are tiled (MAX_PIXELS_PER_PASS by default). */
  readonly maxPixels?: number | undefined;
  /** Where the statistics of a tiled picture are measured; the picture at about 1024×768 by default (tests measure at full size). */
  readonly statisticsFrom?: RgbImage | undefined;
  /** `cpu` (the default) or onnxruntime's WebGPU provider, for one pass (`npm run check:gpu`). */
  readonly device?: OnnxDevice | undefined;
}

/**
 * Paints an image with a network: edge-padded to multiples of 4 (the two stride-2 layers), run,
 * cropped back. A picture above `maxPixels` is painted in overlapping tiles, each normalised with
 * statistics measured on the whole picture (downscaled to one pass), so that tiles cannot differ
 * in tone and their seams cannot show. Sessions are cached per network, size and kind.
 */
export async function runFastNetwork(ort: Ort, network: FastNetwork, image: RgbImage, options: FastRunOptions = {}): Promise<RgbImage> {
  const maxPixels = options.maxPixels ?? MAX_PIXELS_PER_PASS;
  const padded = padToMultipleOf4(image);
  const { width, height } = padded;
  let values: Float32Array;
  if (width * height <= maxPixels) {
    const device = options.device ?? 'cpu';
    const outputs = await sessions.withSession(ort, `${network.name}|${width}x${height}`, () => fastGraphFor(network, width, height, device), (session) => session.run({ x: tensorOf(ort, padded) }), device);
    values = outputs.y!.data as Float32Array;
  } else {
    const statistics = await measureStatistics(ort, network, options.statisticsFrom ?? (await downscaleToPixels(image, Math.min(maxPixels, STATISTICS_PIXELS))));
    values = await paintTiles(ort, network, padded, planTiles(width, height, maxPixels), statistics);
  }
  const data = new Uint8Array(image.width * image.height * 3);
  // A Uint8ClampedArray rounds what it is given, natively (to nearest, ties to even): at 1024×768
  // about 9 ms where a loop of Math.round took 27–44 ms. The values are within 0–255 already.
  const rounded = new Uint8ClampedArray(data.buffer);
  for (let row = 0; row < image.height; row++) rounded.set(values.subarray(row * width * 3, (row * width + image.width) * 3), row * image.width * 3);
  return { width: image.width, height: image.height, data };
}

/** Every layer's instance-norm mean and variance on `image`, folded with its scale and shift into `a·x + b` per channel. */
async function measureStatistics(ort: Ort, network: FastNetwork, image: RgbImage): Promise<Record<string, InstanceType<Ort['Tensor']>>> {
  const padded = padToMultipleOf4(image);
  const { width, height } = padded;
  const session = await tiledSessions.get(ort, `${network.name}|${width}x${height}|measure`, () => buildFastGraph(network, width, height, 'measure'));
  const outputs = await session.run({ x: tensorOf(ort, padded) });
  const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
  for (const spec of network.layers) {
    const mean = outputs[`mean_${spec.name}`]!.data as Float32Array;
    const variance = outputs[`var_${spec.name}`]!.data as Float32Array;
    const a = new Float32Array(spec.outChannels);
    const b = new Float32Array(spec.outChannels);
    for (let channel = 0; channel < spec.outChannels; channel++) {
      a[channel] = spec.scale[channel]! / Math.sqrt(variance[channel]! + EPSILON);
      b[channel] = spec.shift[channel]! - mean[channel]! * a[channel]!;
    }
    feeds[`a_${spec.name}`] = new ort.Tensor('float32', a, [1, spec.outChannels, 1, 1]);
    feeds[`b_${spec.name}`] = new ort.Tensor('float32', b, [1, spec.outChannels, 1, 1]);
  }
  return feeds;
}

/** Paints each tile with the given statistics and keeps the part it paints exactly (see tiles.ts). */
async function paintTiles(ort: Ort, network: FastNetwork, image: RgbImage, plan: TilePlan, statistics: Record<string, InstanceType<Ort['Tensor']>>): Promise<Float32Array> {
  const { tileLength: tileWidth } = plan.x;
  const { tileLength: tileHeight } = plan.y;
  const session = await tiledSessions.get(ort, `${network.name}|${tileWidth}x${tileHeight}|given`, () => buildFastGraph(network, tileWidth, tileHeight, 'given'));
  const out = new Float32Array(image.width * image.height * 3);
  for (const [row, top] of plan.y.starts.entries()) {
    for (const [column, left] of plan.x.starts.entries()) {
      const tile = cropImage(image, left, top, tileWidth, tileHeight);
      const values = (await session.run({ x: tensorOf(ort, tile), ...statistics })).y!.data as Float32Array;
      const [x0, x1] = [plan.x.cuts[column]!, plan.x.cuts[column + 1] ?? image.width];
      const [y0, y1] = [plan.y.cuts[row]!, plan.y.cuts[row + 1] ?? image.height];
      for (let y = y0; y < y1; y++) out.set(values.subarray(((y - top) * tileWidth + (x0 - left)) * 3, ((y - top) * tileWidth + (x1 - left)) * 3), (y * image.width + x0) * 3);
    }
  }
  return out;
}

function tensorOf(ort: Ort, image: RgbImage): InstanceType<Ort['Tensor']> {
  return new ort.Tensor('float32', Float32Array.from(image.data), [1, image.height, image.width, 3]);
}

/** The picture at most `maxPixels` large, for measuring statistics in one pass. */
async function downscaleToPixels(image: RgbImage, maxPixels: number): Promise<RgbImage> {
  const scale = Math.sqrt(maxPixels / (image.width * image.height));
  return resizeToLongSide(image, Math.floor(Math.max(image.width, image.height) * scale));
}

/**
 * The picture edge-padded to multiples of 4 (the network's two stride-2 layers), repeating its last
 * row and column (no dark border for the network to paint). Both runners crop their result back.
 */
export function padToMultipleOf4(image: RgbImage): RgbImage {
  const [width, height] = [alignUp(image.width, 4), alignUp(image.height, 4)];
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

