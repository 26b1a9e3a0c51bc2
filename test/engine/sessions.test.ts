import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/engine/onnx/graph-builder.ts';
import { createSessionCache } from '../../src/engine/onnx/sessions.ts';

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
});
