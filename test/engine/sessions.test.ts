import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/engine/onnx/graph-builder.ts';
import { createSessionCache, createSessionLeases } from '../../src/engine/onnx/sessions.ts';

/** A one-node graph: y = x · factor. */
function scaleGraph(factor: number): Uint8Array {
  const b = new GraphBuilder();
  b.output(b.alias(b.op('Mul', [b.input('x', [1]), b.constant([factor], [1])]), 'y'), [1]);
  return b.build();
}

async function runOnce(session: ort.InferenceSession): Promise<number> {
  return ((await session.run({ x: new ort.Tensor('float32', Float32Array.of(1), [1]) })).y!.data as Float32Array)[0]!;
}

describe('the onnxruntime session cache', () => {
  it('releases the least recently used session beyond its capacity, never one just asked for', async () => {
    const cache = createSessionCache(2, { arena: false, pattern: true });
    const first = await cache.get(ort, 'first', () => scaleGraph(2));
    const second = await cache.get(ort, 'second', () => scaleGraph(3));
    // `first` is used again (an objective evaluating with its loss graph), then a third graph is built.
    expect(await cache.get(ort, 'first', () => scaleGraph(-1))).toBe(first);
    await cache.get(ort, 'third', () => scaleGraph(4));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await runOnce(first)).toBe(2);
    await expect(runOnce(second)).rejects.toThrow(/disposed/i);
  });

  it('keeps a session per device: the same graph on the CPU and on WebGPU are two entries', async () => {
    const cache = createSessionCache(4, { arena: false, pattern: true });
    const cpu = await cache.get(ort, 'graph', () => scaleGraph(5));
    // Without a GPU (CI) the WebGPU session fails to start; with one it is a session of its own.
    // Either way the CPU one is untouched.
    const gpu = await cache.get(ort, 'graph', () => scaleGraph(5), 'webgpu').catch(() => undefined);
    expect(gpu).not.toBe(cpu);
    expect(await cache.get(ort, 'graph', () => scaleGraph(7))).toBe(cpu);
    expect(await runOnce(cpu)).toBe(5);
  });

  it('forgets a session that failed to build, so that the next request tries again', async () => {
    const cache = createSessionCache(2, { arena: false, pattern: true });
    await expect(cache.get(ort, 'features', () => Uint8Array.of(1, 2, 3))).rejects.toThrow();
    expect(await runOnce(await cache.get(ort, 'features', () => scaleGraph(8)))).toBe(8);
  });
});

describe('leased onnxruntime sessions (the loss graph, with its arena)', () => {
  const graceMs = 20;
  const afterGrace = () => new Promise((resolve) => setTimeout(resolve, graceMs * 3));

  it('shares one session between leases and releases it once the last lease ends', async () => {
    const leases = createSessionLeases({ arena: true, pattern: false }, { graceMs });
    const [first, second] = await Promise.all([leases.lease(ort, 'loss', () => scaleGraph(2)), leases.lease(ort, 'loss', () => scaleGraph(-1))]);
    expect(second.session).toBe(first.session);
    first.release();
    first.release(); // a second release of the same lease must not end the other one
    await afterGrace();
    expect(await runOnce(second.session)).toBe(2);
    second.release();
    await afterGrace();
    await expect(runOnce(second.session)).rejects.toThrow(/disposed/i);
    // The next lease builds a fresh session from its own graph.
    const fresh = await leases.lease(ort, 'loss', () => scaleGraph(3));
    expect(await runOnce(fresh.session)).toBe(3);
    fresh.release();
  });

  it('keeps the session for a lease taken within the grace period (one objective per training photo)', async () => {
    const leases = createSessionLeases({ arena: true, pattern: false }, { graceMs });
    const photo = await leases.lease(ort, 'loss', () => scaleGraph(4));
    photo.release();
    const next = await leases.lease(ort, 'loss', () => scaleGraph(-1));
    expect(next.session).toBe(photo.session);
    await afterGrace();
    expect(await runOnce(next.session)).toBe(4);
    next.release();
  });

  it('keeps at most maxIdle sessions without a lease: the longest idle goes at once (the fast networks, a minute each)', async () => {
    const leases = createSessionLeases({ arena: true, pattern: false }, { graceMs: 60_000, maxIdle: 2 });
    const [first, second, third] = await Promise.all([leases.lease(ort, 'first', () => scaleGraph(2)), leases.lease(ort, 'second', () => scaleGraph(3)), leases.lease(ort, 'third', () => scaleGraph(4))]);
    first.release();
    second.release();
    // Two idle sessions: both kept, and a new lease of the first finds it warm.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const again = await leases.lease(ort, 'first', () => scaleGraph(-1));
    expect(again.session).toBe(first.session);
    again.release();
    // The third becomes idle too: the longest idle (the second, since the first was leased again) goes.
    third.release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(runOnce(second.session)).rejects.toThrow(/disposed/i);
    expect(await runOnce(first.session)).toBe(2);
    expect(await runOnce(third.session)).toBe(4);
  });

  it('withSession holds a lease only while its function runs, also when it throws (one fast-network pass)', async () => {
    const leases = createSessionLeases({ arena: true, pattern: false }, { graceMs });
    let used: ort.InferenceSession | undefined;
    expect(await leases.withSession(ort, 'pass', () => scaleGraph(5), (session) => runOnce((used = session)))).toBe(5);
    await afterGrace();
    await expect(runOnce(used!)).rejects.toThrow(/disposed/i);
    const failing = (session: ort.InferenceSession) => {
      used = session;
      return Promise.reject(new Error('the pass failed'));
    };
    await expect(leases.withSession(ort, 'pass', () => scaleGraph(6), failing)).rejects.toThrow(/the pass failed/);
    await afterGrace();
    await expect(runOnce(used!)).rejects.toThrow(/disposed/i);
  });

  it('forgets a session that failed to build, so that the next lease tries again', async () => {
    const leases = createSessionLeases({ arena: true, pattern: false }, { graceMs });
    await expect(leases.lease(ort, 'loss', () => Uint8Array.of(1, 2, 3))).rejects.toThrow();
    const retried = await leases.lease(ort, 'loss', () => scaleGraph(6));
    expect(await runOnce(retried.session)).toBe(6);
    retried.release();
  });
});
