/** The middle value (the upper one of an even count), as every figure of the benches is reported. */
export function medianOf(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}
