import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, WeightsError } from '../../src/engine/errors.ts';
import { FAST_NETWORKS, fastGraphFor, loadFastNetwork, locateFastWeights, runFastNetwork } from '../../src/engine/fast/network.ts';
import { alignUp, planTiles } from '../../src/engine/fast/tiles.ts';
import { chooseFastRunner, onnxFastRunner } from '../../src/engine/fast/runner.ts';
import { chooseObjectiveEngine } from '../../src/engine/engine.ts';
import { runFastNetworkTfjs } from '../../src/engine/fast/tfjs.ts';
import { cropImage, resizeToLongSide, type RgbImage } from '../../src/engine/image.ts';
import { methodNamed, type MethodContext } from '../../src/engine/methods/index.ts';
import { paintFastPicture } from '../../src/engine/methods/fast.ts';
import { edgeSimilarity } from '../../src/engine/quality.ts';
import { sharedEngine } from '../helpers/engine.ts';
import { greyLevelDifference as difference } from '../helpers/difference.ts';
import { loadFastReference, loadSharedImage, SHARED_FAST_DIR } from '../helpers/shared.ts';



/** For each column (or row) index i > 0: the mean and largest difference between it and the one before. */
function stepsAcross(image: RgbImage, axis: 'column' | 'row'): { mean: number; max: number }[] {
  const count = axis === 'column' ? image.width : image.height;
  const length = axis === 'column' ? image.height : image.width;
  const at = (line: number, along: number, channel: number) => image.data[((axis === 'column' ? along * image.width + line : line * image.width + along) * 3) + channel]!;
  const steps = [{ mean: 0, max: 0 }];
  for (let line = 1; line < count; line++) {
    let sum = 0;
    let max = 0;
    for (let along = 0; along < length; along++) {
      for (let channel = 0; channel < 3; channel++) {
        const step = Math.abs(at(line, along, channel) - at(line - 1, along, channel));
        sum += step;
        max = Math.max(max, step);
      }
    }
    steps.push({ mean: sum / (length * 3), max });
  }
  return steps;
}

