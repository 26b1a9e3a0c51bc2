import { describe, expect, it } from 'vitest';
import { chooseBackend, type BackendEnvironment } from '../../src/engine/backend.ts';

/** A fake module system: `installed` modules import; `startable` backends activate. */
function environment(installed: string[], startable: string[], imported: string[] = []): BackendEnvironment {
  return {
    importModule: async (specifier) => {
      imported.push(specifier);
      if (installed.includes(specifier)) return {};
      const error = new Error(`Cannot find package '${specifier}' imported from /x.js`) as Error & { code: string };
      error.code = 'ERR_MODULE_NOT_FOUND';
      throw error;
    },
    activate: async (name) => startable.includes(name),
  };
}

describe('chooseBackend', () => {
  it('prefers tfjs-node-gpu when it is installed and starts', async () => {
    const choice = await chooseBackend(undefined, environment(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm'], ['tensorflow', 'wasm']));
    expect(choice.name).toBe('tensorflow-gpu');
    expect(choice.reasons).toEqual(['tensorflow-gpu: selected']);
  });

  it('falls back to tfjs-node, then wasm, saying why for each', async () => {
    const choice = await chooseBackend(undefined, environment(['@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm'], ['tensorflow', 'wasm']));
    expect(choice.name).toBe('tensorflow');
    const wasm = await chooseBackend(undefined, environment(['@tensorflow/tfjs-backend-wasm'], ['wasm']));
    expect(wasm.name).toBe('wasm');
    expect(wasm.reasons).toEqual(['tensorflow-gpu: not installed', 'tensorflow: not installed', 'wasm: selected']);
  });

  it('skips a native package that is installed but cannot start (no CUDA, say)', async () => {
    const choice = await chooseBackend(undefined, environment(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm'], ['wasm']));
    expect(choice.name).toBe('wasm');
    expect(choice.reasons[0]).toBe('tensorflow-gpu: installed but failed to start');
  });

  it('reports a broken install differently from an absent one', async () => {
    const env = environment(['@tensorflow/tfjs-backend-wasm'], ['wasm']);
    const broken: BackendEnvironment = {
      ...env,
      importModule: async (specifier) => {
        if (specifier === '@tensorflow/tfjs-node-gpu') throw new Error('libcudart.so.11.0: cannot open shared object file');
        return env.importModule(specifier);
      },
    };
    const choice = await chooseBackend(undefined, broken);
    expect(choice.reasons[0]).toMatch(/^tensorflow-gpu: installed but failed to load \(libcudart/);
  });

  it('uses exactly the forced backend and tries nothing else', async () => {
    const imported: string[] = [];
    const choice = await chooseBackend('cpu', environment(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-cpu'], ['tensorflow', 'cpu'], imported));
    expect(choice.name).toBe('cpu');
    expect(imported).toEqual(['@tensorflow/tfjs-backend-cpu']);
  });

  it('fails loudly when the forced backend cannot run', async () => {
    await expect(chooseBackend('tensorflow-gpu', environment(['@tensorflow/tfjs-backend-wasm'], ['wasm']))).rejects.toThrow(
      /IMPASTO_BACKEND=tensorflow-gpu .*\n.*tensorflow-gpu: not installed/,
    );
  });

  it('really selects wasm on this machine', async () => {
    const choice = await chooseBackend(undefined);
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(choice.name);
  });
});
