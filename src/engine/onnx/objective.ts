import { layerWeightsFor, meanSquare, squaredNorm } from '../normalisation.ts';
import type { Tensor as OrtTensor } from 'onnxruntime-node';
import type { LayerSelection } from '../layers.ts';
import { guidesFor } from '../mask.ts';
import type { Evaluation, LossTerms } from '../optimizers/objective.ts';
import type { DisposableObjective, NetworkInput, ObjectiveSpec } from '../tf-objective.ts';
import { layerResolution, POOL_AFTER, VGG19_LAYERS, type Pooling } from '../vgg.ts';
import { GraphBuilder } from './graph-builder.ts';
import { createSessionLeases, type OnnxDevice, type SessionLeases } from './sessions.ts';
import { winogradConv, type WinogradConvShape } from './winograd.ts';

/** VGG weights as plain arrays: kernel `[3, 3, in, out]` (TensorFlow layout) and bias. */
export type ArrayWeights = ReadonlyMap<string, { readonly kernel: Float32Array; readonly bias: Float32Array; readonly inChannels: number; readonly outChannels: number }>;

type Ort = typeof import('onnxruntime-node');

/** The suffix of the graph inputs of the second region (a two-style split's outside). */
const OUTSIDE = '_out';

/** The same inputs as the TensorFlow.js objective, with the network as plain weights. */
export interface OnnxObjectiveSpec extends Omit<ObjectiveSpec, 'network'> {
  readonly ort: Ort;
  readonly vgg: ArrayWeights;
  readonly pooling: Pooling;
  /**
   * The styles' Gram matrices per style layer, when already known (`gramTargetsOf`): training
   * evaluates thousands of photos against one painting, whose targets need computing once.
   */
  readonly gramTargets?: ReadonlyMap<string, Float32Array> | undefined;
  /**
   * The content's features are taken at this size again and again (training: every crop of every
   * step): their graph runs with the arena, kept warm from one objective to the next.
   */
  readonly repeatedContent?: boolean | undefined;
  /** `cpu` (the default) or onnxruntime's WebGPU provider (see sessions.ts). */
  readonly device?: OnnxDevice | undefined;
  /**
   * Build the graph that `device: 'webgpu'` runs (no CPU rewrites; max pooling's gradient through a
   * mask, not MaxPool's indices output, which that provider lacks) even on the CPU: for the tests.
   */
  readonly portableGraph?: boolean | undefined;
}

/** Which graph a spec runs: the CPU's (with its rewrites) or the one for any provider. */
function graphFlavourOf(spec: Pick<OnnxObjectiveSpec, 'device' | 'portableGraph'>): OnnxDevice {
  return spec.portableGraph || spec.device === 'webgpu' ? 'webgpu' : 'cpu';
}

/**
 * The feature graphs (targets: run once per scale) take their weights as inputs (see `WeightsIn`),
 * so a session costs next to nothing to make: one is made for each run and released with it. They run
 * with the arena: without it, each activation (200 MB at 1024×768) was mapped and zeroed afresh,
 * and a run to conv3_2 at that size took 9–11 s instead of 3.3–3.7 (2 vCPUs).
 */
const featureSessions = createSessionLeases({ arena: true, pattern: true }, { graceMs: 0 });
/**
 * Feature graphs that run at one size many times over (`repeatedContent`: training's crops): as
 * above, but each session is kept for a while after its run, which spans a training step, so that
 * its arena stays warm (with the arena, a 256-px crop's conv2_2 takes 0.10 s instead of 0.26; 2 vCPUs).
 * The one-shot sessions above go at once, so that their arena is not held beside the loss graph's.
 */
const repeatedFeatureSessions = createSessionLeases({ arena: true, pattern: true }, { graceMs: 30_000, maxIdle: 1 });
/**
 * The loss graph runs every evaluation: with the arena its buffers stay mapped from one run to the
 * next instead of being mapped and zeroed again (evaluations 20–28% faster at 512×384 and
 * 1024×768). Leased per objective, so that its memory goes when the scale ends.
 */
const lossSessions = createSessionLeases({ arena: true, pattern: false });

