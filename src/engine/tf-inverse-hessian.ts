import * as tf from '@tensorflow/tfjs-core';
import { blocksOf, positionsPerPass } from './gpu-passes.ts';
import type { GpuLimits } from './webgpu.ts';
import { MIN_CURVATURE, type InverseHessian } from './optimizers/lbfgs.ts';

/**
 * L-BFGS's inverse Hessian with its pairs on the TensorFlow.js backend (the GPU), in the compact
 * form of Byrd, Nocedal & Schnabel (1994; Nocedal & Wright eq. 7.24, as L-BFGS-B uses it):
 *
 *   H = γI + [S  γY] · [[R⁻ᵀ(D + γYᵀY)R⁻¹, −R⁻ᵀ], [−R⁻¹, 0]] · [Sᵀ; γYᵀ]
 *
 * with S and Y the pairs as columns, R the upper triangle of SᵀY and D its diagonal. −H·g then
 * takes two products with the stacked pairs [S; Y] on the device (its 2k dot products with g, and
 * the combination of the 2k vectors) and a little float64 algebra on k×k matrices here, instead of
 * the two-loop recursion's 2k dependent passes over the vectors in JavaScript: on a GPU those
 * passes were most of an iteration's CPU time (215 ms at 512² on 2 vCPUs, docs/performance.md)
 * while the GPU waited. The same H as the two-loop recursion, up to float32 rounding in the
 * products.
 *
 * `positions`: the most columns one product may cover (WebGPU's dispatch limit, gpu-passes.ts).
 * This one serves L-BFGS with its other vectors in arrays: each direction uploads the gradient and
 * reads the direction back; with them on the device too (`tf-lbfgs.ts`), `createDeviceInverseHessian`.
 */
export function createTfInverseHessian(historySize: number, length: number, positions: number = positionsPerPass()): InverseHessian {
  const device = createDeviceInverseHessian(historySize, positions);
  return {
    get size() {
      return device.size;
    },
    async direction(gradient, out) {
      if (device.size === 0) {
        for (let i = 0; i < gradient.length; i++) out[i] = Math.fround(-gradient[i]!) * device.scale;
        return out;
      }
      const g = tf.tensor2d(gradient, [1, length]);
      try {
        out.set(await readAndDispose(await device.directionOf(g)));
        return out;
      } finally {
        g.dispose();
      }
    },
    async update({ s, y, sy, yy }) {
      // Made, used and released here: TensorFlow.js's cpu backend keeps the very array a tensor is
      // made from, and the caller reuses `s` and `y` for the next step.
      const [sRow, yRow] = [tf.tensor2d(s, [1, length]), tf.tensor2d(y, [1, length])];
      try {
        await device.add(sRow, yRow, { sy, yy });
      } finally {
        tf.dispose([sRow, yRow]);
      }
    },
    clear: () => device.clear(),
    dispose: () => device.dispose(),
  };
}

/** The compact form on the device, for vectors given as `[1, length]` tensors (by `createTfInverseHessian`, or by `tf-lbfgs.ts` where all of L-BFGS's vectors live there). */
export interface DeviceInverseHessian {
  /** −H·g: a new tensor, the caller's to dispose. */
  directionOf(gradient: tf.Tensor2D): Promise<tf.Tensor2D>;
  /**
   * Adds a step's pair (not kept past this call), unless its curvature sᵀy is not positive. Its
   * products sᵀy and yᵀy, when not `known`, are read with the new y's products with the pairs held:
   * one read either way.
   */
  add(s: tf.Tensor2D, y: tf.Tensor2D, known?: PairProducts): Promise<void>;
  /** Pairs held. */
  readonly size: number;
  /** γ of H₀ = γI, from the newest pair (1 without pairs). */
  readonly scale: number;
  clear(): void;
  dispose(): void;
}

/** A step's pair's products sᵀy (its curvature) and yᵀy. */
export interface PairProducts {
  readonly sy: number;
  readonly yy: number;
}

