import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSearch, searchAdapterApart, type GpuProbe } from '../../src/engine/webgpu.ts';

const WEBGPU_MODULE = fileURLToPath(new URL('../../src/engine/webgpu.ts', import.meta.url));

describe('the search for a WebGPU adapter', () => {
  it('runs apart: Dawn writes nothing to the stderr of the process that asks', async () => {
    // Debian's Chromium brings lavapipe, which Dawn refuses with warnings on stderr. Where no Vulkan
    // driver is installed Dawn is not asked at all, and the assertions hold the same.
    const script = `const { probeWebGpu } = await import(${JSON.stringify(WEBGPU_MODULE)}); process.stdout.write(JSON.stringify(await probeWebGpu()));`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000 });
    const probe = JSON.parse(stdout) as GpuProbe;
    expect(probe.found).toBe(false);
    expect(stderr).toBe('');
  });

  it('brings a hardware adapter back from the child process (Dawn stood in for: no GPU here)', async () => {
    // Dawn's adapter objects keep their fields behind getters, as this stand-in does: JSON alone would lose them.
    const dawn = join(await mkdtemp(join(tmpdir(), 'impasto-dawn-')), 'dawn.mjs');
    await writeFile(
      dawn,
      `class Info { get vendor() { return 'nvidia'; } get architecture() { return 'hopper'; } get description() { return ''; } get device() { return 'NVIDIA H200'; } get isFallbackAdapter() { return false; } }
       class Limits { get maxBufferSize() { return 2 ** 31; } get maxStorageBufferBindingSize() { return 2 ** 31 - 4; } }
       class Adapter { get info() { return new Info(); } get limits() { return new Limits(); } }
       export const create = () => ({ requestAdapter: async () => new Adapter() });`,
    );
    expect(await searchAdapterApart(pathToFileURL(dawn).href)).toEqual({
      found: true,
      adapter: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 - 4 } },
    });
  });

  it('quotes Dawn’s own reason when it refuses every adapter, without the loader’s noise', () => {
    const stderr = [
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
      'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
      ' - While initializing adapter (backend=BackendType::Vulkan)',
    ].join('\n');
    expect(readSearch({ failed: undefined, stdout: 'null', stderr })).toEqual({
      found: false,
      reason: 'Dawn found no usable GPU adapter (a software Vulkan such as lavapipe is refused): Dawn said "Vulkan shaderUniform*ArrayDynamicIndexing required."',
    });
    expect(readSearch({ failed: undefined, stdout: 'null', stderr: '' })).toEqual({ found: false, reason: 'Dawn found no usable GPU adapter (a software Vulkan such as lavapipe is refused)' });
  });

  it('says what to check when NVIDIA’s Vulkan driver is found but cannot start (as on an H200 without libglvnd)', () => {
    const stderr = [
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
      "error: loader_scanned_icd_add: Could not get 'vkCreateInstance' via 'vk_icdGetInstanceProcAddr' for ICD libGLX_nvidia.so.0",
    ].join('\n');
    expect(readSearch({ failed: undefined, stdout: 'null', stderr })).toEqual({
      found: false,
      reason:
        'Dawn found no usable GPU adapter (a software Vulkan such as lavapipe is refused): Dawn said "loader_scanned_icd_add: Could not get \'vkCreateInstance\' via \'vk_icdGetInstanceProcAddr\' for ICD libGLX_nvidia.so.0". ' +
        "NVIDIA's Vulkan driver did not start: check that `nvidia-smi` sees the GPU, and install libglvnd (Debian and Ubuntu: libglvnd0 libgl1 libegl1)",
    });
  });

  it('reads the adapter the child found, and refuses a software fallback', () => {
    // As the child writes it: Dawn's fields copied out (an empty description falls back to the device).
    const adapter = (info: object) => JSON.stringify({ info: { vendor: 'nvidia', architecture: 'hopper', description: '', device: 'NVIDIA H200', ...info }, limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 - 4 } });
    expect(readSearch({ failed: undefined, stdout: adapter({}), stderr: '' })).toEqual({
      found: true,
      adapter: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 - 4 } },
    });
    expect(readSearch({ failed: undefined, stdout: adapter({ description: 'SwiftShader', isFallbackAdapter: true }), stderr: '' })).toEqual({ found: false, reason: 'only a fallback (software) adapter: SwiftShader' });
    // Asked for, to check WebGPU's kernels where there is no GPU (check:gpu --software, the tests): found.
    expect(readSearch({ failed: undefined, stdout: adapter({ description: 'SwiftShader', isFallbackAdapter: true }), stderr: '' }, { software: true })).toMatchObject({ found: true, adapter: { description: 'SwiftShader' } });
  });

  it('answers "no GPU" with the cause when the search crashes, hangs or says nothing', () => {
    expect(readSearch({ failed: 'SIGSEGV', stdout: '', stderr: 'Error: device lost\n' })).toEqual({ found: false, reason: 'the search for a GPU adapter stopped (SIGSEGV): Dawn said "device lost"' });
    expect(readSearch({ failed: 'timeout', stdout: '', stderr: '' })).toEqual({ found: false, reason: 'the search for a GPU adapter did not finish within 20 s' });
    expect(readSearch({ failed: undefined, stdout: '', stderr: '' })).toEqual({ found: false, reason: 'the search for a GPU adapter gave no answer' });
    // An adapter without its limits (a stand-in, or a future Dawn) is no answer either, not a throw.
    expect(readSearch({ failed: undefined, stdout: '{"info":{}}', stderr: '' })).toEqual({ found: false, reason: 'the search for a GPU adapter gave no answer' });
  });
});
