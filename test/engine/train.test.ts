import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, InputError } from '../../src/engine/errors.ts';
import { parameterLayoutOf, readFastManifest } from '../../src/engine/fast/manifest.ts';
import { loadFastNetwork, runFastNetwork } from '../../src/engine/fast/network.ts';
import { onnxFastRunner } from '../../src/engine/fast/runner.ts';
import { deleteTrainedNetwork, loadTrainedNetwork, networkOfParameters, saveTrainedNetwork } from '../../src/engine/fast/trained.ts';
import { resizeExactly } from '../../src/engine/image.ts';
import { loadNamedNetwork } from '../../src/engine/methods/fast.ts';
import { readCheckpoint } from '../../src/engine/train/checkpoint.ts';
import { buildTrainingBackwardGraph, buildTrainingForwardGraph } from '../../src/engine/train/network-graph.ts';
import { openTrainingPhotos, sampleOfTrainingPhotos } from '../../src/engine/train/photos.ts';
import { renderBeforeAfterSheet } from '../../src/engine/train/sheet.ts';
import { initialParameters, trainStyleNetwork, type TrainContext } from '../../src/engine/train/trainer.ts';
import { createTrainContext } from '../../src/engine/train/choose.ts';
import { createRandom } from '../../src/engine/random.ts';
import { loadSharedImage, SHARED_FAST_DIR, SHARED_VGG_DIR, sharedImagePath, writeTruncatedPhoto } from '../helpers/shared.ts';