/**
 * The Gatys objective as one native graph on onnxruntime: VGG forward, the three losses, and the
 * backward pass written out analytically (convolution input gradients as convolutions with the
 * flipped kernel, ReLU by its mask, max pooling by MaxUnpool of the forward pass's indices (or, on
 * WebGPU, by where each window's maximum was), average
 * pooling by a transposed depthwise convolution, Gram and MSE gradients in closed form). One
 * `session.run` per evaluation. Graphs are built once per image size and layer set: the feature
 * graphs cached, the loss graph leased (see `lossSessions`).
 */
export async function createOnnxObjective(spec: OnnxObjectiveSpec): Promise<DisposableObjective> {
  const { ort, layers } = spec;
  const { width, height } = spec.content;
  const contentTargets = await runFeatures(spec, spec.content, layers.content, [], spec.repeatedContent ? repeatedFeatureSessions : featureSessions);
  const contentMeans = layers.content.map((name) => meanSquare(contentTargets.get(`features_${name}`)!));
  const sizes = layers.style.map((name) => layerResolution(name, width, height));
  // One region (the whole picture, or the mask's inside), and with `outside` the mask's complement:
  // each has its own Gram targets, layer weights and guides, named with its suffix in the graph.
  const regions = [
    { suffix: '', styles: spec.styles, mask: spec.mask },
    ...(spec.outside && spec.mask ? [{ suffix: OUTSIDE, styles: spec.outside, mask: spec.mask.map((value) => 1 - value) }] : []),
  ];
  const masked = spec.mask !== undefined;
  const device = spec.device ?? 'cpu';
  const constant: Record<string, OrtTensor> = {
    term_weights: new ort.Tensor('float32', Float32Array.of(spec.weights.content, spec.weights.style, spec.weights.tv), [3]),
  };
  layerWeightsFor(spec.normalise ?? false, contentMeans, []).content.forEach((weight, index) => (constant[`content_layer_weight_${layers.content[index]!}`] = new ort.Tensor('float32', Float32Array.of(weight), [1])));
  for (const name of layers.content) {
    const { width: w, height: h } = layerResolution(name, width, height);
    constant[`target_${name}`] = new ort.Tensor('float32', contentTargets.get(`features_${name}`)!, [1, spec.vgg.get(name)!.outChannels, h, w]);
  }
  for (const region of regions) {
    const targets = region.suffix === '' && spec.gramTargets ? spec.gramTargets : await gramTargetsOf(spec, region.styles);
    const layerWeights = layerWeightsFor(spec.normalise ?? false, contentMeans, layers.style.map((name) => squaredNorm(targets.get(name)!))).style;
    const guides = region.mask ? guidesFor(region.mask, width, height, sizes) : undefined;
    layers.style.forEach((name, index) => {
      const channels = spec.vgg.get(name)!.outChannels;
      constant[`style_layer_weight${region.suffix}_${name}`] = new ort.Tensor('float32', Float32Array.of(layerWeights[index]!), [1]);
      constant[`gram_target${region.suffix}_${name}`] = new ort.Tensor('float32', targets.get(name)!, [channels, channels]);
      const guide = guides?.[index];
      if (!guide) return;
      constant[`guide${region.suffix}_${name}`] = new ort.Tensor('float32', guide.values, [1, guide.height * guide.width]);
      constant[`guide_scale${region.suffix}_${name}`] = new ort.Tensor('float32', Float32Array.of(guide.scale), [1]);
    });
  }

  // Leased last, when nothing before it can fail and leave the lease held.
  const graph = graphFlavourOf(spec);
  const { session, release } = await lossSessions.lease(ort, `loss|${graph}|${width}x${height}|${spec.pooling}|${layers.content.join(',')}|${layers.style.join(',')}|${masked ? 'masked' : ''}|${regions.length}`, () =>
    buildLossGraph(spec.vgg, spec.pooling, layers, width, height, masked, regions.map((region) => region.suffix), graph),
    device,
  );
  return {
    async evaluate(x: Float32Array): Promise<Evaluation> {
      const outputs = await session.run({ ...constant, x: new ort.Tensor('float32', x, [1, height, width, 3]) });
      const terms = outputs.terms!.data as Float32Array;
      const loss = terms[0]! + terms[1]! + terms[2]!;
      const lossTerms: LossTerms = { content: terms[0]!, style: terms[1]!, tv: terms[2]!, total: loss };
      return { loss, gradient: Float32Array.from(outputs.gradient!.data as Float32Array), terms: lossTerms };
    },
    dispose: release,
  };
}

