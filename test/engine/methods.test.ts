import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/engine/errors.ts';
import { ENGINE_METHODS, methodNamed, type MethodProgress } from '../../src/engine/methods/index.ts';
import { sharedEngine } from '../helpers/engine.ts';
import { loadSharedImage } from '../helpers/shared.ts';

describe('engine methods', () => {
  it('runs a job by its method’s name, with the method’s own options, progress and result', async () => {
    const engine = await sharedEngine('onnx');
    const [content, style] = await Promise.all([loadSharedImage('content_tubingen.jpg'), loadSharedImage('style_starry_night.jpg')]);
    const progress: MethodProgress[] = [];
    const result = await methodNamed('optimise').run({ engine: async () => engine }, {
      inputs: { content, styles: [{ image: style, weight: 1 }] },
      options: { size: 64, iterations: 4, frames: 3 },
      onProgress: (step) => progress.push(step),
    });
    expect([result.image.width, result.image.height]).toEqual([64, 48]);
    expect(result.iterations).toBe(4);
    expect(result.history).toHaveLength(4);
    expect(result.frames.length).toBeGreaterThanOrEqual(2);
    expect(progress.map((step) => step.iteration)).toEqual([1, 2, 3, 4]);
  });

  it('refuses an unknown method, and a method’s bad option, naming it', async () => {
    expect(() => methodNamed('slow')).toThrow(InputError);
    expect(() => methodNamed('slow')).toThrow(/no method "slow".*optimise, fast/);
    const engine = await sharedEngine('onnx');
    const content = await loadSharedImage('content_tubingen.jpg');
    await expect(ENGINE_METHODS.optimise.run({ engine: async () => engine }, { inputs: { content, styles: [{ image: content, weight: 1 }] }, options: { size: 10 } })).rejects.toThrow(/size must be at least 64/);
  });
});