const layout = parameterLayoutOf(readFastManifest().layers);
let dir: string;
let photosDir: string;
let context: TrainContext;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'impasto-train-'));
  photosDir = join(dir, 'photos');
  await mkdir(photosDir);
  // The shared photos, but not Tübingen: it is the sample, kept out of training.
  for (const name of ['content_beach_kites.jpg', 'content_dog.jpg', 'content_person.jpg']) await symlink(sharedImagePath(name), join(photosDir, name));
  context = await createTrainContext({ weightsDir: SHARED_VGG_DIR, fastWeightsDir: SHARED_FAST_DIR, engine: 'onnx' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Tiny runs: 32-px crops, batch 2 (a step takes a fraction of a second). */
const tiny = { size: 32, batch: 2, styleSize: 64, checkpointEvery: 3, sampleEvery: 1000 };

describe('the trainable network graphs', () => {
  it('paint what the inference graph paints, before clipping', async () => {
    const network = await loadFastNetwork(SHARED_FAST_DIR, 'udnie');
    const parameters = new Float32Array(layout.size);
    for (const spec of network.layers) {
      const offsets = layout.offsets.get(spec.name)!;
      parameters.set(spec.weights, offsets.weights);
      parameters.set(spec.shift, offsets.shift);
      parameters.set(spec.scale, offsets.scale);
    }
    const photo = await resizeExactly(await loadSharedImage('content_dog.jpg'), 64, 48);
    const session = await ort.InferenceSession.create(buildTrainingForwardGraph(layout, 1, 64, 48));
    const y = (await session.run({ params: new ort.Tensor('float32', parameters, [layout.size]), x: new ort.Tensor('float32', Float32Array.from(photo.data), [1, 48, 64, 3]) })).y!.data as Float32Array;
    const expected = await runFastNetwork(ort, network, photo);
    let worst = 0;
    for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(Math.min(255, Math.max(0, y[i]!)) - expected.data[i]!));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('give every layer the gradient that finite differences measure', async () => {
    // Loss = Σ y·r for a fixed random r, so dLoss/dy = r; checked on the largest gradient of each tensor.
    const [batch, width, height] = [2, 8, 12];
    const random = createRandom(7);
    const x = Float32Array.from({ length: batch * width * height * 3 }, () => random() * 255);
    const r = Float32Array.from({ length: x.length }, () => random() - 0.5);
    const parameters = initialParameters(layout, 3);
    const forward = await ort.InferenceSession.create(buildTrainingForwardGraph(layout, batch, width, height));
    const backward = await ort.InferenceSession.create(buildTrainingBackwardGraph(layout, batch, width, height));
    const tensors = (p: Float32Array) => ({ params: new ort.Tensor('float32', p, [layout.size]), x: new ort.Tensor('float32', x, [batch, height, width, 3]) });
    const loss = async (p: Float32Array) => {
      const y = (await forward.run(tensors(p))).y!.data as Float32Array;
      return y.reduce((sum, value, index) => sum + value * r[index]!, 0);
    };
    const gradient = (await backward.run({ ...tensors(parameters), dy: new ort.Tensor('float32', r, [batch, height, width, 3]) })).gradient!.data as Float32Array;
    const mismatches: string[] = [];
    for (const spec of layout.layers) {
      const offsets = layout.offsets.get(spec.name)!;
      for (const [role, start, end] of [['weights', offsets.weights, offsets.shift], ['shift', offsets.shift, offsets.scale], ['scale', offsets.scale, offsets.scale + spec.outChannels]] as const) {
        let index = start;
        for (let i = start; i < end; i++) if (Math.abs(gradient[i]!) > Math.abs(gradient[index]!)) index = i;
        const step = 3e-3 * Math.max(0.1, Math.abs(parameters[index]!));
        const nudged = Float32Array.from(parameters);
        nudged[index] = parameters[index]! + step;
        const up = await loss(nudged);
        nudged[index] = parameters[index]! - step;
        const measured = (up - (await loss(nudged))) / (2 * step);
        if (Math.abs(measured - gradient[index]!) > 0.05 * Math.abs(measured) + 1e-2) mismatches.push(`${spec.name} ${role}: ${gradient[index]} vs ${measured}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('training a style network', () => {
  it('lowers the loss, and a run stopped at a checkpoint resumes to the same state as an unbroken one', async () => {
    const painting = await loadSharedImage('style_starry_night.jpg');
    const photos = await openTrainingPhotos(photosDir);
    const unbroken = await trainStyleNetwork(context, { painting, photos, checkpointPath: join(dir, 'unbroken.checkpoint'), options: { ...tiny, steps: 6 } });
    const losses = unbroken.history.map((record) => record.total);
    expect(losses).toHaveLength(6);
    expect(Math.max(...losses.slice(-2))).toBeLessThan(losses[0]!);

    const path = join(dir, 'broken.checkpoint');
    const controller = new AbortController();
    const stopped = trainStyleNetwork(context, { painting, photos, checkpointPath: path, options: { ...tiny, steps: 6 } }, { signal: controller.signal, onStep: ({ step }) => void (step === 4 && controller.abort()) });
    await expect(stopped).rejects.toBeInstanceOf(CancelledError);
    // Cancelled after step 4: the checkpoint is step 3's (every 3 steps), written whole.
    expect((await readCheckpoint(path))?.step).toBe(3);

    const resumed = await trainStyleNetwork(context, { painting, photos, checkpointPath: path, options: { ...tiny, steps: 6 } });
    expect(resumed.resumedAt).toBe(3);
    expect(resumed.history.map((record) => record.total)).toEqual(losses);
    // 1.7 million parameters: compared in a loop (a deep equality of that size blocks the test worker).
    expect(resumed.parameters.length).toBe(unbroken.parameters.length);
    expect(resumed.parameters.findIndex((value, index) => value !== unbroken.parameters[index])).toBe(-1);
  });

  it('paints its sample as the chat will paint with the network: with the runners’ margins', async () => {
    const painting = await loadSharedImage('style_starry_night.jpg');
    const photos = await openTrainingPhotos(photosDir);
    const samplePhoto = await resizeExactly(await loadSharedImage('content_tubingen.jpg'), 64, 48);
    const run = await trainStyleNetwork(context, { painting, photos, samplePhoto, checkpointPath: join(dir, 'sample.checkpoint'), options: { ...tiny, steps: 1 } });
    const inChat = await onnxFastRunner(ort).paint(networkOfParameters('sample', 'Starry Night', run.parameters), samplePhoto);
    expect([run.sample!.width, run.sample!.height]).toEqual([64, 48]);
    let largest = 0;
    for (let index = 0; index < inChat.data.length; index++) largest = Math.max(largest, Math.abs(inChat.data[index]! - run.sample!.data[index]!));
    expect(largest).toBeLessThanOrEqual(1);
  });

  it('refuses a painting too narrow to paint with, before a step (onnxruntime failed on it)', async () => {
    const photos = await openTrainingPhotos(photosDir);
    const strip = { width: 3000, height: 2, data: new Uint8Array(3000 * 2 * 3).fill(128) };
    const run = trainStyleNetwork(context, { painting: strip, photos, checkpointPath: join(dir, 'strip.checkpoint'), options: { ...tiny, steps: 1 } });
    await expect(run).rejects.toThrow('The painting is 3000×2: too narrow to paint.');
  });

  it('starts afresh from a checkpoint of another painting or other options', async () => {
    const photos = await openTrainingPhotos(photosDir);
    const path = join(dir, 'other.checkpoint');
    await trainStyleNetwork(context, { painting: await loadSharedImage('style_the_scream.jpg'), photos, checkpointPath: path, options: { ...tiny, steps: 3 } });
    const run = await trainStyleNetwork(context, { painting: await loadSharedImage('style_starry_night.jpg'), photos, checkpointPath: path, options: { ...tiny, steps: 3 } });
    expect(run.resumedAt).toBe(0);
  });

  it('saves a network that the fast runner paints with, checked by its sha256', async () => {
    const parameters = initialParameters(layout, 5);
    await saveTrainedNetwork(join(dir, 'networks'), 'starry', parameters, { styleImage: 'Starry Night', steps: 1, trainedAt: new Date(0).toISOString(), options: {} });
    const network = await loadTrainedNetwork(join(dir, 'networks'), 'starry');
    expect(network.styleImage).toBe('Starry Night');
    const photo = await resizeExactly(await loadSharedImage('content_dog.jpg'), 32, 24);
    const painted = await runFastNetwork(ort, network, photo);
    expect(painted.data).toEqual((await runFastNetwork(ort, networkOfParameters('same', 'Starry Night', parameters), photo)).data);
    await writeFile(join(dir, 'networks', 'starry.f32.bin'), Buffer.alloc(layout.size * 4));
    await expect(loadTrainedNetwork(join(dir, 'networks'), 'starry')).rejects.toThrow(/does not match/);
  });

  it('reads a trained network from the library’s folder only where its own folder lacks it (`impasto fast`: a bot’s network beside its own)', async () => {
    const [own, library] = [join(dir, 'own-networks'), join(dir, 'library-networks')];
    const save = (folder: string, name: string, styleImage: string, seed: number) => saveTrainedNetwork(folder, name, initialParameters(layout, seed), { styleImage, steps: 1, trainedAt: new Date(0).toISOString(), options: {} });
    await save(own, 'mine', 'mine', 5);
    await save(library, 'theirs', 'theirs', 6);
    await save(library, 'mine', 'the library’s mine', 7);
    const both = { trainedNetworksDir: own, libraryNetworksDir: library };
    expect((await loadNamedNetwork(both, 'trained:mine')).styleImage).toBe('mine');
    expect((await loadNamedNetwork(both, 'trained:theirs')).styleImage).toBe('theirs');
    await expect(loadNamedNetwork({ trainedNetworksDir: own }, 'trained:theirs')).rejects.toThrow(`There is no trained network "theirs" in ${own}.`);
    await expect(loadNamedNetwork(both, 'trained:nowhere')).rejects.toThrow(`There is no trained network "nowhere" in ${own}.`);
  });

  it('deletes only a network’s own files: a name with a path in it is refused (a worker deletes what Redis names)', async () => {
    const networks = join(dir, 'networks-deleted');
    await mkdir(networks, { recursive: true });
    const outside = join(dir, 'outside.json');
    await writeFile(outside, '{}');
    await expect(deleteTrainedNetwork(networks, '../outside')).rejects.toThrow(/cannot name a trained network/);
    await expect(readFile(outside, 'utf8')).resolves.toBe('{}');
    await saveTrainedNetwork(networks, 'gone', initialParameters(layout, 6), { styleImage: 'x', steps: 1, trainedAt: new Date(0).toISOString(), options: {} });
    await deleteTrainedNetwork(networks, 'gone');
    await expect(loadTrainedNetwork(networks, 'gone')).rejects.toThrow();
  });
});

describe('the before/after sheet', () => {
  it('shows the painting, the photo and the network’s picture, from the left', async () => {
    const solid = (width: number, height: number, rgb: [number, number, number]) => ({ width, height, data: Uint8Array.from({ length: width * height * 3 }, (_, index) => rgb[index % 3]!) });
    const sheet = await renderBeforeAfterSheet(solid(80, 40, [255, 0, 0]), solid(60, 40, [0, 255, 0]), solid(60, 40, [0, 0, 255]));
    const at = (x: number) => Array.from(sheet.data.subarray((20 * sheet.width + x) * 3, (20 * sheet.width + x) * 3 + 3));
    // Each 12 px from the edge and apart: red from 12, green from 104, blue from 176.
    expect([at(50), at(130), at(200)]).toEqual([[255, 0, 0], [0, 255, 0], [0, 0, 255]]);
  });
});

describe('training photos', () => {
  it('refuses, saying why, a missing folder, an empty one, and one whose photos do not decode', async () => {
    await expect(openTrainingPhotos(join(dir, 'nowhere'))).rejects.toThrow(/cannot be read/);
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await writeFile(join(empty, 'notes.txt'), 'not a photo');
    await expect(openTrainingPhotos(empty)).rejects.toThrow(/no JPEG or PNG photos/);
    const broken = join(dir, 'broken');
    await mkdir(broken);
    await writeFile(join(broken, 'photo.jpg'), 'not a jpeg');
    await expect(openTrainingPhotos(broken)).rejects.toThrow(InputError);
    await expect(openTrainingPhotos(broken)).rejects.toThrow(/None of the 1 photos/);
  });

  it('skips, saying so once, a photo whose header reads but whose pixels do not (truncated), in favour of the next one, also as the sample, and refuses once none decodes', async () => {
    // An hour of training ended with sharp's "VipsJpeg: premature end of JPEG image" at the step that drew it.
    const folder = join(dir, 'one-truncated');
    await mkdir(folder);
    await writeTruncatedPhoto('content_person.jpg', join(folder, 'a-truncated.jpg'));
    await symlink(sharedImagePath('content_dog.jpg'), join(folder, 'b-dog.jpg'));
    const said: string[] = [];
    const photos = await openTrainingPhotos(folder, [], (message) => said.push(message));
    expect(photos.paths.map((path) => basename(path))).toEqual(['a-truncated.jpg', 'b-dog.jpg']);
    // In its place, the next photo, cropped as that photo's own draw would be (so a resumed run draws the same).
    const [inPlace, again, dogs] = [await photos.crop(0, 32, createRandom(7)), await photos.crop(0, 32, createRandom(7)), await photos.crop(1, 32, createRandom(7))];
    expect(inPlace.data).toEqual(dogs.data);
    expect(again.data).toEqual(dogs.data);
    expect(said).toEqual([`skipped the training photo a-truncated.jpg: it could not be decoded (damaged or truncated, or removed from ${folder}); training goes on with the others`]);
    // The sample, painted as a job's content, is the first photo that decodes whole (the first by name failed that job).
    expect((await sampleOfTrainingPhotos(folder)).name).toBe('b-dog.jpg');

    const none = join(dir, 'all-truncated');
    await mkdir(none);
    await writeTruncatedPhoto('content_person.jpg', join(none, 'half.jpg'));
    const nothing = await openTrainingPhotos(none);
    await expect(nothing.crop(0, 32, createRandom(7))).rejects.toThrow(new InputError('invalid_option', `None of the 1 photos in ${none} can be decoded any more: give a folder of JPEG or PNG photos.`, 'photos'));
    await expect(sampleOfTrainingPhotos(none)).rejects.toThrow(new InputError('invalid_option', `None of the 1 photos in ${none} can be decoded: give a folder of JPEG or PNG photos.`, 'photos'));
  });

  it('takes a link to a photo, and passes over a link to a pipe, a device or a folder, or one that leads nowhere', async () => {
    // Opening a pipe waits for a writer: a link to one named like a photo held training's start for good.
    const folder = join(dir, 'links');
    await mkdir(folder);
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    await symlink(join(dir, 'pipe'), join(folder, 'a-pipe.jpg'));
    await symlink('/dev/zero', join(folder, 'b-device.jpg'));
    await symlink(photosDir, join(folder, 'c-folder.jpg'));
    await symlink(join(dir, 'gone.jpg'), join(folder, 'd-nowhere.jpg'));
    await expect(openTrainingPhotos(folder)).rejects.toThrow(new InputError('invalid_option', `The photo folder ${folder} has no JPEG or PNG photos to train on.`, 'photos'));
    await symlink(sharedImagePath('content_dog.jpg'), join(folder, 'e-dog.jpg'));
    expect((await openTrainingPhotos(folder)).paths.map((path) => basename(path))).toEqual(['e-dog.jpg']);
    expect((await sampleOfTrainingPhotos(folder)).name).toBe('e-dog.jpg');
  });

  it('leaves out the photos it is told to, and crops squares of the size asked for', async () => {
    const photos = await openTrainingPhotos(photosDir, ['content_dog.jpg']);
    expect(photos.paths.map((path) => path.split('/').at(-1))).toEqual(['content_beach_kites.jpg', 'content_person.jpg']);
    const crop = await photos.crop(0, 48, createRandom(1));
    expect([crop.width, crop.height, crop.data.length]).toEqual([48, 48, 48 * 48 * 3]);
  });
});
