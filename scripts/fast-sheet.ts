/**
 * `npm run fast:sheet`: the four fast networks on every shared photo, one row per photo (the photo
 * first), at 512 px. Writes test-output/fast.png (git-ignored) and prints its path and the timings.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderContactSheet } from '../src/bot/styles/library.ts';
import { loadEngineEnvironment } from '../src/bot/config.ts';
import { FAST_NETWORKS } from '../src/engine/fast/network.ts';
import { decodeImage, encodePng, resizeToLongSide } from '../src/engine/image.ts';
import { fastMethod } from '../src/engine/methods/fast.ts';

const images = process.env.IMPASTO_SHARED_DIR ? join(process.env.IMPASTO_SHARED_DIR, 'images') : join('..', 'shared', 'images');
const size = Number(process.argv[2] ?? 512);
const env = loadEngineEnvironment();
const context = { engine: () => Promise.reject(new Error('the fast method needs no VGG')), fastWeightsDir: env.IMPASTO_FAST_WEIGHTS_DIR };
const outputDir = resolve('test-output', 'fast');
await mkdir(outputDir, { recursive: true });
const tiles: { path: string; label: string }[] = [];
for (const file of (await readdir(images)).filter((name) => name.startsWith('content_')).sort()) {
  const content = await decodeImage(await readFile(join(images, file)));
  const photoPath = join(outputDir, `${file}.png`);
  await writeFile(photoPath, await encodePng(await resizeToLongSide(content, size)));
  tiles.push({ path: photoPath, label: file.replace(/^content_|\.jpg$/g, '') });
  for (const network of FAST_NETWORKS) {
    const started = performance.now();
    const result = await fastMethod.run(context, { inputs: { content, styles: [] }, options: { network, size } });
    const path = join(outputDir, `${file}-${network}.png`);
    await writeFile(path, await encodePng(result.image));
    tiles.push({ path, label: network });
    console.log(`${file} × ${network}: ${((performance.now() - started) / 1000).toFixed(2)} s`);
  }
}
const sheet = resolve('test-output', 'fast.png');
await writeFile(sheet, await renderContactSheet(tiles, { columns: 1 + FAST_NETWORKS.length, fit: 'contain' }));
console.log(`contact sheet: ${sheet}`);
