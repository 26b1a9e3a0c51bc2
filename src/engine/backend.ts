import { describeAdapter, probeWebGpu, type GpuAdapterInfo, type GpuProbe, type ProbeOptions } from './webgpu.ts';
import { firstLineOf, messageOf } from '../error-message.ts';

/**
 * The TensorFlow.js backends impasto can run on, fastest first. The native packages cannot be
 * installed on every machine (their install script downloads libtensorflow), so each one is looked
 * for at run time, and the first that loads wins.
 */
export const BACKEND_CANDIDATES = [
  { name: 'tensorflow-gpu', module: '@tensorflow/tfjs-node-gpu', tfBackend: 'tensorflow', gpu: true },
  // Any GPU with a Vulkan (Linux, Windows) or Metal (macOS) driver, through Dawn: installs from npm
  // alone. It needs a hardware adapter, looked for before the backend is imported (it registers
  // itself only where `navigator.gpu` exists).
  { name: 'webgpu', module: '@tensorflow/tfjs-backend-webgpu', tfBackend: 'webgpu', gpu: true, needsAdapter: true },
  { name: 'tensorflow', module: '@tensorflow/tfjs-node', tfBackend: 'tensorflow', gpu: false },
  { name: 'wasm', module: '@tensorflow/tfjs-backend-wasm', tfBackend: 'wasm', gpu: false },
  { name: 'cpu', module: '@tensorflow/tfjs-backend-cpu', tfBackend: 'cpu', gpu: false },
] as const;

export type BackendName = (typeof BACKEND_CANDIDATES)[number]['name'];

/**
 * IMPASTO_ENGINE's values: what computes the loss and its gradient (and runs the fast networks).
 * `auto`: TensorFlow.js on a GPU, else onnxruntime on the CPU; `onnx-webgpu`: onnxruntime's graphs on
 * its WebGPU provider (not yet run on a GPU). Here, beside IMPASTO_BACKEND's names, so that the
 * configuration reads both from one module.
 */
export const OBJECTIVE_ENGINES = ['auto', 'onnx', 'onnx-webgpu', 'tfjs'] as const;
export type ObjectiveEngineSetting = (typeof OBJECTIVE_ENGINES)[number];
export const BACKEND_NAMES = BACKEND_CANDIDATES.map((candidate) => candidate.name) as readonly BackendName[];

/** The backends that compute on a GPU: they get the GPU's defaults and limits, and TensorFlow.js's objective. */
export function isGpuBackend(name: BackendName): boolean {
  return BACKEND_CANDIDATES.some((candidate) => candidate.name === name && candidate.gpu);
}

/** The GPU backends, fastest first. */
export const GPU_BACKENDS: readonly BackendName[] = BACKEND_NAMES.filter(isGpuBackend);

export interface BackendChoice {
  readonly name: BackendName;
  /** One line per candidate tried, e.g. "tensorflow-gpu: not installed". */
  readonly reasons: readonly string[];
  /** The WebGPU adapter, when the choice is `webgpu`: its limits bound the picture's size. */
  readonly adapter?: GpuAdapterInfo | undefined;
}

export interface BackendEnvironment {
  /** Loads a module by specifier; injected in tests. */
  readonly importModule: (specifier: string) => Promise<unknown>;
  /** Activates a registered TensorFlow.js backend; resolves false when it cannot start. */
  readonly activate: (tfBackend: string) => Promise<boolean>;
  /** Looks for a WebGPU adapter (and makes `navigator.gpu` global for the backend); injected in tests. */
  readonly probeGpu: () => Promise<GpuProbe>;
}

const realEnvironment: BackendEnvironment = {
  importModule: (specifier) => import(specifier),
  probeGpu: probeWebGpu,
  activate: async (tfBackend) => {
    // TensorFlow.js is loaded here, not with this module: the configuration reads the names above,
    // and a command's help or `impasto status` need not wait for it.
    const tf = await import('@tensorflow/tfjs-core');
    // TensorFlow.js's console notes are not for impasto's users: the cpu backend's first tensor
    // printed a banner telling them to install tfjs-node, amid `impasto train-style`'s lines and the
    // bot's JSON logs (impasto chooses the backend itself, and `impasto doctor` says why).
    // Production mode silences tfjs's warn and log, and changes no computation.
    tf.enableProdMode();
    const ok = await tf.setBackend(tfBackend);
    if (ok) await tf.ready();
    return ok;
  },
};

