import { existsSync, readdirSync } from 'node:fs';
import { InputError } from './errors.ts';

/**
 * WebGPU in Node through Dawn (the `webgpu` package: its binaries ship inside it, nothing is
 * downloaded). Finding an adapter, describing it, and the adapter's limits a picture must fit in.
 * TensorFlow.js's WebGPU backend (`@tensorflow/tfjs-backend-webgpu`) asks Dawn for the adapter's own
 * maximum buffer sizes, so these are the limits that apply.
 */

export interface GpuLimits {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
}

export interface GpuAdapterInfo {
  /** "nvidia", "amd", "intel", "apple"… as the driver says. */
  readonly vendor: string;
  readonly architecture: string;
  readonly description: string;
  readonly limits: GpuLimits;
}

export type GpuProbe = { readonly found: true; readonly adapter: GpuAdapterInfo } | { readonly found: false; readonly reason: string };

/** The parts of Dawn's `GPUAdapter` read here (the full types are `@webgpu/types`). */
interface DawnAdapter {
  readonly info?: { readonly vendor?: string; readonly architecture?: string; readonly description?: string; readonly device?: string; readonly isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
  readonly limits: GpuLimits;
}
interface DawnGpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<DawnAdapter | null>;
}

/**
 * Makes `navigator.gpu` and the WebGPU constants global, as in a browser, which is where
 * TensorFlow.js's WebGPU backend looks (it registers itself only if `navigator.gpu` exists when it
 * is imported, so this runs first). Called once, by `probeWebGpu`.
 */
async function installWebGpuGlobals(): Promise<DawnGpu> {
  const { create, globals } = (await import('webgpu')) as unknown as { create: (flags: string[]) => DawnGpu; globals: object };
  const gpu = create([]);
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { ...(globalThis.navigator ?? {}), gpu }, configurable: true, writable: true });
  return gpu;
}

/** Where Vulkan's loader looks for drivers (ICD manifests) on Linux. */
const VULKAN_ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/**
 * Without a Vulkan driver Dawn can only fail (and says so on stderr): on Linux, look for one first.
 * A driver named in VK_DRIVER_FILES / VK_ICD_FILENAMES counts.
 */
export function hasVulkanDriver(env: NodeJS.ProcessEnv = process.env, dirs: readonly string[] = VULKAN_ICD_DIRS): boolean {
  if (env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES) return true;
  return dirs.some((dir) => existsSync(dir) && readdirSync(dir).some((name) => name.endsWith('.json')));
}

let probed: Promise<GpuProbe> | undefined;

/**
 * Looks for a hardware WebGPU adapter, once per process (the doctor and the backend choice ask
 * alike), making `navigator.gpu` global on the way; says why not when there is none.
 */
export function probeWebGpu(): Promise<GpuProbe> {
  probed ??= findAdapter();
  return probed;
}

async function findAdapter(): Promise<GpuProbe> {
  if (process.platform === 'linux' && !hasVulkanDriver()) {
    return { found: false, reason: "no Vulkan driver is installed (WebGPU on Linux runs on Vulkan: install the GPU vendor's driver with its Vulkan ICD)" };
  }
  let gpu: DawnGpu;
  try {
    gpu = await installWebGpuGlobals();
  } catch (error) {
    return { found: false, reason: `the webgpu package cannot load (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) return { found: false, reason: 'Dawn found no usable GPU adapter (a software Vulkan such as lavapipe is refused)' };
  const info = adapter.info ?? {};
  if (info.isFallbackAdapter ?? adapter.isFallbackAdapter) return { found: false, reason: `only a fallback (software) adapter: ${info.description ?? 'unknown'}` };
  return {
    found: true,
    adapter: {
      vendor: info.vendor ?? 'unknown',
      architecture: info.architecture ?? '',
      description: info.description || info.device || '',
      limits: { maxBufferSize: Number(adapter.limits.maxBufferSize), maxStorageBufferBindingSize: Number(adapter.limits.maxStorageBufferBindingSize) },
    },
  };
}

/** A short name for logs: "nvidia hopper (NVIDIA H200)". */
export function describeAdapter(adapter: GpuAdapterInfo): string {
  return [adapter.vendor, adapter.architecture].filter(Boolean).join(' ') + (adapter.description ? ` (${adapter.description})` : '');
}

/** VGG-19's widest activation, block 1's 64 channels at the full size, in float32. */
const WIDEST_CHANNELS = 64;

/** The largest buffer one evaluation of the objective needs at this size. */
export function largestBufferBytes(width: number, height: number): number {
  return width * height * WIDEST_CHANNELS * 4;
}

/** The largest buffer a shader can be given: the smaller of the two limits. */
export function largestBufferAllowed(limits: GpuLimits): number {
  return Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
}

/** The largest square side whose activations fit the adapter's buffers. */
export function largestSideFor(limits: GpuLimits): number {
  return Math.floor(Math.sqrt(largestBufferAllowed(limits) / (WIDEST_CHANNELS * 4)));
}

/** Refuses, before any work, a picture whose activations would not fit in one of the GPU's buffers. */
export function assertFitsGpu(width: number, height: number, limits: GpuLimits): void {
  const needed = largestBufferBytes(width, height);
  const allowed = largestBufferAllowed(limits);
  if (needed <= allowed) return;
  throw new InputError(
    'too_large_for_gpu',
    `A ${width}×${height} picture needs ${formatMiB(needed)} in one GPU buffer; this GPU allows ${formatMiB(allowed)}, so about ${largestSideFor(limits)}×${largestSideFor(limits)} pixels at most. Choose a smaller size.`,
    'size',
  );
}

function formatMiB(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}
