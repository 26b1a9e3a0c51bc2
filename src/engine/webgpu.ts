import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { InputError } from './errors.ts';
import { firstLineOf } from '../error-message.ts';

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

export interface ProbeOptions {
  /**
   * Accept a software (fallback) adapter such as Mesa's lavapipe: WebGPU's kernels then run for
   * real on the CPU's cores, far slower than the CPU engine. Never for painting; for checking the
   * kernels' numbers on a machine without a GPU (`check:gpu --software`, the tests).
   */
  readonly software?: boolean;
}

const probed = new Map<boolean, Promise<GpuProbe>>();

/**
 * Looks for a hardware WebGPU adapter, once per process (the doctor and the backend choice ask
 * alike), making `navigator.gpu` global on the way; says why not when there is none.
 */
export function probeWebGpu({ software = false }: ProbeOptions = {}): Promise<GpuProbe> {
  if (!probed.has(software)) probed.set(software, findAdapter(software));
  return probed.get(software)!;
}

async function findAdapter(software: boolean): Promise<GpuProbe> {
  if (process.platform === 'linux' && !hasVulkanDriver()) {
    return { found: false, reason: "no Vulkan driver is installed (WebGPU on Linux runs on Vulkan: install the GPU vendor's driver with its Vulkan ICD)" };
  }
  const searched = await searchAdapterApart(undefined, { software });
  if (!searched.found) return searched;
  // There is hardware: this process asks Dawn too, and makes `navigator.gpu` global for TensorFlow.js.
  let gpu: DawnGpu;
  try {
    gpu = await installWebGpuGlobals();
  } catch (error) {
    return webGpuPackageCannotLoad(error);
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  return adapter ? probeOf(adapter, { software }) : { found: false, reason: NO_ADAPTER };
}

/** The probe's answer where the `webgpu` package (Dawn) cannot load: its error's first line says why. */
function webGpuPackageCannotLoad(error: unknown): GpuProbe {
  return { found: false, reason: `the webgpu package cannot load (${firstLineOf(error)})` };
}

const NO_ADAPTER = 'Dawn found no usable GPU adapter (a software Vulkan such as lavapipe is refused)';

function probeOf(adapter: DawnAdapter, { software = false }: ProbeOptions): GpuProbe {
  const info = adapter.info ?? {};
  if ((info.isFallbackAdapter ?? adapter.isFallbackAdapter) && !software) return { found: false, reason: `only a fallback (software) adapter: ${info.description ?? 'unknown'}` };
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

/** How long the child process may search before the answer is "no GPU". */
const SEARCH_TIMEOUT_MS = 20_000;

/**
 * Dawn's first search for an adapter runs in a child process. Where it refuses a driver (lavapipe,
 * which Debian installs beside Chromium) it writes warnings straight to stderr, twice per engine
 * process, on every start of a bot that has no GPU; and a broken driver can crash the process that
 * loads it. The child's stderr is kept, and Dawn's reason is quoted in ours (the doctor prints it).
 * `webgpuModule` (the `webgpu` package by default) lets a test stand in for Dawn.
 */
export async function searchAdapterApart(webgpuModule?: string, options: ProbeOptions = {}): Promise<GpuProbe> {
  let webgpu: string;
  try {
    webgpu = webgpuModule ?? resolveWebGpuModule();
  } catch (error) {
    return webGpuPackageCannotLoad(error);
  }
  // The adapter as plain data, in the shape Dawn gives it (its objects' fields are getters, which
  // JSON leaves out); this module reads it as it reads one found here.
  const script = [
    'const { create } = await import(process.argv[1]);',
    "const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);",
    'const { vendor, architecture, description, device, isFallbackAdapter } = adapter?.info ?? {};',
    'const { maxBufferSize, maxStorageBufferBindingSize } = adapter?.limits ?? {};',
    'const plain = adapter && { info: { vendor, architecture, description, device, isFallbackAdapter }, isFallbackAdapter: adapter.isFallbackAdapter, limits: { maxBufferSize, maxStorageBufferBindingSize } };',
    'process.stdout.write(JSON.stringify(plain), () => process.exit(0));',
  ].join('\n');
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script, webgpu], { timeout: SEARCH_TIMEOUT_MS, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      resolve(readSearch({ failed: error ? (error.killed ? 'timeout' : (error.signal ?? `exit ${String(error.code)}`)) : undefined, stdout, stderr }, options));
    });
  });
}

/**
 * Where the `webgpu` package is, for the child to import. `import.meta.resolve` where Node runs this
 * module itself; a transform (vitest's) may not offer it, and the package has one entry either way.
 */
function resolveWebGpuModule(): string {
  return typeof import.meta.resolve === 'function' ? import.meta.resolve('webgpu') : pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
}

/** What the child writes for an adapter it found (`DawnAdapter` as plain data). */
const childAdapterSchema = z.object({
  info: z
    .object({ vendor: z.string().optional(), architecture: z.string().optional(), description: z.string().optional(), device: z.string().optional(), isFallbackAdapter: z.boolean().optional() })
    .optional(),
  isFallbackAdapter: z.boolean().optional(),
  limits: z.object({ maxBufferSize: z.number(), maxStorageBufferBindingSize: z.number() }),
});

/** The child's answer as a probe: its adapter, or why not, in Dawn's words where it gave any. */
export function readSearch(search: { readonly failed: string | undefined; readonly stdout: string; readonly stderr: string }, options: ProbeOptions = {}): GpuProbe {
  const said = dawnSaid(search.stderr);
  if (search.failed === 'timeout') return { found: false, reason: `the search for a GPU adapter did not finish within ${SEARCH_TIMEOUT_MS / 1000} s` };
  if (search.failed) return { found: false, reason: `the search for a GPU adapter stopped (${search.failed})${said ? `: Dawn said "${said}"` : ''}` };
  let answer: unknown;
  try {
    answer = JSON.parse(search.stdout);
  } catch {
    answer = undefined;
  }
  if (answer === null) return { found: false, reason: said ? `${NO_ADAPTER}: Dawn said "${said}"${adviceOn(said)}` : NO_ADAPTER };
  const adapter = childAdapterSchema.safeParse(answer);
  // Read in a callback: a throw there would be uncaught, so anything unexpected is "no answer".
  return adapter.success ? probeOf(adapter.data, options) : { found: false, reason: 'the search for a GPU adapter gave no answer' };
}

/**
 * What to do, where Dawn's words name a known cause. NVIDIA's Vulkan driver lives in its GLX
 * library, which the loader finds but cannot start when the kernel module is not loaded or
 * libglvnd (the GL dispatch libraries it links) is missing: on an H200 machine with the driver and
 * the loader but no libglvnd, Dawn said only this (4 Dec 2026), and installing libglvnd fixed it.
 */
function adviceOn(said: string): string {
  if (said.includes('libGLX_nvidia')) return ". NVIDIA's Vulkan driver did not start: check that `nvidia-smi` sees the GPU, and install libglvnd (Debian and Ubuntu: libglvnd0 libgl1 libegl1)";
  return '';
}

/** Dawn's first warning or error line, without the loader's noise about XDG_RUNTIME_DIR. */
function dawnSaid(stderr: string): string | undefined {
  const line = stderr
    .split('\n')
    .map((text) => text.trim())
    .find((text) => /^(warning|error)\b/i.test(text) && !text.includes('XDG_RUNTIME_DIR'));
  return line?.replace(/^(warning|error):\s*/i, '');
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

/** "512 MiB": a GPU buffer's size in the refusals' words. */
export function formatMiB(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}