/** The style layers' Gram matrices of `styles`; a blend's is the weighted mix of each style's. */
export async function gramTargetsOf(spec: Omit<OnnxObjectiveSpec, 'content' | 'styles' | 'weights'>, styles: OnnxObjectiveSpec['styles']): Promise<Map<string, Float32Array>> {
  const targets = new Map<string, Float32Array>();
  for (const { input, weight } of styles) {
    const grams = await runFeatures(spec, input, [], spec.layers.style);
    for (const name of spec.layers.style) {
      const gram = grams.get(`gram_${name}`)!;
      const total = targets.get(name) ?? new Float32Array(gram.length);
      for (let i = 0; i < gram.length; i++) total[i]! += weight * gram[i]!;
      targets.set(name, total);
    }
  }
  return targets;
}

/** Runs the forward graph on an image: activations of `featureLayers`, Gram matrices of `gramLayers`. */
async function runFeatures(spec: Pick<OnnxObjectiveSpec, 'ort' | 'vgg' | 'pooling' | 'device'>, input: NetworkInput, featureLayers: readonly string[], gramLayers: readonly string[], leases: SessionLeases = featureSessions): Promise<Map<string, Float32Array>> {
  const key = `features|${input.width}x${input.height}|${spec.pooling}|${featureLayers.join(',')}|${gramLayers.join(',')}`;
  const order = VGG19_LAYERS.slice(0, deepestOf([...featureLayers, ...gramLayers]) + 1);
  const build = () => buildFeatureGraph(spec.vgg, spec.pooling, featureLayers, gramLayers, input.width, input.height);
  const feeds = { x: new spec.ort.Tensor('float32', input.x, [1, input.height, input.width, 3]), ...weightFeedsOf(spec.ort, spec.vgg, order) };
  const outputs = await leases.withSession(spec.ort, key, build, (session) => session.run(feeds), spec.device ?? 'cpu');
  return new Map(Object.entries(outputs).map(([name, tensor]) => [name, Float32Array.from(tensor.data as Float32Array)]));
}

// ---------------------------------------------------------------- graph construction

interface ForwardPass {
  /** Each layer's kernel as given, `[3, 3, in, out]` (a constant, or an input). */
  readonly kernels: Map<string, string>;
  /** ReLU outputs per layer, NCHW. */
  readonly activations: Map<string, string>;
  /** MaxPool indices per pooled layer (the CPU's graph). */
  readonly indices: Map<string, string>;
  /** MaxPool's output per pooled layer (the WebGPU graph, which has no indices). */
  readonly pooled: Map<string, string>;
  /** The input as NCHW. */
  readonly image: string;
  readonly order: readonly string[];
}

function deepestOf(names: readonly string[]): number {
  return Math.max(...names.map((name) => VGG19_LAYERS.indexOf(name as (typeof VGG19_LAYERS)[number])));
}

/**
 * Where a graph's VGG weights are. `graph`: initializers, for the loss graph, which runs every
 * evaluation: onnxruntime prepacks them once, and the CPU's large convolutions run as Winograd. Each
 * kernel is in the graph once, as loaded; what the graph derives from it (the convolution's layout,
 * the input gradient's flipped kernel, Winograd's transform) are ops on it, which onnxruntime folds
 * into constants as it loads the graph. Derived in JavaScript, they made the loss graph to conv5_1
 * 407 MB, 4.8 s to build and 2.6 s to load (at 512×384 on 2 vCPUs; about the same at any size);
 * as ops, 58 MB, 0.3 s and 4.9 s.
 * `feeds`: inputs given with each run, for the feature graphs, which run once per scale: nothing of
 * the weights is then encoded, parsed or prepacked for a single run (that took 1.7 s of each 89-MB
 * graph to conv4_2), and the graph is the same for every device.
 */
type WeightsIn = 'graph' | 'feeds';

