import { describe, expect, it } from 'vitest';
import { SpeedModel } from '../../src/bot/jobs/speed.ts';

describe('ETAs', () => {
  it('learns from a finished job and follows the coarse-to-fine schedule, not the final size alone', () => {
    const speed = new SpeedModel('onnx');
    speed.record('optimise', { size: 1024, iterations: 60 }, 45_000);
    expect(speed.estimateMs('optimise', { size: 1024, iterations: 60 })).toBe(45_000);
    // A 1024-px result is the 512-px painting enlarged (multiscale.ts): it costs what a 512-px one does.
    expect(speed.estimateMs('optimise', { size: 1024, iterations: 60 })).toBe(speed.estimateMs('optimise', { size: 512, iterations: 60 }));
    // A 512-px result has 1.8× the pixels of a 384-px one, but most of its iterations are at small sizes.
    const ratio = speed.estimateMs('optimise', { size: 512, iterations: 60 }) / speed.estimateMs('optimise', { size: 384, iterations: 60 });
    expect(ratio).toBeGreaterThan(1.1);
    expect(ratio).toBeLessThan((512 / 384) ** 2);
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

  it('learns the training rate from a finished training job, apart from the painting rates', () => {
    const speed = new SpeedModel('onnx');
    speed.record('fast', { size: 1024 }, 2_000);
    const before = speed.estimateMs('train', { steps: 100, size: 256, batch: 4 });
    // 100 steps of 4 crops at 256 px in 300 s: 3 s a step, and in proportion for other batches and sizes.
    speed.record('train', { steps: 100, size: 256, batch: 4 }, 300_000);
    expect(speed.estimateMs('train', { steps: 100, size: 256, batch: 4 })).toBe(300_000);
    expect(before).not.toBe(300_000);
    expect(speed.estimateMs('train', { steps: 2000, size: 256, batch: 2 })).toBe(3_000_000);
    expect(speed.estimateMs('train', { steps: 100, size: 512, batch: 4 })).toBe(1_200_000);
    expect(speed.estimateMs('fast', { size: 1024 })).toBe(2_000);
  });

  it('expects training to be faster where the engine is on a GPU (training is there too), until a step is measured', () => {
    const onCpu = new SpeedModel('onnx');
    const onGpu = new SpeedModel('onnx');
    onGpu.useBackend('webgpu');
    expect(onGpu.estimateMs('train', { steps: 100 })).toBeLessThan(onCpu.estimateMs('train', { steps: 100 }) / 4);
    onGpu.record('train', { steps: 100 }, 50_000);
    onGpu.useBackend('webgpu');
    expect(onGpu.estimateMs('train', { steps: 100 })).toBe(50_000);
  });
});
