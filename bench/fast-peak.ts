/**
 * One fast job in a process of its own, for `npm run bench`: prints the warm wall time (decode,
 * network, PNG) and the process's peak RSS as JSON. Pictures above 1.6 MP are painted in tiles.
 *
 *   tsx bench/fast-peak.ts <size> <weights dir> <photo>
 */
import { readFile } from 'node:fs/promises';
import { decodeImage, encodePng } from '../src/engine/image.ts';
import { fastMethod } from '../src/engine/methods/fast.ts';

const [size, fastWeightsDir, photoPath] = [Number(process.argv[2]), process.argv[3]!, process.argv[4]!];
const jpeg = await readFile(photoPath);
const context = { engine: () => Promise.reject(new Error('not needed')), fastWeightsDir };
const seconds: number[] = [];
for (let run = 0; run < 2; run++) {
  const start = performance.now();
  const result = await fastMethod.run(context, { inputs: { content: await decodeImage(jpeg), styles: [] }, options: { network: 'wave', size } });
  await encodePng(result.image);
  seconds.push((performance.now() - start) / 1000);
}
console.log(JSON.stringify({ size, firstRunSeconds: seconds[0], warmSeconds: seconds[1], peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