function buildForward(b: GraphBuilder, weights: ArrayWeights, pooling: Pooling, deepest: number, width: number, height: number, device: OnnxDevice, weightsIn: WeightsIn): ForwardPass {
  const x = b.input('x', [1, height, width, 3]);
  const image = b.op('Transpose', [x], { perm: [0, 3, 1, 2] });
  const kernels = new Map<string, string>();
  const activations = new Map<string, string>();
  const indices = new Map<string, string>();
  const pooled = new Map<string, string>();
  const order = VGG19_LAYERS.slice(0, deepest + 1);
  // Only the CPU's loss graph takes max pooling's gradient through MaxPool's indices, and runs its
  // large convolutions as Winograd.
  const onCpu = weightsIn === 'graph' && device === 'cpu';
  let a = image;
  for (const name of order) {
    const { kernel, bias, inChannels, outChannels } = weights.get(name)!;
    const kernelDims = [3, 3, inChannels, outChannels];
    const given = weightsIn === 'feeds' ? b.input(`kernel_${name}`, kernelDims) : b.constant(kernel, kernelDims, `w_${name}`);
    const biasValue = weightsIn === 'feeds' ? b.input(`bias_${name}`, [outChannels]) : b.constant(bias, [outChannels], `b_${name}`);
    kernels.set(name, given);
    const y = b.op('Relu', [convolve(b, a, forwardKernelOf(b, given, inChannels, outChannels), { inChannels, outChannels, ...layerResolution(name, width, height) }, biasValue, onCpu)]);
    activations.set(name, y);
    a = y;
    if (POOL_AFTER.has(name) && name !== order.at(-1)) {
      if (pooling === 'max' && !onCpu) {
        a = b.op('MaxPool', [y], { kernel_shape: [2, 2], strides: [2, 2] });
        pooled.set(name, a);
      } else if (pooling === 'max') {
        const [output, index] = b.node('MaxPool', [y], { kernel_shape: [2, 2], strides: [2, 2] }, 2);
        indices.set(name, index!);
        a = output!;
      } else {
        a = b.op('AveragePool', [y], { kernel_shape: [2, 2], strides: [2, 2] });
      }
    }
  }
  return { kernels, activations, indices, pooled, image, order };
}

function gramOf(b: GraphBuilder, features: string, channels: number, pixels: number, guide?: { mask: string; scale: string }): { gram: string; matrix: string } {
  let matrix = b.op('Reshape', [features, b.int64s([channels, pixels])]);
  if (guide) matrix = b.op('Mul', [matrix, guide.mask]);
  let gram = b.op('Mul', [b.op('MatMul', [matrix, b.op('Transpose', [matrix], { perm: [1, 0] })]), b.constant([1 / (channels * pixels)], [1])]);
  if (guide) gram = b.op('Mul', [gram, guide.scale]);
  return { gram, matrix };
}

/** The activations of `featureLayers` and the Gram matrices of `gramLayers`, the weights fed with each run (`weightFeedsOf`). */
function buildFeatureGraph(weights: ArrayWeights, pooling: Pooling, featureLayers: readonly string[], gramLayers: readonly string[], width: number, height: number): Uint8Array {
  const b = new GraphBuilder();
  const forward = buildForward(b, weights, pooling, deepestOf([...featureLayers, ...gramLayers]), width, height, 'cpu', 'feeds');
  for (const name of featureLayers) {
    const { width: w, height: h } = layerResolution(name, width, height);
    b.output(b.alias(forward.activations.get(name)!, `features_${name}`), [1, weights.get(name)!.outChannels, h, w]);
  }
  for (const name of gramLayers) {
    const { width: w, height: h } = layerResolution(name, width, height);
    const channels = weights.get(name)!.outChannels;
    b.output(b.alias(gramOf(b, forward.activations.get(name)!, channels, w * h).gram, `gram_${name}`), [channels, channels]);
  }
  return b.build();
}