/**
 * This machine's backends, with the WebGPU adapter searched for as `probe` says: `{ software: true }`
 * accepts a software adapter, for checking WebGPU's kernels where there is no GPU (never to paint).
 */
export function backendEnvironment(probe: ProbeOptions = {}): BackendEnvironment {
  return { ...realEnvironment, probeGpu: () => probeWebGpu(probe) };
}

/**
 * Picks the fastest backend that loads, or exactly `forced` when given (then failing loudly if it
 * cannot load, because an operator who forces a backend wants to know).
 */
export async function chooseBackend(
  forced: BackendName | undefined,
  environment: BackendEnvironment = realEnvironment,
): Promise<BackendChoice> {
  const candidates = forced ? BACKEND_CANDIDATES.filter((candidate) => candidate.name === forced) : BACKEND_CANDIDATES;
  const { choice, reasons } = await startFirst(candidates, forced ? 'forced by IMPASTO_BACKEND' : 'selected', environment);
  if (choice) return choice;
  const hint = forced ? `IMPASTO_BACKEND=${forced} was set, but that backend cannot run here` : 'no TensorFlow.js backend could start';
  throw new Error(`${hint}:\n  ${reasons.join('\n  ')}`);
}

/** The first of `names` (fastest first) that starts here, activated; undefined when none does. */
export async function firstThatStarts(names: readonly BackendName[], environment: BackendEnvironment = realEnvironment): Promise<BackendChoice | undefined> {
  return (await startFirst(BACKEND_CANDIDATES.filter((candidate) => names.includes(candidate.name)), 'selected', environment)).choice;
}

/**
 * Where IMPASTO_ENGINE=auto computes on a GPU: IMPASTO_BACKEND when it names a GPU's backend (none
 * when it names a CPU's), else the fastest GPU backend that starts here; activated.
 */
export async function gpuBackendFor(forced: BackendName | undefined, environment: BackendEnvironment = realEnvironment): Promise<BackendChoice | undefined> {
  if (forced) return isGpuBackend(forced) ? chooseBackend(forced, environment) : undefined;
  return firstThatStarts(GPU_BACKENDS, environment);
}

/** Tries `candidates` in order; the first that imports and activates is the choice, `outcome` its reason's wording. */
async function startFirst(candidates: readonly (typeof BACKEND_CANDIDATES)[number][], outcome: string, environment: BackendEnvironment): Promise<{ choice?: BackendChoice; reasons: string[] }> {
  const reasons: string[] = [];
  for (const candidate of candidates) {
    let adapter: GpuAdapterInfo | undefined;
    if ('needsAdapter' in candidate) {
      const probe = await environment.probeGpu();
      if (!probe.found) {
        reasons.push(`webgpu: ${probe.reason}`);
        continue;
      }
      adapter = probe.adapter;
    }
    try {
      await environment.importModule(candidate.module);
    } catch (error) {
      reasons.push(`${candidate.name}: ${describeImportFailure(candidate.module, error)}`);
      continue;
    }
    let activated = false;
    try {
      activated = await environment.activate(candidate.tfBackend);
    } catch (error) {
      reasons.push(`${candidate.name}: failed to start (${messageOf(error)})`);
      continue;
    }
    if (!activated) {
      reasons.push(`${candidate.name}: installed but failed to start`);
      continue;
    }
    reasons.push(`${candidate.name}: ${outcome}${adapter ? ` on ${describeAdapter(adapter)}` : ''}`);
    return { choice: { name: candidate.name, reasons, adapter }, reasons };
  }
  return { reasons };
}

function describeImportFailure(specifier: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    const message = error instanceof Error ? error.message : '';
    // A missing *dependency* of an installed package is a broken install, not an absent one.
    if (message.includes(`'${specifier}'`)) return 'not installed';
  }
  return `installed but failed to load (${firstLineOf(error)})`;
}
