import { describe, expect, it } from 'vitest';
import { counted, describeParameters, progressBar, progressFraction } from '../../src/bot/format.ts';
import type { Job } from '../../src/bot/jobs/store.ts';

describe('progress', () => {
  it('goes by the time left where the engine estimates it: a fine scale’s iteration costs many coarse ones', () => {
    // A default 1024-px job, measured on the playground: 49 of 60 iterations done after 15 s, about 27 s left.
    const progress = { iteration: 49, totalIterations: 60, elapsedMs: 15_000, etaMs: 27_000 };
    expect(progressFraction(progress)).toBeCloseTo(15 / 42);
    expect(progressBar(progress)).toBe('▰▰▰▰▱▱▱▱▱▱ 36%');
  });

  it('counts steps where there is no estimate, and is full at the end', () => {
    expect(progressFraction({ iteration: 3, totalIterations: 12, elapsedMs: 0, etaMs: 0 })).toBe(0.25);
    expect(progressFraction({ iteration: 5, totalIterations: 10, elapsedMs: 900, etaMs: 0 })).toBe(0.5);
    expect(progressBar({ iteration: 60, totalIterations: 60, elapsedMs: 40_000, etaMs: 0 })).toBe('▰▰▰▰▰▰▰▰▰▰ 100%');
  });
});

describe('counted', () => {
  it('puts the noun in the right number', () => {
    expect(counted(1, 'entry', 'entries')).toBe('1 entry');
    expect(counted(2, 'entry', 'entries')).toBe('2 entries');
    expect(counted(0, 'vote')).toBe('0 votes');
  });
});

describe('describeParameters', () => {
  it('names the engine’s defaults for options a job was stored without (a contest entry’s)', () => {
    // Only what describeParameters reads; a contest stores its size and iterations, and the entry its seed.
    const entry = { method: 'optimise', styleLabel: 'udnie (contest)', options: { size: 96, iterations: 60, seed: 7 } } as Pick<Job, 'method' | 'styleLabel' | 'options'>;
    expect(describeParameters(entry as Job)).toBe('style udnie (contest) · size 96 · 60 iterations of L-BFGS · strength 5 · init content · seed 7');
  });
});