function buildLossGraph(weights: ArrayWeights, pooling: Pooling, layers: LayerSelection, width: number, height: number, masked: boolean, regions: readonly string[], device: OnnxDevice): Uint8Array {
  const b = new GraphBuilder();
  const forward = buildForward(b, weights, pooling, deepestOf([...layers.content, ...layers.style]), width, height, device, 'graph');
  const termWeights = b.input('term_weights', [3]);
  const weightOf = (index: number) => b.op('Slice', [termWeights, b.int64s([index]), b.int64s([index + 1]), b.int64s([0])]);
  const [contentWeight, styleWeight, tvWeight] = [weightOf(0), weightOf(1), weightOf(2)];
  const seeds = new Map<string, string[]>();
  const addSeed = (name: string, value: string) => seeds.set(name, [...(seeds.get(name) ?? []), value]);
  const sumAll = (value: string) => b.op('Reshape', [b.op('ReduceSum', [value], { keepdims: 0 }), b.int64s([1])]);

  // Content: mean squared error, each layer weighted by its share.
  const contentTerms: string[] = [];
  for (const name of layers.content) {
    const { width: w, height: h } = layerResolution(name, width, height);
    const channels = weights.get(name)!.outChannels;
    const target = b.input(`target_${name}`, [1, channels, h, w]);
    const difference = b.op('Sub', [forward.activations.get(name)!, target]);
    const count = channels * h * w;
    // The layer's share (1/L, or normalised by its target: see normalisation.ts) is an input.
    const share = b.op('Mul', [b.input(`content_layer_weight_${name}`, [1]), b.constant([1 / count], [1])]);
    contentTerms.push(b.op('Mul', [sumAll(b.op('Mul', [difference, difference])), share]));
    addSeed(name, b.op('Mul', [difference, b.op('Mul', [contentWeight, b.op('Mul', [share, b.constant([2], [1])])])]));
  }
  const content = b.op('Mul', [contentTerms.length > 1 ? b.op('Sum', contentTerms) : contentTerms[0]!, contentWeight]);

  // Style: summed squared Gram differences, each layer weighted by its share, for each region.
  const styleTerms: string[] = [];
  for (const name of layers.style) {
    const { width: w, height: h } = layerResolution(name, width, height);
    const channels = weights.get(name)!.outChannels;
    const pixels = w * h;
    for (const suffix of regions) {
      const target = b.input(`gram_target${suffix}_${name}`, [channels, channels]);
      const guide = masked ? { mask: b.input(`guide${suffix}_${name}`, [1, pixels]), scale: b.input(`guide_scale${suffix}_${name}`, [1]) } : undefined;
      const { gram, matrix } = gramOf(b, forward.activations.get(name)!, channels, pixels, guide);
      const difference = b.op('Sub', [gram, target]);
      const share = b.input(`style_layer_weight${suffix}_${name}`, [1]);
      styleTerms.push(b.op('Mul', [sumAll(b.op('Mul', [difference, difference])), share]));
      // dG = 2·w·share·(G − A); dF = (dG + dGᵀ)·F / (C·H·W) (× guide scale, × mask).
      const dGram = b.op('Mul', [difference, b.op('Mul', [styleWeight, b.op('Mul', [share, b.constant([2], [1])])])]);
      const symmetric = b.op('Add', [dGram, b.op('Transpose', [dGram], { perm: [1, 0] })]);
      let dMatrix = b.op('Mul', [b.op('MatMul', [symmetric, matrix]), b.constant([1 / (channels * pixels)], [1])]);
      if (guide) dMatrix = b.op('Mul', [b.op('Mul', [dMatrix, guide.scale]), guide.mask]);
      addSeed(name, b.op('Reshape', [dMatrix, b.int64s([1, channels, h, w])]));
    }
  }
  const style = b.op('Mul', [styleTerms.length > 1 ? b.op('Sum', styleTerms) : styleTerms[0]!, styleWeight]);

  // Total variation (L1) on the image, with TensorFlow's subgradient at 0 (−1) so both engines agree.
  const slice = (value: string, axis: number, start: number, end: number) => b.op('Slice', [value, b.int64s([start]), b.int64s([end]), b.int64s([axis])]);
  const tvParts: string[] = [];
  let tvGradient: string | undefined;
  for (const [axis, size] of [[2, height], [3, width]] as const) {
    const difference = b.op('Sub', [slice(forward.image, axis, 1, size), slice(forward.image, axis, 0, size - 1)]);
    tvParts.push(sumAll(b.op('Abs', [difference])));
    const sign = b.op('Mul', [b.op('Where', [b.op('Greater', [difference, b.constant([0], [1])]), b.constant([1], [1]), b.constant([-1], [1])]), tvWeight]);
    const padBefore = [0, 0, 0, 0, 0, 0, 0, 0];
    const padAfter = [0, 0, 0, 0, 0, 0, 0, 0];
    padBefore[axis] = 1;
    padAfter[axis + 4] = 1;
    const part = b.op('Sub', [b.op('Pad', [sign, b.int64s(padBefore)]), b.op('Pad', [sign, b.int64s(padAfter)])]);
    tvGradient = tvGradient ? b.op('Add', [tvGradient, part]) : part;
  }
  const tv = b.op('Mul', [b.op('Add', tvParts), tvWeight]);
  b.output(b.alias(b.op('Concat', [content, style, tv], { axis: 0 }), 'terms'), [3]);

  // Backward through the network, from the deepest layer to the image.
  let upstream: string | undefined;
  let imageGradient = '';
  for (let index = forward.order.length - 1; index >= 0; index--) {
    const name = forward.order[index]!;
    const layer = weights.get(name)!;
    const contributions = [...(upstream ? [upstream] : []), ...(seeds.get(name) ?? [])];
    const dy = contributions.length > 1 ? b.op('Sum', contributions) : contributions[0]!;
    const activation = forward.activations.get(name)!;
    const dz = b.op('Mul', [dy, b.op('Cast', [b.op('Greater', [activation, b.constant([0], [1])])], { to: 1 })]);
    const da = convolve(b, dz, gradientKernelOf(b, forward.kernels.get(name)!, layer.inChannels, layer.outChannels), { inChannels: layer.outChannels, outChannels: layer.inChannels, ...layerResolution(name, width, height) }, undefined, device === 'cpu');
    if (index === 0) {
      imageGradient = da;
      break;
    }
    const previous = forward.order[index - 1]!;
    if (!POOL_AFTER.has(previous)) {
      upstream = da;
      continue;
    }
    const { width: w, height: h } = layerResolution(previous, width, height);
    const channels = weights.get(previous)!.outChannels;
    // Each pooled value back over its 2×2 window (a depthwise transposed convolution), the odd last
    // row and column (which pooling dropped) padded with zeros.
    const spreadOver = (value: string, fill: number) => {
      const spread = b.op('ConvTranspose', [value, b.constant(new Float32Array(channels * 4).fill(fill), [channels, 1, 2, 2])], { kernel_shape: [2, 2], strides: [2, 2], group: channels });
      return h % 2 || w % 2 ? b.op('Pad', [spread, b.int64s([0, 0, 0, 0, 0, 0, h % 2, w % 2])]) : spread;
    };
    if (pooling === 'max' && forward.indices.has(previous)) {
      upstream = b.op('MaxUnpool', [da, forward.indices.get(previous)!, b.int64s([1, channels, h, w])], { kernel_shape: [2, 2], strides: [2, 2] });
    } else if (pooling === 'max') {
      // Where the window's maximum was. Tied maxima would each take the whole gradient, but the ties
      // are ReLU's zeros (equal positive values in float32 are rare), whose gradient the next step's
      // ReLU mask drops: the same as MaxUnpool's.
      const atMaximum = b.op('Cast', [b.op('Equal', [forward.activations.get(previous)!, spreadOver(forward.pooled.get(previous)!, 1)])], { to: 1 });
      upstream = b.op('Mul', [spreadOver(da, 1), atMaximum]);
    } else {
      upstream = spreadOver(da, 0.25);
    }
  }
  const gradient = b.op('Transpose', [b.op('Add', [imageGradient, tvGradient!])], { perm: [0, 2, 3, 1] });
  b.output(b.alias(gradient, 'gradient'), [1, height, width, 3]);
  return b.build();
}