describe('fast style networks', () => {
  it.each(FAST_NETWORKS)('%s matches its reference output within one grey level', async (name) => {
    const input = await loadFastReference('input_content_dog_256x192.png');
    const expected = await loadFastReference(`${name}_content_dog_256x192.png`);
    const painted = await runFastNetwork(ort, await loadFastNetwork(SHARED_FAST_DIR, name), input);
    // The reference was floored to whole grey levels, ours is rounded: at most 1 apart.
    const { mean, max } = difference(painted, expected);
    expect(mean).toBeLessThanOrEqual(1);
    expect(max).toBeLessThanOrEqual(1);
  });

  it('runs on TensorFlow.js too (the GPU path, here on wasm), matching the references and the ONNX graph', async () => {
    const runner = await chooseFastRunner({ backend: 'wasm', engine: 'tfjs' });
    expect(runner).toMatchObject({ kind: 'tfjs', label: 'TensorFlow.js wasm' });
    const network = await loadFastNetwork(SHARED_FAST_DIR, 'wave');
    const input = await loadFastReference('input_content_dog_256x192.png');
    const { mean, max } = difference(await runFastNetworkTfjs(network, input), await loadFastReference('wave_content_dog_256x192.png'));
    expect(mean).toBeLessThanOrEqual(1);
    expect(max).toBeLessThanOrEqual(1);
    // An odd size is padded and cropped as the ONNX path does it.
    const odd: RgbImage = { width: 101, height: 77, data: input.data.slice(0, 101 * 77 * 3) };
    expect(difference(await runFastNetworkTfjs(network, odd), await runFastNetwork(ort, network, odd)).max).toBeLessThanOrEqual(1);
    // And the runners paint the same margin around a picture.
    expect(difference(await runner.paint(network, odd), await onnxFastRunner(ort).paint(network, odd)).max).toBeLessThanOrEqual(1);
  });

  it('paints a mirrored margin around the picture: its edges come out closer to the same pixels painted inside a larger photo', async () => {
    // The Scream's network paints an orange stripe just inside a picture's right edge without it.
    const network = await loadFastNetwork(SHARED_FAST_DIR, 'scream');
    const photo = await resizeToLongSide(await loadSharedImage('content_dog.jpg'), 448);
    const cut = 64;
    const inner = cropImage(photo, cut, cut, photo.width - 2 * cut, photo.height - 2 * cut);
    const inside = cropImage(await runFastNetwork(ort, network, photo), cut, cut, inner.width, inner.height);
    const edgeDifference = (painted: RgbImage) => {
      const band = 16;
      const columns = [cropImage(painted, 0, 0, band, painted.height), cropImage(painted, painted.width - band, 0, band, painted.height)];
      const truths = [cropImage(inside, 0, 0, band, inside.height), cropImage(inside, inside.width - band, 0, band, inside.height)];
      return (difference(columns[0]!, truths[0]!).mean + difference(columns[1]!, truths[1]!).mean) / 2;
    };
    const framed = await onnxFastRunner(ort).paint(network, inner);
    expect([framed.width, framed.height]).toEqual([inner.width, inner.height]);
    expect(edgeDifference(framed)).toBeLessThan(0.8 * edgeDifference(await runFastNetwork(ort, network, inner)));
  });

  it('chooses onnxruntime where no GPU backend starts, unless told otherwise', async () => {
    // tfjs-node-gpu cannot be installed here, so `auto` finds no GPU.
    expect(await chooseFastRunner({})).toMatchObject({ kind: 'onnx', label: 'onnxruntime' });
    expect(await chooseFastRunner({ engine: 'onnx', backend: 'wasm' })).toMatchObject({ kind: 'onnx' });
  });

  it("refuses IMPASTO_ENGINE=onnx-webgpu clearly where onnxruntime's WebGPU provider cannot start (no GPU here)", async () => {
    const refusal = /^IMPASTO_ENGINE=onnx-webgpu, but onnxruntime's WebGPU provider cannot start here: .*adapter/;
    await expect(chooseFastRunner({ engine: 'onnx-webgpu', backend: 'wasm' })).rejects.toThrow(refusal);
    await expect(chooseObjectiveEngine('onnx-webgpu', 'wasm')).rejects.toThrow(refusal);
  });

  it('paints any size: pads to a multiple of 4 and crops back', async () => {
    const photo = await loadSharedImage('content_tubingen.jpg');
    const odd: RgbImage = { width: 101, height: 77, data: photo.data.slice(0, 101 * 77 * 3) };
    const painted = await runFastNetwork(ort, await loadFastNetwork(SHARED_FAST_DIR, 'wave'), odd);
    expect([painted.width, painted.height, painted.data.length]).toEqual([101, 77, 101 * 77 * 3]);
  });

  it('keeps the graphs of the last two picture shapes, so that a cold job at a shape seen before is not built again', async () => {
    const network = await loadFastNetwork(SHARED_FAST_DIR, 'udnie');
    // Compared as references (a failing toBe would print 26 MB of graph).
    const same = (a: Uint8Array, b: Uint8Array) => a === b;
    const landscape = fastGraphFor(network, 96, 72);
    expect(same(fastGraphFor(network, 96, 72), landscape)).toBe(true);
    const portrait = fastGraphFor(network, 72, 96);
    expect(same(portrait, landscape)).toBe(false);
    expect(same(fastGraphFor(network, 96, 72), landscape)).toBe(true);
    // A third shape: the least recently used (the portrait) goes; another network is another graph.
    fastGraphFor(network, 64, 64);
    expect(same(fastGraphFor(network, 96, 72), landscape)).toBe(true);
    expect(same(fastGraphFor(network, 72, 96), portrait)).toBe(false);
    expect(same(fastGraphFor(await loadFastNetwork(SHARED_FAST_DIR, 'wave'), 96, 72), landscape)).toBe(false);
  });

  it('paints a large picture in tiles exactly as in one pass, given the whole picture’s statistics', async () => {
    const photo = await resizeToLongSide(await loadSharedImage('content_tubingen.jpg'), 512);
    const network = await loadFastNetwork(SHARED_FAST_DIR, 'scream');
    const whole = await runFastNetwork(ort, network, photo);
    // 100k pixels a pass: three overlapping tiles across.
    expect(planTiles(512, 384, 100_000).x.starts).toHaveLength(3);
    const tiled = await runFastNetwork(ort, network, photo, { maxPixels: 100_000, statisticsFrom: photo });
    const { mean, max } = difference(tiled, whole);
    expect(max).toBeLessThanOrEqual(1);
    expect(mean).toBeLessThan(0.01);
  });

  it('shows no seam where tiles meet: the step across a tile border is no larger than elsewhere, nor than beside it', async () => {
    const photo = await resizeToLongSide(await loadSharedImage('content_tubingen.jpg'), 512);
    const plan = planTiles(512, alignUp(photo.height, 4), 60_000);
    expect(plan.x.starts.length * plan.y.starts.length).toBeGreaterThan(2);
    // Statistics measured on the picture downscaled, as for a real 2048-px picture.
    const tiled = await runFastNetwork(ort, await loadFastNetwork(SHARED_FAST_DIR, 'scream'), photo, { maxPixels: 60_000 });
    const borders = { column: plan.x.cuts.slice(1), row: plan.y.cuts.slice(1).filter((cut) => cut < photo.height) };
    for (const axis of ['column', 'row'] as const) {
      const steps = stepsAcross(tiled, axis);
      const elsewhere = steps.filter((_, index) => index > 0 && !borders[axis].includes(index));
      for (const border of borders[axis]) {
        // The test: no larger than the largest step anywhere else.
        expect(steps[border]!.max).toBeLessThanOrEqual(Math.max(...elsewhere.map((step) => step.max)));
        // A seam stands out from the lines beside it (tiles each normalised on their own reach 2.3–4.8× here).
        const beside = [1, 2, 3, 4].flatMap((offset) => [steps[border - offset]!.mean, steps[border + offset]!.mean]);
        expect(steps[border]!.mean).toBeLessThanOrEqual(1.5 * Math.max(...beside));
      }
    }
  });

  it('refuses missing or altered network files, naming what to do', async () => {
    expect(() => locateFastWeights(join(tmpdir(), 'impasto-no-such-dir'))).toThrow(/IMPASTO_FAST_WEIGHTS_DIR/);
    const dir = await mkdtemp(join(tmpdir(), 'impasto-fast-'));
    try {
      await expect(loadFastNetwork(dir, 'udnie')).rejects.toThrow(WeightsError);
      const altered = await readFile(join(SHARED_FAST_DIR, 'udnie.f32.bin'));
      altered[100] = altered[100]! ^ 0xff;
      await writeFile(join(dir, 'udnie.f32.bin'), altered);
      await expect(loadFastNetwork(dir, 'udnie')).rejects.toThrow(/not the expected file/);
      await copyFile(join(SHARED_FAST_DIR, 'udnie.f32.bin'), join(dir, 'udnie.f32.bin'));
      await expect(loadFastNetwork(dir, 'udnie')).resolves.toMatchObject({ name: 'udnie' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the fast engine method', () => {
  let context: MethodContext;
  let photo: RgbImage;
  beforeAll(async () => {
    context = { engine: () => sharedEngine('onnx'), fastWeightsDir: SHARED_FAST_DIR };
    photo = await loadSharedImage('content_dog.jpg');
  });

  it('paints at the asked size in one step, with a before/after wipe for the GIF', async () => {
    const steps: number[] = [];
    const result = await methodNamed('fast').run(context, { inputs: { content: photo, styles: [] }, options: { network: 'scream', size: 200, frames: 6 }, onProgress: (step) => steps.push(step.iteration) });
    expect([result.image.width, result.image.height]).toEqual([200, 150]);
    expect(steps).toEqual([1]);
    expect(result.frames).toHaveLength(6);
    expect(result.frames[0]!.data).not.toEqual(result.image.data);
    expect(result.frames.at(-1)).toBe(result.image);
    expect(result.history).toEqual([]);
  });

  it('paints the same picture without the GIF when only the picture is wanted (a clip’s frames)', async () => {
    const options = { network: 'scream', size: 200, strength: 7, preserveColors: true };
    const whole = await methodNamed('fast').run(context, { inputs: { content: photo, styles: [] }, options });
    const picture = await paintFastPicture(context, { content: photo, styles: [] }, options);
    expect([picture.width, picture.height]).toEqual([whole.image.width, whole.image.height]);
    expect(Buffer.from(picture.data).equals(Buffer.from(whole.image.data))).toBe(true);
  });

  it('lets the photo show through at a lower strength', async () => {
    const run = async (strength: number) => (await methodNamed('fast').run(context, { inputs: { content: photo, styles: [] }, options: { network: 'wreck', size: 160, strength } })).image;
    const small = await resizeToLongSide(photo, 160);
    expect(await edgeSimilarity(await run(3), small)).toBeGreaterThan(await edgeSimilarity(await run(10), small));
  });

  it('refuses a strip, as the optimisation does (it painted a 4000×8 picture as 1024×2)', async () => {
    const strip = { width: 4000, height: 8, data: new Uint8Array(4000 * 8 * 3) };
    await expect(methodNamed('fast').run(context, { inputs: { content: strip, styles: [] }, options: { network: 'wave' } })).rejects.toThrow(
      'The content image is 4000×8: too narrow to paint. Its long side may be at most 16 times its short side; crop it.',
    );
    const wide = { width: 600, height: 60, data: new Uint8Array(600 * 60 * 3) };
    await expect(methodNamed('fast').run(context, { inputs: { content: wide, styles: [] }, options: { network: 'wave', size: 100 } })).rejects.toThrow('At size 100 the content image would be only 10 px across');
  });

  it('refuses an unknown network and a missing one, naming the choices and the one a slip meant', async () => {
    const run = (options: object) => methodNamed('fast').run(context, { inputs: { content: photo, styles: [] }, options });
    await expect(run({ network: 'mona-lisa' })).rejects.toThrow(InputError);
    await expect(run({ network: 'mona-lisa' })).rejects.toThrow(/^network must be one of scream, wave, wreck, udnie, or trained:<name> for a network trained here\.$/);
    await expect(run({ network: 'waves' })).rejects.toThrow(/^network must be one of scream, wave, wreck, udnie, or trained:<name> for a network trained here \(did you mean wave\?\)\.$/);
    await expect(run({})).rejects.toThrow(/Name a network: scream, wave, wreck, udnie/);
  });
});
