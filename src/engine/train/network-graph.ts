/**
 * The fast network (the layout of `weights/fast.manifest.json`) as trainable onnxruntime graphs:
 * its parameters are one flat input in the layout of the `.f32.bin` files (per layer: weights,
 * shift, scale), so that a trained network is saved as the pretrained ones are and one runtime serves
 * both. onnxruntime-node has no training API, so the backward pass is written out, as the VGG
 * objective's is: convolution weight gradients as convolutions of the input by the output gradient
 * (dilated by the stride), input gradients as transposed convolutions, instance norm in closed form.
 */
import { storedKernelShape, type ManifestLayer, type ParameterLayout } from '../fast/manifest.ts';
import { GraphBuilder } from '../onnx/graph-builder.ts';
import type { PictureSize } from '../image.ts';

/** Instance norm's epsilon, as the pretrained networks were trained. */
const EPSILON = 1e-3;

interface LayerValues {
  readonly layer: ManifestLayer;
  readonly input: string;
  /** The kernel in ONNX's layout: Conv `[out, in, k, k]`, ConvTranspose `[in, out, k, k]`. */
  readonly kernel: string;
  readonly gamma: string;
  readonly normalised: string;
  readonly invStd: string;
  /** Before the ReLU (the layer's output when it has none). */
  readonly affine: string;
}

interface Forward {
  readonly output: string;
  readonly tanh: string;
  readonly values: ReadonlyMap<string, LayerValues>;
}

/** A picture's pads for TensorFlow's SAME: even for stride 1; one at the end for stride 2 (on an even size). */
function padsOf(layer: ManifestLayer): number[] {
  const half = (layer.kernel - 1) / 2;
  return layer.stride === 1 ? [half, half, half, half] : [0, 0, 1, 1];
}

function buildForward(b: GraphBuilder, layout: ParameterLayout, batch: number, width: number, height: number): Forward {
  const params = b.input('params', [layout.size]);
  const slice = (start: number, length: number) => b.op('Slice', [params, b.int64s([start]), b.int64s([start + length]), b.int64s([0])]);
  const perChannel = (value: string, channels: number) => b.op('Reshape', [value, b.int64s([1, channels, 1, 1])]);
  const values = new Map<string, LayerValues>();
  const layer = (input: string, spec: ManifestLayer): string => {
    const offsets = layout.offsets.get(spec.name)!;
    const shape = storedKernelShape(spec);
    // Both stored layouts become ONNX's by the same permutation: [k, k, a, b] → [b, a, k, k].
    const kernel = b.op('Transpose', [b.op('Reshape', [slice(offsets.weights, shape.reduce((x, y) => x * y)), b.int64s(shape)])], { perm: [3, 2, 0, 1] });
    const attributes = { kernel_shape: [spec.kernel, spec.kernel], strides: [spec.stride, spec.stride], pads: padsOf(spec) };
    const z = b.op(spec.kind === 'conv' ? 'Conv' : 'ConvTranspose', [input, kernel], attributes);
    const mean = b.op('ReduceMean', [z], { axes: [2, 3], keepdims: 1 });
    const centred = b.op('Sub', [z, mean]);
    const variance = b.op('ReduceMean', [b.op('Mul', [centred, centred])], { axes: [2, 3], keepdims: 1 });
    const invStd = b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [variance, b.constant([EPSILON], [1])])])]);
    const normalised = b.op('Mul', [centred, invStd]);
    const gamma = perChannel(slice(offsets.scale, spec.outChannels), spec.outChannels);
    const affine = b.op('Add', [b.op('Mul', [normalised, gamma]), perChannel(slice(offsets.shift, spec.outChannels), spec.outChannels)]);
    values.set(spec.name, { layer: spec, input, kernel, gamma, normalised, invStd, affine });
    return spec.relu ? b.op('Relu', [affine]) : affine;
  };
  const byName = new Map(layout.layers.map((spec) => [spec.name, spec]));
  let x = b.op('Transpose', [b.input('x', [batch, height, width, 3])], { perm: [0, 3, 1, 2] });
  for (const name of ['conv1', 'conv2', 'conv3']) x = layer(x, byName.get(name)!);
  for (let block = 1; block <= 5; block++) x = b.op('Add', [x, layer(layer(x, byName.get(`res${block}_a`)!), byName.get(`res${block}_b`)!)]);
  for (const name of ['deconv1', 'deconv2', 'conv_out']) x = layer(x, byName.get(name)!);
  // As trained upstream: tanh·150 + 127.5, not clipped (the clip is the painting's, at inference).
  const tanh = b.op('Tanh', [x]);
  const output = b.op('Add', [b.op('Mul', [tanh, b.constant([150], [1])]), b.constant([127.5], [1])]);
  return { output, tanh, values };
}