/**
 * On the CPU, convolutions with at least this many channels in and out run as Winograd F(4×4, 3×3),
 * the rest as onnxruntime's Conv. Measured without the arena on 2 vCPUs (conv3/conv4 layers at
 * 32–128 px): 0.4–0.9 of Conv's time from 256 channels (most at the small sizes, where Conv is least
 * efficient), but up to 1.9× at 64 channels, whose transforms move more memory than the products
 * they save. A GPU gets the plain Conv, whose kernels are the provider's to choose.
 */
const WINOGRAD_FROM_CHANNELS = 256;

/**
 * A convolution's kernel in the forms the graph may use, as ops on VGG's `[3, 3, in, out]` (made when
 * asked for): `[out, in, 3, 3]` for onnxruntime's Conv, or tap by tap, `[9, out, in]`, for Winograd.
 */
interface KernelForms {
  oihw(): string;
  taps(): string;
}

function forwardKernelOf(b: GraphBuilder, kernel: string, inChannels: number, outChannels: number): KernelForms {
  return {
    oihw: () => b.op('Transpose', [kernel], { perm: [3, 2, 0, 1] }),
    taps: () => b.op('Transpose', [b.op('Reshape', [kernel, b.int64s([9, inChannels, outChannels])])], { perm: [0, 2, 1] }),
  };
}

