import { readFile } from 'node:fs/promises';
import { decodeImage, encodePng, resizeToLongSide } from './src/engine/image.ts';
import { fastMethod } from './src/engine/methods/fast.ts';
import { paintWithNetwork } from './src/engine/methods/fast.ts';
const jpeg = await readFile('/work/shared/images/content_tubingen.jpg');
const context = { engine: () => Promise.reject(new Error('no')), fastWeightsDir: '/work/shared/weights/fast' };
const rows: Record<string, number[]> = {};
const t = async <T>(k: string, f: () => Promise<T>) => { const s = performance.now(); const r = await f(); (rows[k] ??= []).push(performance.now() - s); return r; };
for (let i = 0; i < 8; i++) {
  const photo = await t('decode', () => decodeImage(jpeg));
  const big = await t('resize', () => resizeToLongSide(photo, 1024));
  const painted = await t('paint', () => paintWithNetwork(context, 'wave', big));
  await t('png', () => encodePng(painted));
  const r = await t('method', () => fastMethod.run(context, { inputs: { content: photo, styles: [] }, options: { network: 'wave', size: 1024 } }));
  await t('png2', () => encodePng(r.image));
}
for (const [k, v] of Object.entries(rows)) { const a = v.slice(2).sort((p, q) => p - q); console.log(k, a.map((x) => x.toFixed(0)).join(' ')); }
