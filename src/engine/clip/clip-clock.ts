/**
 * The time left in a clip, from the frames painted so far. Frames do not cost the same: the first is
 * painted like a picture (all its iterations, coarse to fine), each later one starts from the one
 * before with a third of them, plus the optical flow and the temporal loss. Counting frames as equal
 * said "about 2 min left" of a clip with under one to go (8 frames at 256 px). So a later frame is
 * expected to cost what the later frames finished cost (before any, the first's time times their
 * share of its iterations, `laterFrameShare`: 1 where every frame is painted alike), and the frame
 * being painted moves from that expectation to its own course as it comes along.
 */
export interface ClipClock {
  /** The frame `index` is finished. */
  frameDone(index: number): void;
  /**
   * The time left, painting frame `index` and `part` (0–1) into it, with what its optimisation
   * expects to take still (`frameLeftMs`, where it says: its own setup kept apart); 0 while nothing
   * is known yet.
   */
  etaMs(index: number, part: number, frameLeftMs?: number): number;
}

export function createClipClock(totalFrames: number, laterFrameShare: number, now: () => number = () => performance.now()): ClipClock {
  let frameStartedAt = now();
  let firstMs: number | undefined;
  const laterMs: number[] = [];
  return {
    frameDone(index) {
      const at = now();
      // A resumed clip's first frame painted in this run is a later one.
      if (index === 0) firstMs = at - frameStartedAt;
      else laterMs.push(at - frameStartedAt);
      frameStartedAt = at;
    },
    etaMs(index, part, frameLeftMs) {
      if (index >= totalFrames) return 0;
      const spentMs = now() - frameStartedAt;
      // What the frame being painted is on course to cost, from how far it has come.
      const courseMs = frameLeftMs !== undefined && frameLeftMs > 0 ? spentMs + frameLeftMs : part > 0 ? spentMs / part : undefined;
      if (index === 0) return courseMs === undefined ? 0 : courseMs - spentMs + (totalFrames - 1) * courseMs * laterFrameShare;
      const laterMeanMs = meanOf(laterMs);
      const expectedMs = laterMeanMs ?? (firstMs === undefined ? undefined : firstMs * laterFrameShare);
      // Trusted as far as the frame has come: its first iteration also carries the optical flow, and
      // taken alone said "about 3 min left" of a minute.
      const thisFrameMs = courseMs === undefined ? expectedMs : expectedMs === undefined ? courseMs : part * courseMs + (1 - part) * expectedMs;
      if (thisFrameMs === undefined) return 0;
      return Math.max(0, thisFrameMs - spentMs) + (totalFrames - index - 1) * (laterMeanMs ?? thisFrameMs);
    },
  };
}

function meanOf(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0) / values.length;
}
