import type { VggWeights } from '../../src/engine/weights.ts';

/**
 * An independent float64 implementation of the style transfer loss in plain loops, for checking the
 * engine: the same definitions (conv 3×3 same + ReLU, 2×2 max pooling, content MSE, C·H·W-normalised
 * Gram with summed squared error averaged over style layers, L1 total variation), written without
 * any tensor library so that finite differences are not drowned in float32 rounding.
 */
interface Map64 {
  data: Float64Array;
  height: number;
  width: number;
  channels: number;
}

const POOL_AFTER = new Set(['conv1_2', 'conv2_2', 'conv3_4']);
const ORDER = ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv3_3', 'conv3_4'];

export interface ReferenceSpec {
  weights: VggWeights;
  contentLayers: readonly string[];
  styleLayers: readonly string[];
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
}

export function createReferenceLoss(spec: ReferenceSpec, content: Map64, style: Map64): (x: Map64) => number {
  const kernels = new Map(
    ORDER.filter((name) => spec.weights.has(name)).map((name) => {
      const { kernel, bias } = spec.weights.get(name)!;
      return [name, { kernel: Float64Array.from(kernel.dataSync()), bias: Float64Array.from(bias.dataSync()), inC: kernel.shape[2], outC: kernel.shape[3] }] as const;
    }),
  );
  const deepest = Math.max(...[...spec.contentLayers, ...spec.styleLayers].map((name) => ORDER.indexOf(name)));
  const features = (input: Map64): Map<string, Map64> => {
    const out = new Map<string, Map64>();
    let x = input;
    for (const name of ORDER.slice(0, deepest + 1)) {
      x = convRelu(x, kernels.get(name)!);
      out.set(name, x);
      if (POOL_AFTER.has(name)) x = maxPool(x);
    }
    return out;
  };
  const contentTargets = features(content);
  const styleTargets = features(style);
  const styleGrams = new Map(spec.styleLayers.map((name) => [name, gram(styleTargets.get(name)!)]));
  return (x) => {
    const f = features(x);
    let contentLoss = 0;
    for (const name of spec.contentLayers) {
      const a = f.get(name)!.data;
      const b = contentTargets.get(name)!.data;
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
      contentLoss += sum / a.length / spec.contentLayers.length;
    }
    let styleLoss = 0;
    for (const name of spec.styleLayers) {
      const g = gram(f.get(name)!);
      const t = styleGrams.get(name)!;
      let sum = 0;
      for (let i = 0; i < g.length; i++) sum += (g[i]! - t[i]!) ** 2;
      styleLoss += sum / spec.styleLayers.length;
    }
    return spec.contentWeight * contentLoss + spec.styleWeight * styleLoss + spec.tvWeight * totalVariation(x);
  };
}

export function toMap64(x: Float32Array, width: number, height: number): Map64 {
  return { data: Float64Array.from(x), width, height, channels: 3 };
}

function convRelu(x: Map64, layer: { kernel: Float64Array; bias: Float64Array; inC: number; outC: number }): Map64 {
  const { height, width } = x;
  const { inC, outC, kernel, bias } = layer;
  const out = new Float64Array(height * width * outC);
  for (let y = 0; y < height; y++) {
    for (let xx = 0; xx < width; xx++) {
      const o = (y * width + xx) * outC;
      for (let k = 0; k < outC; k++) out[o + k] = bias[k]!;
      for (let ky = 0; ky < 3; ky++) {
        const sy = y + ky - 1;
        if (sy < 0 || sy >= height) continue;
        for (let kx = 0; kx < 3; kx++) {
          const sx = xx + kx - 1;
          if (sx < 0 || sx >= width) continue;
          const i = (sy * width + sx) * inC;
          for (let c = 0; c < inC; c++) {
            const value = x.data[i + c]!;
            const w = ((ky * 3 + kx) * inC + c) * outC;
            for (let k = 0; k < outC; k++) out[o + k]! += value * kernel[w + k]!;
          }
        }
      }
      for (let k = 0; k < outC; k++) if (out[o + k]! < 0) out[o + k] = 0;
    }
  }
  return { data: out, height, width, channels: outC };
}

function maxPool(x: Map64): Map64 {
  const height = Math.floor(x.height / 2);
  const width = Math.floor(x.width / 2);
  const out = new Float64Array(height * width * x.channels);
  for (let y = 0; y < height; y++)
    for (let xx = 0; xx < width; xx++)
      for (let c = 0; c < x.channels; c++) {
        let max = -Infinity;
        for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) max = Math.max(max, x.data[((2 * y + dy) * x.width + 2 * xx + dx) * x.channels + c]!);
        out[(y * width + xx) * x.channels + c] = max;
      }
  return { data: out, height, width, channels: x.channels };
}

function gram(x: Map64): Float64Array {
  const c = x.channels;
  const n = x.height * x.width;
  const g = new Float64Array(c * c);
  for (let p = 0; p < n; p++)
    for (let i = 0; i < c; i++) {
      const a = x.data[p * c + i]!;
      if (a === 0) continue;
      for (let j = 0; j < c; j++) g[i * c + j]! += a * x.data[p * c + j]!;
    }
  const scale = 1 / (c * n);
  for (let i = 0; i < g.length; i++) g[i]! *= scale;
  return g;
}

function totalVariation(x: Map64): number {
  let sum = 0;
  const { width, height, channels, data } = x;
  for (let y = 0; y < height; y++)
    for (let xx = 0; xx < width; xx++)
      for (let c = 0; c < channels; c++) {
        const v = data[(y * width + xx) * channels + c]!;
        if (y + 1 < height) sum += Math.abs(data[((y + 1) * width + xx) * channels + c]! - v);
        if (xx + 1 < width) sum += Math.abs(data[(y * width + xx + 1) * channels + c]! - v);
      }
  return sum;
}
