import type { InferenceSession } from 'onnxruntime-node';

type Ort = typeof import('onnxruntime-node');

export interface SessionCache {
  /** The session for `key`, built from `build()`'s graph the first time. */
  get(ort: Ort, key: string, build: () => Uint8Array): Promise<InferenceSession>;
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

/** onnxruntime sessions by key (a graph and its input size), the oldest released beyond `capacity`. */
export function createSessionCache(capacity: number, memory: SessionMemory): SessionCache {
  const sessions = new Map<string, Promise<InferenceSession>>();
  return {
    get(ort, key, build) {
      let session = sessions.get(key);
      if (session) return session;
      if (sessions.size >= capacity) {
        const [oldest] = sessions.keys();
        const evicted = sessions.get(oldest!)!;
        sessions.delete(oldest!);
        // A session that failed to build has nothing to release; a failed release harms no job.
        evicted.then((old) => old.release()).catch(() => undefined);
      }
      // Building the graph can throw synchronously too: both kinds of failure become a rejection.
      session = Promise.resolve().then(() =>
        ort.InferenceSession.create(build(), { graphOptimizationLevel: 'all', executionMode: 'sequential', enableCpuMemArena: memory.arena, enableMemPattern: memory.pattern }),
      );
      sessions.set(key, session);
      // A failed session is never kept: the next request builds a fresh one.
      const failed = session;
      failed.catch(() => {
        if (sessions.get(key) === failed) sessions.delete(key);
      });
      return session;
    },
  };
}
