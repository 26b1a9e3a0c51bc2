import { describe, expect, it } from 'vitest';
import { SpeedModel } from '../../src/bot/jobs/speed.ts';

describe('ETAs', () => {
  it('learns from a finished job and follows the coarse-to-fine schedule, not the final size alone', () => {
    const speed = new SpeedModel('onnx');
    speed.record('optimise', { size: 1024, iterations: 60 }, 45_000);
    expect(speed.estimateMs('optimise', { size: 1024, iterations: 60 })).toBe(45_000);
    // A 1024-px result has 4× the pixels of a 512-px one, but most of its iterations are at the same small sizes.
    const ratio = speed.estimateMs('optimise', { size: 1024, iterations: 60 }) / speed.estimateMs('optimise', { size: 512, iterations: 60 });
    expect(ratio).toBeGreaterThan(1.2);
    expect(ratio).toBeLessThan(4);
    expect(speed.estimateMs('optimise', { size: 1024, iterations: 60, multiScale: false })).toBeGreaterThan(speed.estimateMs('optimise', { size: 1024, iterations: 60 }));
  });

  it('estimates fast passes apart from optimisations: a fast job learns nothing about optimisations', () => {
    const speed = new SpeedModel('onnx');
    speed.record('optimise', { size: 1024, iterations: 60 }, 45_000);
    speed.record('fast', { size: 1024 }, 2_000);
    expect(speed.estimateMs('optimise', { size: 1024, iterations: 60 })).toBe(45_000);
    expect(speed.estimateMs('fast', { size: 1024 })).toBe(2_000);
    expect(speed.estimateMs('fast', { size: 512 })).toBeLessThan(1_000);
    expect(speed.estimateMs('best', { size: 1024, iterations: 60 })).toBe(47_000);
  });
});