/** The forward graph: `params` and `x` (NHWC RGB 0–255) in, `y` (NHWC, 0–255 before clipping) out. */
export function buildTrainingForwardGraph(layout: ParameterLayout, batch: number, width: number, height: number): Uint8Array {
  const b = new GraphBuilder();
  const { output } = buildForward(b, layout, batch, width, height);
  b.output(b.alias(b.op('Transpose', [output], { perm: [0, 2, 3, 1] }), 'y'), [batch, height, width, 3]);
  return b.build();
}

/**
 * The backward graph: `params`, `x` and `dy` (the loss's gradient with respect to `y`, NHWC) in,
 * `gradient` (the loss's gradient with respect to `params`, in their layout) out. It runs the forward
 * pass again rather than taking its activations in (less to copy, simpler to call).
 */
export function buildTrainingBackwardGraph(layout: ParameterLayout, batch: number, width: number, height: number): Uint8Array {
  const b = new GraphBuilder();
  const forward = buildForward(b, layout, batch, width, height);
  const sizes = layerSizes(layout, width, height);
  const dy = b.op('Transpose', [b.input('dy', [batch, height, width, 3])], { perm: [0, 3, 1, 2] });
  const one = b.constant([1], [1]);
  const zero = b.constant([0], [1]);
  const channelAxes = b.int64s([0, 2, 3]);
  const toBatchMajor = (value: string) => b.op('Transpose', [value], { perm: [1, 0, 2, 3] });
  const gradients = new Map<string, string[]>();

  /** Back through one layer: records its parameters' gradients, returns its input's (unless the first). */
  const backLayer = (name: string, upstream: string): string => {
    const { layer, input, kernel, gamma, normalised, invStd, affine } = forward.values.get(name)!;
    const dAffine = layer.relu ? b.op('Mul', [upstream, b.op('Cast', [b.op('Greater', [affine, zero])], { to: 1 })]) : upstream;
    const dScale = b.op('ReduceSum', [b.op('Mul', [dAffine, normalised]), channelAxes], { keepdims: 0 });
    const dShift = b.op('ReduceSum', [dAffine, channelAxes], { keepdims: 0 });
    // Instance norm: dz = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / σ, per picture and channel.
    const dNormalised = b.op('Mul', [dAffine, gamma]);
    const meanOf = (value: string) => b.op('ReduceMean', [value], { axes: [2, 3], keepdims: 1 });
    const dz = b.op('Mul', [b.op('Sub', [b.op('Sub', [dNormalised, meanOf(dNormalised)]), b.op('Mul', [normalised, meanOf(b.op('Mul', [dNormalised, normalised]))])]), invStd]);
    const pads = padsOf(layer);
    const dilations = [layer.stride, layer.stride];
    let dKernel: string;
    let dInput: string | undefined;
    if (layer.kind === 'conv') {
      // dW[o,i,kh,kw] = Σ dz[n,o,y,x]·pad(a)[n,i,s·y+kh,s·x+kw]: the padded input (batch as channels)
      // convolved with dz (dilated by the stride) gives [in, out, k, k].
      const padded = b.op('Pad', [input, b.int64s([0, 0, pads[0]!, pads[1]!, 0, 0, pads[2]!, pads[3]!])]);
      dKernel = layer.kernel === 3 ? weightGradientByPatches(b, padded, layer.inChannels, dz, layer.outChannels, layer.kernel, layer.stride, sizes.get(name)!.output, batch) : b.op('Transpose', [b.op('Conv', [toBatchMajor(padded), toBatchMajor(dz)], { dilations })], { perm: [2, 3, 0, 1] });
      if (name !== 'conv1') dInput = inputGradientOfConv(b, layer, dz, kernel);
    } else {
      // Transposed: dW[i,o,kh,kw] = Σ a[n,i,y,x]·dz[n,o,2y+kh,2x+kw], with dz padded at the end as
      // the forward pass cropped it; gives [out, in, k, k].
      const padded = b.op('Pad', [dz, b.int64s([0, 0, 0, 0, 0, 0, pads[2]!, pads[3]!])]);
      dKernel = weightGradientByPatches(b, padded, layer.outChannels, input, layer.inChannels, layer.kernel, layer.stride, sizes.get(name)!.input, batch);
      dInput = b.op('Conv', [dz, kernel], { kernel_shape: [layer.kernel, layer.kernel], strides: dilations, pads });
    }
    gradients.set(name, [dKernel, dShift, dScale]);
    return dInput ?? '';
  };

  // y = 150·tanh(z) + 127.5.
  let upstream = b.op('Mul', [dy, b.op('Mul', [b.op('Sub', [one, b.op('Mul', [forward.tanh, forward.tanh])]), b.constant([150], [1])])]);
  for (const name of ['conv_out', 'deconv2', 'deconv1']) upstream = backLayer(name, upstream);
  for (let block = 5; block >= 1; block--) upstream = b.op('Add', [upstream, backLayer(`res${block}_a`, backLayer(`res${block}_b`, upstream))]);
  for (const name of ['conv3', 'conv2', 'conv1']) upstream = backLayer(name, upstream);

  const flat = layout.layers.flatMap((spec) => gradients.get(spec.name)!.map((value) => b.op('Reshape', [value, b.int64s([-1])])));
  b.output(b.alias(b.op('Concat', flat, { axis: 0 }), 'gradient'), [layout.size]);
  return b.build();
}

