import type { LossRecord } from '../../engine/methods/method.ts';
import type { JobProgress } from './store.ts';

export interface ThrottledProgress {
  readonly progress: JobProgress;
  /** The loss terms (and size) of every step since the previous report (for charts). */
  readonly recentTerms: readonly LossRecord[];
  /** The latest preview frame since the previous report. */
  readonly preview?: Uint8Array | undefined;
}

/**
 * Passes on at most one progress report per `intervalMs` (chat platforms rate-limit edits), always
 * the last step, and nothing lost in between: the loss terms are collected and the latest preview kept.
 */
export function throttleProgress(intervalMs: number, report: (update: ThrottledProgress) => void, now: () => number = Date.now): (progress: JobProgress, preview?: Uint8Array) => void {
  let lastReported = 0;
  let preview: Uint8Array | undefined;
  let terms: LossRecord[] = [];
  return (progress, latestPreview) => {
    if (latestPreview) preview = latestPreview;
    if (progress.terms) terms.push({ ...progress.terms, size: progress.size });
    const last = progress.iteration === progress.totalIterations;
    if (!last && now() - lastReported < intervalMs) return;
    lastReported = now();
    report({ progress, recentTerms: terms, preview });
    preview = undefined;
    terms = [];
  };
}
