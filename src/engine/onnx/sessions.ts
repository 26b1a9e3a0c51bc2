import type { InferenceSession } from 'onnxruntime-node';
import { GraphBuilder } from './graph-builder.ts';
import { loadOnnxRuntime, onnxRuntimeCannotLoad } from './runtime.ts';
import { firstLineOf } from '../../error-message.ts';

type Ort = typeof import('onnxruntime-node');

/**
 * Where a session runs: onnxruntime's CPU kernels, or its WebGPU execution provider (Dawn, built into
 * onnxruntime-node; nodes it has no kernel for run on the CPU). WebGPU runs the fast networks
 * correctly on an H200; the objective there only with `IMPASTO_ENGINE=onnx-webgpu`, checked on Mesa's
 * lavapipe (WebGPU on the CPU, in the tests) but not yet run on a GPU (see the README's "On a GPU").
 */
export type OnnxDevice = 'cpu' | 'webgpu';

/**
 * onnxruntime-node with its WebGPU provider able to start (`IMPASTO_ENGINE=onnx-webgpu`, for the
 * optimisation and the fast networks alike), or an error that says why not.
 */
export async function loadOnnxRuntimeOnWebGpu(): Promise<Ort> {
  let ort: Ort;
  try {
    ort = await loadOnnxRuntime();
  } catch (error) {
    throw onnxRuntimeCannotLoad('onnx-webgpu', error);
  }
  const problem = await webGpuProviderProblem(ort);
  if (problem) throw new Error(`IMPASTO_ENGINE=onnx-webgpu, but onnxruntime's WebGPU provider cannot start here: ${problem}`);
  return ort;
}

/** Why onnxruntime's WebGPU provider cannot start here (no adapter, no Vulkan driver), or undefined when it can. */
export async function webGpuProviderProblem(ort: Ort): Promise<string | undefined> {
  const b = new GraphBuilder();
  b.output(b.alias(b.op('Relu', [b.input('x', [1, 4])]), 'y'), [1, 4]);
  try {
    const session = await ort.InferenceSession.create(b.build(), { executionProviders: ['webgpu'] });
    await session.release();
    return undefined;
  } catch (error) {
    return firstLineOf(error);
  }
}

export interface SessionCache {
  /** The session for `key` on `device`, built from `build()`'s graph the first time. */
  get(ort: Ort, key: string, build: () => Uint8Array, device?: OnnxDevice): Promise<InferenceSession>;
}

/** How a session gets its memory. */
export interface SessionMemory {
  /**
   * onnxruntime's CPU arena: keeps its high-water mark for the life of the process; faster, but
   * costly for many large graphs.
   */
  readonly arena: boolean;
  /**
   * Memory patterns: the whole run's buffers planned as one block. With the arena, that block grows
   * in powers of two: a fast network at 1460×1096 peaked at 3.0 GB with it, 1.7 GB without, at the
   * same speed.
   */
  readonly pattern: boolean;
}

/** onnxruntime sessions by key (a graph and its input size), the least recently used released beyond `capacity`. */
export function createSessionCache(capacity: number, memory: SessionMemory): SessionCache {
  const sessions = new Map<string, Promise<InferenceSession>>();
  return {
    get(ort, graphKey, build, device = 'cpu') {
      const key = keyOf(device, graphKey);
      let session = sessions.get(key);
      if (session) {
        // Least recently used goes first: a session just handed out may still be running when
        // another graph is built, and must not be the one released.
        sessions.delete(key);
        sessions.set(key, session);
        return session;
      }
      if (sessions.size >= capacity) {
        const [oldest] = sessions.keys();
        const evicted = sessions.get(oldest!)!;
        sessions.delete(oldest!);
        // A session that failed to build has nothing to release; a failed release harms no job.
        evicted.then((old) => old.release()).catch(() => undefined);
      }
      const created = startSession(ort, build, memory, device, () => {
        if (sessions.get(key) === created) sessions.delete(key);
      });
      sessions.set(key, created);
      return created;
    },
  };
}