/** The input gradient's kernel: in and out swapped, flipped in both spatial axes (its taps in reverse order). */
function gradientKernelOf(b: GraphBuilder, kernel: string, inChannels: number, outChannels: number): KernelForms {
  return {
    oihw: () => reversed(b, b.op('Transpose', [kernel], { perm: [2, 3, 0, 1] }), [2, 3]),
    taps: () => reversed(b, b.op('Reshape', [kernel, b.int64s([9, inChannels, outChannels])]), [0]),
  };
}

/** `value` with `axes` in reverse order (a Slice with step −1). */
function reversed(b: GraphBuilder, value: string, axes: readonly number[]): string {
  const each = (step: number) => b.int64s(axes.map(() => step));
  return b.op('Slice', [value, each(-1), each(-Number.MAX_SAFE_INTEGER), b.int64s(axes), each(-1)]);
}

/**
 * A 3×3, stride-1, zero-padded convolution, with an optional bias; as Winograd where allowed (the
 * CPU's loss graph) and the channels are many enough.
 */
function convolve(b: GraphBuilder, x: string, kernel: KernelForms, shape: WinogradConvShape, bias: string | undefined, winogradAllowed: boolean): string {
  const { inChannels, outChannels } = shape;
  if (winogradAllowed && Math.min(inChannels, outChannels) >= WINOGRAD_FROM_CHANNELS) {
    const y = winogradConv(b, x, kernel.taps(), shape);
    return bias ? b.op('Add', [y, b.op('Reshape', [bias, b.int64s([1, outChannels, 1, 1])])]) : y;
  }
  return b.op('Conv', [x, kernel.oihw(), ...(bias ? [bias] : [])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
}

/** The feeds of the feature graphs' weight inputs for `layers`: the arrays themselves, not copies. */
function weightFeedsOf(ort: Ort, weights: ArrayWeights, layers: readonly string[]): Record<string, OrtTensor> {
  const feeds: Record<string, OrtTensor> = {};
  for (const name of layers) {
    const { kernel, bias, inChannels, outChannels } = weights.get(name)!;
    feeds[`kernel_${name}`] = new ort.Tensor('float32', kernel, [3, 3, inChannels, outChannels]);
    feeds[`bias_${name}`] = new ort.Tensor('float32', bias, [outChannels]);
  }
  return feeds;
}

/**
 * Copies the loaded tensors into plain arrays once (the ONNX graphs embed them as initializers).
 * Read asynchronously: on a GPU backend a synchronous read is impossible in Node.
 */
export async function arrayWeightsOf(weights: ReadonlyMap<string, { kernel: { data(): Promise<unknown>; shape: number[] }; bias: { data(): Promise<unknown> } }>): Promise<ArrayWeights> {
  const entries = await Promise.all(
    [...weights].map(async ([name, { kernel, bias }]) => {
      const [kernelValues, biasValues] = (await Promise.all([kernel.data(), bias.data()])) as [Float32Array, Float32Array];
      return [name, { kernel: Float32Array.from(kernelValues), bias: Float32Array.from(biasValues), inChannels: kernel.shape[2]!, outChannels: kernel.shape[3]! }] as const;
    }),
  );
  return new Map(entries);
}
