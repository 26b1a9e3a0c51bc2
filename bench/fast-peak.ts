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
console.log(JSON.stringify({ size, firstRunSeconds: seconds[0], warmSeconds: seconds[1], peakRssMb: await peakRssMb() }));

/**
 * This process's own high-water mark. Linux keeps getrusage's maxRSS across exec, so a child of a
 * large process would report its parent's peak: /proc's VmHWM belongs to this process alone.
 */
async function peakRssMb(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const kilobytes = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return Math.round((kilobytes ? Number(kilobytes) : process.resourceUsage().maxRSS) / 1024);
}
