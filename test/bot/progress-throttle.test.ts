import { describe, expect, it } from 'vitest';
import { throttleProgress, type ThrottledProgress } from '../../src/bot/jobs/progress-throttle.ts';

// Coarse to fine: two iterations at 128 px, then 181.
const step = (iteration: number) => ({ iteration, totalIterations: 5, etaMs: 0, elapsedMs: 0, terms: { content: iteration, style: 0, tv: 0, total: iteration }, size: iteration <= 2 ? 128 : 181 });

describe('progress throttling', () => {
  it('reports at most once per interval and always the last step, losing no loss terms (nor their sizes) and keeping the latest preview', () => {
    let clock = 0;
    const reports: ThrottledProgress[] = [];
    const onProgress = throttleProgress(1000, (update) => reports.push(update), () => clock);
    const preview = (value: number) => Uint8Array.of(value);
    clock = 1000;
    onProgress(step(1), preview(1));
    clock = 1200;
    onProgress(step(2), preview(2));
    clock = 1500;
    onProgress(step(3));
    clock = 2100;
    onProgress(step(4));
    clock = 2200;
    onProgress(step(5));
    expect(reports.map((report) => report.progress.iteration)).toEqual([1, 4, 5]);
    expect(reports.map((report) => report.recentTerms.map((terms) => terms.content))).toEqual([[1], [2, 3, 4], [5]]);
    expect(reports.map((report) => report.recentTerms.map((terms) => terms.size))).toEqual([[128], [128, 181, 181], [181]]);
    expect(reports.map((report) => report.preview?.[0])).toEqual([1, 2, undefined]);
  });
});
