/**
 * Dense optical flow by pyramidal Lucas–Kanade (Bouguet's coarse-to-fine scheme, every pixel its own
 * window): no well-kept JavaScript library does dense flow, and this classic method is enough for
 * what it is used for here, warping the previous stylized frame onto the next one (Ruder et al. 2016).
 */
import type { RgbImage } from '../image.ts';

/** A displacement per pixel: pixel p of the frame it belongs to came from p + (u, v) in the other. */
export interface Flow {
  readonly width: number;
  readonly height: number;
  readonly u: Float32Array;
  readonly v: Float32Array;
}

export interface FlowOptions {
  /** Half the side of each pixel's window (the window is 2r + 1 wide). */
  readonly radius?: number;
  /** Pyramid levels (each halves the size): motion up to about 2^levels × radius pixels. */
  readonly levels?: number;
  /** Lucas–Kanade refinements per level. */
  readonly iterations?: number;
}

type Grey = { readonly width: number; readonly height: number; readonly data: Float32Array };

export function greyOf(image: RgbImage): Grey {
  const data = new Float32Array(image.width * image.height);
  for (let p = 0; p < data.length; p++) data[p] = 0.299 * image.data[3 * p]! + 0.587 * image.data[3 * p + 1]! + 0.114 * image.data[3 * p + 2]!;
  return { width: image.width, height: image.height, data };
}

/**
 * The flow that maps `to` back onto `from`: `to(p) ≈ from(p + flow(p))`. Warping anything aligned
 * with `from` by it (`warp`) lines it up with `to`.
 */
export function opticalFlow(from: RgbImage, to: RgbImage, options: FlowOptions = {}): Flow {
  const { radius = 4, levels = 3, iterations = 3 } = options;
  const pyramidFrom = pyramid(smooth(greyOf(from)), levels);
  const pyramidTo = pyramid(smooth(greyOf(to)), levels);
  let u: Float32Array = new Float32Array(0);
  let v: Float32Array = new Float32Array(0);
  for (let level = pyramidFrom.length - 1; level >= 0; level--) {
    const a = pyramidFrom[level]!;
    const b = pyramidTo[level]!;
    [u, v] = level === pyramidFrom.length - 1 ? [new Float32Array(a.width * a.height), new Float32Array(a.width * a.height)] : upsampleFlow(u, v, pyramidFrom[level + 1]!, a);
    for (let step = 0; step < iterations; step++) refine(a, b, u, v, radius);
  }
  return { width: from.width, height: from.height, u, v };
}

/** One Lucas–Kanade step at every pixel: solve the 2×2 system over its window, from the current flow. */
function refine(from: Grey, to: Grey, u: Float32Array, v: Float32Array, radius: number): void {
  const { width, height } = to;
  const warped = sampleGrey(from, u, v);
  // Gradients of the warped `from`, and the difference to `to`.
  const ix = new Float32Array(width * height);
  const iy = new Float32Array(width * height);
  const it = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      ix[p] = (warped[y * width + Math.min(width - 1, x + 1)]! - warped[y * width + Math.max(0, x - 1)]!) / 2;
      iy[p] = (warped[Math.min(height - 1, y + 1) * width + x]! - warped[Math.max(0, y - 1) * width + x]!) / 2;
      it[p] = warped[p]! - to.data[p]!;
    }
  }
  const products = [mul(ix, ix), mul(ix, iy), mul(iy, iy), mul(ix, it), mul(iy, it)].map((values) => boxSum(values, width, height, radius));
  const [sxx, sxy, syy, sxt, syt] = products as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  for (let p = 0; p < u.length; p++) {
    const det = sxx[p]! * syy[p]! - sxy[p]! * sxy[p]!;
    // Flat or edge-only windows (the aperture problem) keep the flow they have.
    const trace = sxx[p]! + syy[p]!;
    if (det < 1e-3 * trace * trace + 1e-6) continue;
    u[p]! -= (syy[p]! * sxt[p]! - sxy[p]! * syt[p]!) / det;
    v[p]! -= (sxx[p]! * syt[p]! - sxy[p]! * sxt[p]!) / det;
  }
}

function mul(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * b[i]!;
  return out;
}

/** Sums over each pixel's (2r + 1)² window (clamped at the border), by a summed-area table. */
function boxSum(values: Float32Array, width: number, height: number, radius: number): Float32Array {
  const table = new Float64Array((width + 1) * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += values[y * width + x]!;
      table[(y + 1) * (width + 1) + x + 1] = table[y * (width + 1) + x + 1]! + row;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const [y0, y1] = [Math.max(0, y - radius), Math.min(height, y + radius + 1)];
    for (let x = 0; x < width; x++) {
      const [x0, x1] = [Math.max(0, x - radius), Math.min(width, x + radius + 1)];
      out[y * width + x] = table[y1 * (width + 1) + x1]! - table[y0 * (width + 1) + x1]! - table[y1 * (width + 1) + x0]! + table[y0 * (width + 1) + x0]!;
    }
  }
  return out;
}