/**
 * A conv's input gradient. Stride 1: a conv of dz with the kernel flipped and its in/out swapped,
 * which onnxruntime runs several times faster than the equivalent ConvTranspose (whose GEMM has
 * only the few output channels as its inner dimension: 1 s instead of 0.1 s for conv_out at 256 px, batch 4).
 */
function inputGradientOfConv(b: GraphBuilder, layer: ManifestLayer, dz: string, kernel: string): string {
  const k = layer.kernel;
  const attributes = { kernel_shape: [k, k], strides: [layer.stride, layer.stride], pads: padsOf(layer) };
  if (layer.stride !== 1) return b.op('ConvTranspose', [dz, kernel], attributes);
  const swapped = b.op('Transpose', [kernel], { perm: [1, 0, 2, 3] });
  const flipped = b.op('Slice', [swapped, b.int64s([k - 1, k - 1]), b.int64s([-k - 1, -k - 1]), b.int64s([2, 3]), b.int64s([-1, -1])]);
  return b.op('Conv', [dz, flipped], attributes);
}

/**
 * A kernel's gradient as one batched matrix product (im2col): the k² strided slices of `source`
 * (a padded layer input, or a transposed conv's padded output gradient) stacked into
 * [N, k²·C, h·w], times `other` as [N, h·w, C2], summed over the batch: [k, k, C, C2], the stored
 * layout. onnxruntime runs this several times faster than the equivalent convolution with a huge,
 * dilated kernel.
 */
function weightGradientByPatches(b: GraphBuilder, source: string, channels: number, other: string, otherChannels: number, k: number, stride: number, size: PictureSize, batch: number): string {
  const { width, height } = size;
  const slices: string[] = [];
  for (let ky = 0; ky < k; ky++) {
    for (let kx = 0; kx < k; kx++) {
      const slice = b.op('Slice', [source, b.int64s([ky, kx]), b.int64s([ky + stride * (height - 1) + 1, kx + stride * (width - 1) + 1]), b.int64s([2, 3]), b.int64s([stride, stride])]);
      slices.push(b.op('Reshape', [slice, b.int64s([batch, 1, channels, height, width])]));
    }
  }
  const patches = b.op('Reshape', [b.op('Concat', slices, { axis: 1 }), b.int64s([batch, k * k * channels, height * width])]);
  const columns = b.op('Transpose', [b.op('Reshape', [other, b.int64s([batch, otherChannels, height * width])])], { perm: [0, 2, 1] });
  const perPicture = b.op('MatMul', [patches, columns]);
  return b.op('Reshape', [b.op('ReduceSum', [perPicture, b.int64s([0])], { keepdims: 0 }), b.int64s([k, k, channels, otherChannels])]);
}

/** Each layer's input and output size (H, W): stride-2 convs halve, transposed ones double. */
function layerSizes(layout: ParameterLayout, width: number, height: number): Map<string, { input: PictureSize; output: PictureSize }> {
  const sizes = new Map<string, { input: PictureSize; output: PictureSize }>();
  let current = { width, height };
  for (const layer of layout.layers) {
    const output = layer.stride === 1 ? current : layer.kind === 'conv' ? { width: current.width / 2, height: current.height / 2 } : { width: current.width * 2, height: current.height * 2 };
    sizes.set(layer.name, { input: current, output });
    current = output;
  }
  return sizes;
}
