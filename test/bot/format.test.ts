import { describe, expect, it } from 'vitest';
import { counted, describeParameters, describePosition, formatDuration, formatWhen, progressBar, progressFraction } from '../../src/bot/format.ts';
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

describe('describePosition', () => {
  it('gives the place and the estimate, or, while no engine takes the lane, no estimate (it would count on one)', () => {
    expect(describePosition({ position: 1, etaMs: 90_000, waitsForEngine: false })).toBe('It starts next; done in about 2 min.');
    expect(describePosition({ position: 3, etaMs: 90_000, waitsForEngine: false })).toBe('Position 3 in the queue; done in about 2 min.');
    expect(describePosition({ position: 1, etaMs: 90_000, waitsForEngine: true })).toBe('It is next, but no engine is taking these jobs right now: it starts when one is.');
    expect(describePosition({ position: 3, etaMs: 90_000, waitsForEngine: true })).toBe('Position 3 in the queue, but no engine is taking these jobs right now: it starts when one is.');
  });
});

describe('formatDuration', () => {
  it('says how long a job took in seconds, minutes, or hours for a training', () => {
    expect(formatDuration(17_400)).toBe('17 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration((2 * 3600 + 5 * 60 + 3) * 1000)).toBe('2 h 5 min');
  });
});

describe('formatWhen', () => {
  it('says a time in UTC, with its year only when it is not this one', () => {
    const now = Date.parse('2026-12-01T20:00Z');
    expect(formatWhen(Date.parse('2026-12-24T18:00Z'), now)).toBe('in 22 d 22 h (24 Dec, 18:00 UTC)');
    expect(formatWhen(Date.parse('2026-03-07T09:05Z'), now)).toBe('on 7 Mar, 09:05 UTC');
    // A contest of last year in /contest history.
    expect(formatWhen(Date.parse('2025-12-31T23:00Z'), now)).toBe('on 31 Dec 2025, 23:00 UTC');
    expect(formatWhen(Date.parse('2027-01-02T10:00Z'), now)).toMatch(/^in .+ \(2 Jan 2027, 10:00 UTC\)$/);
    // Days past two, whole hours; hours and minutes below.
    expect(formatWhen(now + 3 * 86_400_000, now)).toBe('in 3 d (4 Dec, 20:00 UTC)');
    expect(formatWhen(now + 47 * 3_600_000 + 30 * 60_000, now)).toBe('in 47 h 30 min (3 Dec, 19:30 UTC)');
  });
});

describe('describeParameters', () => {
  it('names the engine’s defaults for options a job was stored without (a contest entry’s)', () => {
    // Only what describeParameters reads; a contest stores its size and iterations, and the entry its seed.
    const entry = { method: 'optimise', styleLabel: 'udnie (contest)', options: { size: 96, iterations: 60, seed: 7 } } as Pick<Job, 'method' | 'styleLabel' | 'options'>;
    expect(describeParameters(entry as Job)).toBe('style udnie (contest) · size 96 · 60 iterations of L-BFGS · strength 5 · init content · seed 7');
  });
});