/** A 1-2-1 blur, which makes the gradients less noisy. */
function smooth(grey: Grey): Grey {
  const { width, height, data } = grey;
  const horizontal = new Float32Array(data.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) horizontal[y * width + x] = (data[y * width + Math.max(0, x - 1)]! + 2 * data[y * width + x]! + data[y * width + Math.min(width - 1, x + 1)]!) / 4;
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = (horizontal[Math.max(0, y - 1) * width + x]! + 2 * horizontal[y * width + x]! + horizontal[Math.min(height - 1, y + 1) * width + x]!) / 4;
  return { width, height, data: out };
}

function pyramid(grey: Grey, levels: number): Grey[] {
  const out = [grey];
  while (out.length < levels && Math.min(out.at(-1)!.width, out.at(-1)!.height) >= 32) {
    const { width, height, data } = out.at(-1)!;
    const [w, h] = [Math.floor(width / 2), Math.floor(height / 2)];
    const half = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) half[y * w + x] = (data[2 * y * width + 2 * x]! + data[2 * y * width + 2 * x + 1]! + data[(2 * y + 1) * width + 2 * x]! + data[(2 * y + 1) * width + 2 * x + 1]!) / 4;
    out.push(smooth({ width: w, height: h, data: half }));
  }
  return out;
}

/** The coarser level's flow at the finer level's size, doubled. */
function upsampleFlow(u: Float32Array, v: Float32Array, coarse: Grey, fine: Grey): [Float32Array, Float32Array] {
  const scaleX = fine.width / coarse.width;
  const scaleY = fine.height / coarse.height;
  const [fu, fv] = [new Float32Array(fine.width * fine.height), new Float32Array(fine.width * fine.height)];
  for (let y = 0; y < fine.height; y++) {
    for (let x = 0; x < fine.width; x++) {
      const [sx, sy] = [Math.min(coarse.width - 1, (x + 0.5) / scaleX - 0.5), Math.min(coarse.height - 1, (y + 0.5) / scaleY - 0.5)];
      fu[y * fine.width + x] = bilinear(u, coarse.width, coarse.height, sx, sy) * scaleX;
      fv[y * fine.width + x] = bilinear(v, coarse.width, coarse.height, sx, sy) * scaleY;
    }
  }
  return [fu, fv];
}

function bilinear(values: Float32Array, width: number, height: number, x: number, y: number): number {
  const cx = Math.min(width - 1, Math.max(0, x));
  const cy = Math.min(height - 1, Math.max(0, y));
  const [x0, y0] = [Math.floor(cx), Math.floor(cy)];
  const [x1, y1] = [Math.min(width - 1, x0 + 1), Math.min(height - 1, y0 + 1)];
  const [fx, fy] = [cx - x0, cy - y0];
  const top = values[y0 * width + x0]! * (1 - fx) + values[y0 * width + x1]! * fx;
  const bottom = values[y1 * width + x0]! * (1 - fx) + values[y1 * width + x1]! * fx;
  return top * (1 - fy) + bottom * fy;
}

function sampleGrey(grey: Grey, u: Float32Array, v: Float32Array): Float32Array {
  const { width, height, data } = grey;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = bilinear(data, width, height, x + u[y * width + x]!, y + v[y * width + x]!);
  return out;
}

/** `image` (aligned with the flow's other frame) moved onto the flow's frame: out(p) = image(p + flow(p)). */
export function warp(image: RgbImage, flow: Flow): RgbImage {
  const { width, height } = image;
  const channels = [0, 1, 2].map((c) => Float32Array.from({ length: width * height }, (_, p) => image.data[3 * p + c]!));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      for (let c = 0; c < 3; c++) data[3 * p + c] = Math.round(bilinear(channels[c]!, width, height, x + flow.u[p]!, y + flow.v[p]!));
    }
  }
  return { width, height, data };
}

/**
 * Where the flow can be trusted (1) or not (0: occluded, disoccluded, or leaving the frame), by
 * Ruder et al.'s forward–backward check: following `backward` (this frame → the other) and then
 * `forward` (the other → this) must come back close to where it started.
 */
export function consistency(backward: Flow, forward: Flow): Float32Array {
  const { width, height } = backward;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const [bu, bv] = [backward.u[p]!, backward.v[p]!];
      const [tx, ty] = [x + bu, y + bv];
      if (tx < 0 || ty < 0 || tx > width - 1 || ty > height - 1) continue;
      const [fu, fv] = [bilinear(forward.u, width, height, tx, ty), bilinear(forward.v, width, height, tx, ty)];
      const loop = (bu + fu) ** 2 + (bv + fv) ** 2;
      out[p] = loop <= 0.01 * (bu * bu + bv * bv + fu * fu + fv * fv) + 0.5 ? 1 : 0;
    }
  }
  return out;
}
