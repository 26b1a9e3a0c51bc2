/**
 * A blend's weights as shares that sum to 1 (weights above 0, finite). Scaled by the largest first:
 * weights of 1e308 summed to Infinity, which made every style's share 0.
 */
export function sharesOf(weights: readonly number[]): number[] {
  const largest = Math.max(...weights);
  const total = weights.reduce((sum, weight) => sum + weight / largest, 0);
  return weights.map((weight) => weight / largest / total);
}
