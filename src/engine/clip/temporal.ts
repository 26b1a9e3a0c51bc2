/**
 * The temporal loss of Ruder et al. (2016): how far the picture strays from the previous stylized
 * frame warped onto this one, over the pixels the optical flow can vouch for. Added to the Gatys
 * objective from outside (it is a per-pixel term on the image itself, so it needs no network), and
 * counted with the total; the content, style and TV terms stay as the objective reports them.
 */
import type { DisposableObjective } from '../tf-objective.ts';

/**
 * Frames after the first start near their answer (the warped previous frame): they get this share
 * of the iterations. Measured on the 2-second bench clip: a third keeps the painting as strong in
 * the last frame as in the first and flickers no more (0.95 against 1.02 with a half), in 220 s
 * instead of 302 s.
 */
export const LATER_FRAME_ITERATIONS = 1 / 3;

export interface TemporalTarget {
  /** The previous stylized frame warped onto this one, in the network's input space (as `x`), HWC. */
  readonly x: Float32Array;
  /** Per pixel: 1 where the flow is trusted, 0 where it is not. */
  readonly weights: Float32Array;
  /** The term's weight: its value is weight × the mean squared difference, in 0–1 pixel units. */
  readonly weight: number;
}

export function withTemporalLoss(objective: DisposableObjective, target: TemporalTarget): DisposableObjective {
  const pixels = target.weights.length;
  // Mean over pixels and channels, in 0–1 units: the same weight means the same at every size.
  const scale = target.weight / (3 * pixels * 255 * 255);
  return {
    async evaluate(x) {
      const base = await objective.evaluate(x);
      const gradient = Float32Array.from(base.gradient);
      let temporal = 0;
      for (let p = 0; p < pixels; p++) {
        const c = target.weights[p]!;
        if (c === 0) continue;
        for (let k = 3 * p; k < 3 * p + 3; k++) {
          const difference = x[k]! - target.x[k]!;
          temporal += c * difference * difference;
          gradient[k]! += 2 * scale * c * difference;
        }
      }
      temporal *= scale;
      return { loss: base.loss + temporal, gradient, terms: { ...base.terms, total: base.terms.total + temporal } };
    },
    dispose: () => objective.dispose(),
  };
}