/** A session held while in use: `release()` ends this hold (once; later calls do nothing). */
export interface SessionLease {
  readonly session: InferenceSession;
  release(): void;
}

export interface SessionLeases {
  /** The session for `key` on `device`, shared by every lease of that key while any is held. */
  lease(ort: Ort, key: string, build: () => Uint8Array, device?: OnnxDevice): Promise<SessionLease>;
  /** `use(session)` with the session for `key`, leased for just that long (one run, say). */
  withSession<T>(ort: Ort, key: string, build: () => Uint8Array, use: (session: InferenceSession) => Promise<T>, device?: OnnxDevice): Promise<T>;
}

export interface LeaseOptions {
  /** How long a session outlives its last lease: a lease taken within it finds the session warm. */
  readonly graceMs?: number;
  /** At most this many sessions are kept without a lease; beyond it the longest idle goes at once. */
  readonly maxIdle?: number;
}

/**
 * Sessions that live while leased: built at the first lease of a key, released `graceMs` after its
 * last lease ends, unless leased again before (training leases one per photo, one after another).
 *
 * Why: with the arena a session keeps its high-water mark, so a cached one would hold a job's
 * largest scale for as long as the bot is idle. Leased, the memory goes when the job does.
 */
export function createSessionLeases(memory: SessionMemory, { graceMs = 1000, maxIdle = Number.POSITIVE_INFINITY }: LeaseOptions = {}): SessionLeases {
  interface Entry {
    readonly session: Promise<InferenceSession>;
    holders: number;
    timer?: NodeJS.Timeout | undefined;
  }
  const entries = new Map<string, Entry>();
  // Keys of the sessions without a lease, the longest idle first.
  const idle = new Set<string>();
  const releaseEntry = (key: string, entry: Entry) => {
    clearTimeout(entry.timer);
    idle.delete(key);
    if (entries.get(key) === entry) entries.delete(key);
    entry.session.then((session) => session.release()).catch(() => undefined);
  };
  const leases: SessionLeases = {
    async lease(ort, graphKey, build, device = 'cpu') {
      const key = keyOf(device, graphKey);
      let entry = entries.get(key);
      if (!entry) {
        const created: Entry = {
          session: startSession(ort, build, memory, device, () => {
            if (entries.get(key) === created) entries.delete(key);
          }),
          holders: 0,
        };
        entries.set(key, created);
        entry = created;
      }
      const held = entry;
      clearTimeout(held.timer);
      idle.delete(key);
      held.holders++;
      const session = await held.session;
      let released = false;
      return {
        session,
        release() {
          if (released) return;
          released = true;
          if (--held.holders > 0) return;
          held.timer = setTimeout(() => releaseEntry(key, held), graceMs);
          held.timer.unref();
          idle.add(key);
          if (idle.size > maxIdle) {
            const [longest] = idle;
            releaseEntry(longest!, entries.get(longest!)!);
          }
        },
      };
    },
    async withSession(ort, key, build, use, device) {
      const { session, release } = await leases.lease(ort, key, build, device);
      try {
        return await use(session);
      } finally {
        release();
      }
    },
  };
  return leases;
}

/** Sessions of the same graph on different devices are different sessions. */
function keyOf(device: OnnxDevice, graphKey: string): string {
  return `${device}|${graphKey}`;
}

/**
 * A new session; `forget` runs if it fails to build, so that its owner does not keep it and the
 * next request builds a fresh one.
 */
function startSession(ort: Ort, build: () => Uint8Array, memory: SessionMemory, device: OnnxDevice, forget: () => void): Promise<InferenceSession> {
  const session = createSession(ort, build, memory, device);
  session.catch(forget);
  return session;
}

function createSession(ort: Ort, build: () => Uint8Array, memory: SessionMemory, device: OnnxDevice): Promise<InferenceSession> {
  // Building the graph can throw synchronously too: both kinds of failure become a rejection.
  return Promise.resolve().then(() =>
    ort.InferenceSession.create(build(), { executionProviders: [device], graphOptimizationLevel: 'all', executionMode: 'sequential', enableCpuMemArena: memory.arena, enableMemPattern: memory.pattern }),
  );
}
