/**
 * How each layer's content and style term is weighted inside the objective.
 *
 * Raw (the classic Gatys weights): every layer counts the same, 1/L, so a weight's meaning depends
 * on the photo, the painting, the image size and the layers (Gram entries of a bright, busy painting
 * are orders of magnitude larger than a pale one's, and deeper layers' larger still).
 *
 * Normalised (what `strength` uses): each content layer's term is divided by its target features'
 * mean square and each style layer's by its target Gram matrix's squared norm, so both become
 * relative errors near 1 for any input, and one strength means one look.
 */
export interface LayerWeights {
  readonly content: readonly number[];
  readonly style: readonly number[];
}

export function layerWeightsFor(normalise: boolean, contentMeanSquares: readonly number[], styleSquaredNorms: readonly number[]): LayerWeights {
  const contentShare = 1 / contentMeanSquares.length;
  const styleShare = 1 / styleSquaredNorms.length;
  return {
    content: contentMeanSquares.map((meanSquare) => (normalise ? contentShare / Math.max(meanSquare, 1e-12) : contentShare)),
    style: styleSquaredNorms.map((squaredNorm) => (normalise ? styleShare / Math.max(squaredNorm, 1e-12) : styleShare)),
  };
}

export function meanSquare(values: Float32Array): number {
  return squaredNorm(values) / values.length;
}

export function squaredNorm(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return sum;
}
