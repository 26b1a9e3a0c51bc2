/**
 * Whole jobs at the sizes given, on the backend the engine would choose (or IMPASTO_BACKEND): the
 * largest pictures a GPU takes (issue #20: 2048 px works, or is refused clearly before any work).
 * Prints one JSON line per job; with OUT set, writes each result as OUT/gpu-<size>.png to look at.
 *
 *   IMPASTO_WEIGHTS_DIR=… IMPASTO_SHARED_DIR=… tsx scripts/gpu/large.ts [1024:300,2048:60]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadEngineEnvironment } from '../../src/bot/config.ts';
import { chooseBackend } from '../../src/engine/backend.ts';
import { createEngineFromWeights } from '../../src/engine/engine.ts';
import { decodeImage, encodePng } from '../../src/engine/image.ts';
import { loadVggWeights, locateWeights } from '../../src/engine/weights.ts';

const env = loadEngineEnvironment();
const images = join(process.env.IMPASTO_SHARED_DIR ?? join('..', 'shared'), 'images');
const choice = await chooseBackend(env.IMPASTO_BACKEND);
console.log(JSON.stringify({ backend: choice.name, adapter: choice.adapter }));
const weights = new Map(await loadVggWeights(await locateWeights({ explicitDir: env.IMPASTO_WEIGHTS_DIR, download: false })));
const engine = createEngineFromWeights(choice, weights);
const content = await decodeImage(await readFile(join(images, 'content_tubingen.jpg')));
const style = await decodeImage(await readFile(join(images, 'style_starry_night.jpg')));
const jobs = (process.argv[2] ?? '1024:300,2048:60').split(',').map((pair) => pair.split(':').map(Number) as [number, number]);
for (const [size, iterations] of jobs) {
  const start = performance.now();
  const seconds = () => Number(((performance.now() - start) / 1000).toFixed(1));
  try {
    const result = await engine.stylize({ content, style, options: { size, iterations } });
    const scales = result.scales.map((scale) => `${scale.size}:${scale.iterations}`).join(' ');
    console.log(JSON.stringify({ size, iterations, ok: true, image: `${result.image.width}×${result.image.height}`, scales, seconds: seconds(), loss: result.history.at(-1)?.total, evaluations: result.evaluations }));
    if (process.env.OUT) await writeFile(join(process.env.OUT, `gpu-${size}.png`), await encodePng(result.image));
  } catch (error) {
    console.log(JSON.stringify({ size, iterations, ok: false, seconds: seconds(), error: error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error) }));
  }
}
process.exit(0);