export function createDeviceInverseHessian(historySize: number, positions: number = positionsPerPass()): DeviceInverseHessian {
  /** The k pairs held: [S; Y], their s then their y, one per row (2k × length); none: undefined. */
  let stacked: tf.Tensor2D | undefined;
  const pairsHeld = () => (stacked?.shape[0] ?? 0) / 2;
  /** sy[i][j] = sᵢ·yⱼ for i ≤ j (R), yy[i][j] = yᵢ·yⱼ (YᵀY). */
  let sy: number[][] = [];
  let yy: number[][] = [];
  let scale = 1;

  const clear = () => {
    stacked?.dispose();
    stacked = undefined;
    sy = [];
    yy = [];
    scale = 1;
  };

  return {
    get size() {
      return pairsHeld();
    },
    get scale() {
      return scale;
    },
    async directionOf(g) {
      if (!stacked) return tf.mul(g, -scale) as tf.Tensor2D;
      const k = pairsHeld();
      const products = await readAndDispose(productsWith(stacked, g, positions));
      const coefficients = compactCoefficients(products.subarray(0, k), products.subarray(k), sy, yy, scale);
      return tf.tidy(() => tf.neg(tf.add(tf.mul(g, scale), combinationOf(tf.tensor2d(coefficients, [1, 2 * k]), stacked!, positions))) as tf.Tensor2D);
    },
    async add(sRow, yRow, known) {
      if (known && !(known.sy > MIN_CURVATURE)) return;
      const k = pairsHeld();
      // The new y against every pair held: sᵢ·y (R's new column) and yᵢ·y (YᵀY's new row); then,
      // unless known, s·y and y·y.
      const read = !stacked && known ? undefined : tf.tidy(() => {
        const held = stacked ? [tf.reshape(productsWith(stacked, yRow, positions), [-1])] : [];
        return tf.concat([...held, ...(known ? [] : [tf.stack([tf.sum(tf.mul(sRow, yRow)), tf.sum(tf.mul(yRow, yRow))])])]);
      });
      const products = read ? await readAndDispose(read) : new Float32Array(0);
      const { sy: ys, yy: yyNew } = known ?? { sy: products[2 * k]!, yy: products[2 * k + 1]! };
      if (!(ys > MIN_CURVATURE)) return;
      sy.forEach((row, i) => row.push(products[i]!));
      sy.push([...new Array<number>(k).fill(0), ys]);
      const column = Array.from(products.subarray(k, 2 * k));
      yy.forEach((row, i) => row.push(column[i]!));
      yy.push([...column, yyNew]);
      // The oldest pair drops out past the history's size: its rows are left out of the new stack.
      const dropped = k === historySize ? 1 : 0;
      const kept = k - dropped;
      const next = tf.tidy(() => {
        const rowsOf = (from: number) => (kept > 0 && stacked ? [tf.slice(stacked, [from + dropped, 0], [kept, -1])] : []);
        return tf.concat([...rowsOf(0), sRow, ...rowsOf(k), yRow]) as tf.Tensor2D;
      });
      stacked?.dispose();
      stacked = next;
      if (dropped) {
        sy = sy.slice(1).map((row) => row.slice(1));
        yy = yy.slice(1).map((row) => row.slice(1));
      }
      scale = ys / yyNew;
    },
    clear,
    dispose: clear,
  };
}

/**
 * Whether `historySize` pairs of `length` floats fit in one of the GPU's buffers, as the stacked
 * pairs must (at 1024 px with 20 pairs: 377 MB; many GPUs allow 256 MB to 2 GB). No limits: yes.
 */
export function pairsFitOnDevice(historySize: number, length: number, limits: GpuLimits | undefined): boolean {
  return !limits || 2 * historySize * length * 4 <= Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
}

/**
 * The coefficients c of −H·g = −γg − cᵀ[S; Y], from p = Sᵀg and q = Yᵀg: with a = R⁻¹p, the S part
 * is R⁻ᵀ((D + γYᵀY)a − γq) and the Y part −γa.
 */
function compactCoefficients(p: Float32Array, q: Float32Array, sy: readonly number[][], yy: readonly number[][], scale: number): Float32Array {
  const k = p.length;
  const a = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let sum = p[i]!;
    for (let j = i + 1; j < k; j++) sum -= sy[i]![j]! * a[j]!;
    a[i] = sum / sy[i]![i]!;
  }
  const t = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let sum = sy[i]![i]! * a[i]! - scale * q[i]!;
    for (let j = 0; j < k; j++) sum += scale * yy[i]![j]! * a[j]!;
    t[i] = sum;
  }
  const coefficients = new Float32Array(2 * k);
  for (let i = 0; i < k; i++) {
    let sum = t[i]!;
    for (let j = 0; j < i; j++) sum -= sy[j]![i]! * coefficients[j]!;
    coefficients[i] = sum / sy[i]![i]!;
    coefficients[k + i] = -scale * a[i]!;
  }
  return coefficients;
}

/** Each row of `stacked` dotted with `vector` (`[1, length]`): a `[rows, 1]` column, in blocks of columns. */
function productsWith(stacked: tf.Tensor2D, vector: tf.Tensor2D, positions: number): tf.Tensor {
  return tf.tidy(() => {
    const blocks = blocksOf(stacked.shape[1], positions).map(([start, size]) => tf.matMul(columns(stacked, start, size), columns(vector, start, size), false, true));
    return blocks.length === 1 ? blocks[0]! : tf.addN(blocks);
  });
}

/** `coefficients` (`[1, rows]`) times `stacked`: a `[1, length]` vector, in blocks of columns. */
function combinationOf(coefficients: tf.Tensor2D, stacked: tf.Tensor2D, positions: number): tf.Tensor2D {
  const blocks = blocksOf(stacked.shape[1], positions).map(([start, size]) => tf.matMul(coefficients, columns(stacked, start, size)) as tf.Tensor2D);
  return blocks.length === 1 ? blocks[0]! : (tf.concat(blocks, 1) as tf.Tensor2D);
}

function columns(matrix: tf.Tensor2D, start: number, size: number): tf.Tensor2D {
  return size === matrix.shape[1] ? matrix : tf.slice(matrix, [0, start], [-1, size]);
}

async function readAndDispose(tensor: tf.Tensor): Promise<Float32Array> {
  try {
    return (await tensor.data()) as Float32Array;
  } finally {
    tensor.dispose();
  }
}
