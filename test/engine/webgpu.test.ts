import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSearch, type GpuProbe } from '../../src/engine/webgpu.ts';

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

  it('reads the adapter the child found, and refuses a software fallback', () => {
    const facts = { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 - 4 };
    expect(readSearch({ failed: undefined, stdout: JSON.stringify(facts), stderr: '' })).toEqual({
      found: true,
      adapter: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 - 4 } },
    });
    expect(readSearch({ failed: undefined, stdout: JSON.stringify({ ...facts, description: 'SwiftShader', isFallbackAdapter: true }), stderr: '' })).toEqual({ found: false, reason: 'only a fallback (software) adapter: SwiftShader' });
  });

  it('answers "no GPU" with the cause when the search crashes, hangs or says nothing', () => {
    expect(readSearch({ failed: 'SIGSEGV', stdout: '', stderr: 'Error: device lost\n' })).toEqual({ found: false, reason: 'the search for a GPU adapter stopped (SIGSEGV): Dawn said "device lost"' });
    expect(readSearch({ failed: 'timeout', stdout: '', stderr: '' })).toEqual({ found: false, reason: 'the search for a GPU adapter did not finish within 20 s' });
    expect(readSearch({ failed: undefined, stdout: '', stderr: '' })).toEqual({ found: false, reason: 'the search for a GPU adapter gave no answer' });
  });
});
