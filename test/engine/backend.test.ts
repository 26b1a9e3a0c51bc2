import { describe, expect, it } from 'vitest';
import { chooseBackend, type BackendEnvironment } from '../../src/engine/backend.ts';
import { assertFitsGpu, hasVulkanDriver, largestSideFor, type GpuAdapterInfo, type GpuProbe } from '../../src/engine/webgpu.ts';
import { InputError } from '../../src/engine/errors.ts';
import { createEngineFromWeights } from '../../src/engine/engine.ts';
import { loadVggWeights } from '../../src/engine/weights.ts';
import { loadSharedImage, SHARED_VGG_DIR } from '../helpers/shared.ts';

/** An adapter as Dawn describes one (a GPU allowing 2 GiB buffers), injected: CI has no GPU. */
const H200: GpuAdapterInfo = { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 - 4 } };
const NO_GPU: GpuProbe = { found: false, reason: 'Dawn found no usable GPU adapter (a software Vulkan such as lavapipe is refused)' };

/** A fake module system: `installed` modules import; `startable` backends activate; `gpu` is what the adapter probe finds. */
function environment(installed: string[], startable: string[], imported: string[] = [], gpu: GpuProbe = NO_GPU): BackendEnvironment {
  return {
    probeGpu: async () => gpu,
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
    expect(wasm.reasons).toEqual(['tensorflow-gpu: not installed', `webgpu: ${NO_GPU.reason}`, 'tensorflow: not installed', 'wasm: selected']);
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

  it('takes WebGPU when an adapter exists and tfjs-node-gpu does not, naming the adapter', async () => {
    const found: GpuProbe = { found: true, adapter: H200 };
    const all = ['@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm'];
    const choice = await chooseBackend(undefined, environment(all, ['webgpu', 'tensorflow', 'wasm'], [], found));
    expect(choice.name).toBe('webgpu');
    expect(choice.reasons).toEqual(['tensorflow-gpu: not installed', 'webgpu: selected on nvidia hopper (NVIDIA H200)']);
    expect(choice.adapter).toEqual(H200);
    // tfjs-node-gpu, where it starts, still comes first.
    const cuda = await chooseBackend(undefined, environment(['@tensorflow/tfjs-node-gpu', ...all], ['tensorflow', 'webgpu'], [], found));
    expect(cuda.name).toBe('tensorflow-gpu');
  });

  it('does not import the WebGPU backend without an adapter, and says why', async () => {
    const imported: string[] = [];
    const choice = await chooseBackend(undefined, environment(['@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'], ['webgpu', 'wasm'], imported));
    expect(choice.name).toBe('wasm');
    expect(imported).not.toContain('@tensorflow/tfjs-backend-webgpu');
    await expect(chooseBackend('webgpu', environment(['@tensorflow/tfjs-backend-webgpu'], ['webgpu']))).rejects.toThrow(/IMPASTO_BACKEND=webgpu was set, but that backend cannot run here:\n {2}webgpu: Dawn found no usable GPU adapter/);
  });

  it('refuses, before any work, a picture too large for the adapter\'s buffers', () => {
    const small = { maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 };
    expect(largestSideFor(small)).toBe(724);
    expect(() => assertFitsGpu(1024, 683, small)).toThrow(InputError);
    expect(() => assertFitsGpu(1024, 683, small)).toThrow('A 1024×683 picture needs 171 MiB in one GPU buffer; this GPU allows 128 MiB, so about 724×724 pixels at most. Choose a smaller size.');
    expect(() => assertFitsGpu(700, 700, small)).not.toThrow();
    // 2048² × 64 channels × 4 bytes is exactly 1 GiB: within an H200's 2 GiB.
    expect(() => assertFitsGpu(2048, 2048, H200.limits)).not.toThrow();
  });

  it('wires the adapter\'s limits into the engine: an oversized picture is refused before the first iteration', async () => {
    const choice = await chooseBackend('wasm');
    const tiny = { ...H200, limits: { maxBufferSize: 2 ** 24, maxStorageBufferBindingSize: 2 ** 24 } };
    const engine = createEngineFromWeights({ ...choice, adapter: tiny }, await loadVggWeights(SHARED_VGG_DIR));
    const [content, style] = await Promise.all([loadSharedImage('content_tubingen.jpg'), loadSharedImage('style_starry_night.jpg')]);
    const iterations: number[] = [];
    await expect(engine.stylize({ content, style, options: { size: 512, iterations: 2 }, onProgress: (p) => iterations.push(p.iteration) })).rejects.toThrow(/^A 512×384 picture needs 48 MiB in one GPU buffer; this GPU allows 16 MiB, so about 256×256 pixels at most/);
    expect(iterations).toEqual([]);
    const fits = await engine.stylize({ content, style, options: { size: 128, iterations: 1 } });
    expect(fits.image.width).toBe(128);
  });

  it('looks for a Vulkan driver before asking Dawn (which can only fail without one)', () => {
    expect(hasVulkanDriver({}, ['/nonexistent/icd.d'])).toBe(false);
    expect(hasVulkanDriver({ VK_DRIVER_FILES: '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json' }, [])).toBe(true);
  });
});
