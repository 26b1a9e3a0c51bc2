import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/engine/errors.ts';
import { ENGINE_METHODS, methodNamed, type MethodProgress } from '../../src/engine/methods/index.ts';
import { METHOD_OPTIONS, trainedNetworksOf } from '../../src/engine/methods/options.ts';
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

describe('the methods\' option tables', () => {
  it('are the tables the methods themselves check a job\'s options against', () => {
    // What reads a job's options without the engine (trainedNetworksOf) reads the methods' own tables.
    expect(Object.keys(METHOD_OPTIONS).sort()).toEqual(Object.keys(ENGINE_METHODS).sort());
    for (const [name, method] of Object.entries(ENGINE_METHODS)) expect(METHOD_OPTIONS[name as keyof typeof METHOD_OPTIONS], name).toBe(method.options);
  });
});

describe('the trained networks a job names', () => {
  it('are those its network options paint with, and the one a training job makes', () => {
    expect(trainedNetworksOf('fast', { network: 'trained:web-starry', backgroundNetwork: 'trained:web-sky', size: 512 })).toEqual({ uses: ['web-starry', 'web-sky'], makes: undefined });
    expect(trainedNetworksOf('best', { network: 'udnie' })).toEqual({ uses: [], makes: undefined });
    expect(trainedNetworksOf('train', { saveAs: 'trained:web-starry', from: 'wave' })).toEqual({ uses: [], makes: 'web-starry' });
    // Values that are not networks trained here name none, whatever the option's name.
    expect(trainedNetworksOf('optimise', { network: 'trained:web-starry' })).toEqual({ uses: [], makes: undefined });
    expect(trainedNetworksOf('fast', { network: 'trained:../etc' })).toEqual({ uses: [], makes: undefined });
    expect(trainedNetworksOf('nonsense', null)).toEqual({ uses: [], makes: undefined });
  });
});
