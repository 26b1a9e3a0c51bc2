/**
 * Planning tiles for pictures too large to paint in one pass. The network's receptive field reaches
 * about 57 px (a 9×9 conv at each end, ten 3×3 convs at a quarter of the size), so a tile that
 * extends `TILE_OVERLAP` beyond its own part of the picture paints that part exactly as the whole
 * picture would, given the same instance-norm statistics (see `runFastNetwork`).
 */

/** Pixels each tile reads beyond the part it paints: more than the receptive field, a multiple of 4. */
export const TILE_OVERLAP = 64;

/** One axis of a tile grid: where each tile starts, its length, and where its painted part begins. */
export interface AxisPlan {
  readonly tileLength: number;
  /** Start of each tile (multiples of 4, so the stride-2 grids line up with the whole picture's). */
  readonly starts: readonly number[];
  /** Where each tile's painted part starts; it ends where the next one's starts (the last at the end). */
  readonly cuts: readonly number[];
}

export interface TilePlan {
  readonly x: AxisPlan;
  readonly y: AxisPlan;
}

/**
 * The grid with the fewest pixels computed whose tiles hold at most `maxPixels` each, for a picture
 * of `width` × `height` (multiples of 4).
 */
export function planTiles(width: number, height: number, maxPixels: number, overlap = TILE_OVERLAP): TilePlan {
  let best: { plan: TilePlan; cost: number } | undefined;
  for (let columns = 1; columns <= 16; columns++) {
    for (let rows = 1; rows <= 16; rows++) {
      const x = planAxis(width, columns, overlap);
      const y = planAxis(height, rows, overlap);
      if (x.tileLength * y.tileLength > maxPixels) continue;
      const cost = x.starts.length * y.starts.length * x.tileLength * y.tileLength;
      if (!best || cost < best.cost) best = { plan: { x, y }, cost };
    }
  }
  if (!best) throw new Error(`No tiling of ${width}×${height} fits ${maxPixels} pixels a tile.`);
  return best.plan;
}

function planAxis(length: number, count: number, overlap: number): AxisPlan {
  if (count === 1) return { tileLength: length, starts: [0], cuts: [0] };
  // Tiles of one length (one ONNX session serves them all), overlapping by 2 × overlap.
  const tileLength = Math.min(length, alignUp(Math.ceil((length + 2 * overlap * (count - 1)) / count), 4));
  const starts = Array.from({ length: count }, (_, index) => Math.min(alignUp(index * (tileLength - 2 * overlap), 4), length - tileLength));
  const cuts = starts.map((start, index) => (index === 0 ? 0 : start + overlap));
  return { tileLength, starts, cuts };
}

export function alignUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}
