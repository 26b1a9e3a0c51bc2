import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { loadFastNetwork, buildFastGraph } from './src/engine/fast/network.ts';
const net = await loadFastNetwork('/work/shared/weights/fast', 'wave');
const [W, H] = [1024, 768];
const graph = buildFastGraph(net, W, H);
const s = await ort.InferenceSession.create(graph, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', executionMode: 'sequential', enableCpuMemArena: true, enableMemPattern: false, enableProfiling: true, intraOpNumThreads: Number(process.env.T ?? 0), profileFilePrefix: '/tmp/zzprof/p' });
const x = new ort.Tensor('float32', Float32Array.from({ length: W * H * 3 }, (_, i) => (i * 7919) % 256), [1, H, W, 3]);
const runs = 4;
for (let i = 0; i < runs + 1; i++) { const t = performance.now(); await s.run({ x }); console.log('run', (performance.now() - t).toFixed(0)); }
s.endProfiling(); const { readdirSync } = await import('node:fs'); const file = '/tmp/zzprof/' + readdirSync('/tmp/zzprof').sort().at(-1);
const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args: { op_name?: string } }[];
const byOp = new Map<string, number>(); const byNode = new Map<string, number>();
for (const e of events) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) { const op = e.args.op_name!; byOp.set(op, (byOp.get(op) ?? 0) + e.dur); const n = e.name.replace('_kernel_time', ''); byNode.set(n + ' ' + op, (byNode.get(n + ' ' + op) ?? 0) + e.dur); }
const per = (us: number) => (us / (runs + 1) / 1000).toFixed(1);
console.log([...byOp].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${per(v)}`).join('\n'));
console.log('---');
console.log([...byNode].sort((a, b) => b[1] - a[1]).filter(([k]) => /Conv|Transpose|Reorder/.test(k)).slice(0, 80).map(([k, v]) => `${k} ${per(v)}`).join('\n'));
