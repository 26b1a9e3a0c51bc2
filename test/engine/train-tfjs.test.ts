/**
 * Training on TensorFlow.js, the GPU's training engine. No GPU here: it runs on TensorFlow.js's cpu
 * backend (plain JavaScript, the same ops and tape; its filter-gradient kernel is slow, so the crops
 * are small), against onnxruntime's training on the same parameters and crops.
 */
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendEnvironment } from '../../src/engine/backend.ts';
import { parameterLayoutOf, readFastManifest } from '../../src/engine/fast/manifest.ts';
import { onnxFastRunner } from '../../src/engine/fast/runner.ts';
import { networkOfParameters } from '../../src/engine/fast/trained.ts';
import { resizeExactly, resizeToLongSide } from '../../src/engine/image.ts';
import { weightsForStrength } from '../../src/engine/options.ts';
import type { Evaluation } from '../../src/engine/optimizers/objective.ts';
import { chooseTrainingEngine, createTrainContext } from '../../src/engine/train/choose.ts';
import { assertBatchFitsGpu } from '../../src/engine/train/tfjs-training.ts';
import { InputError } from '../../src/engine/errors.ts';
import { openTrainingPhotos } from '../../src/engine/train/photos.ts';
import { initialParameters, trainStyleNetwork, type TrainContext } from '../../src/engine/train/trainer.ts';
import type { BatchSpec } from '../../src/engine/train/training-engine.ts';
import { loadSharedImage, SHARED_VGG_DIR, sharedImagePath } from '../helpers/shared.ts';

const layout = parameterLayoutOf(readFastManifest().layers);
let dir: string;
let onnx: TrainContext;
let tfjs: TrainContext;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'impasto-train-tfjs-'));
  onnx = await createTrainContext({ weightsDir: SHARED_VGG_DIR, engine: 'onnx' });
  tfjs = await createTrainContext({ weightsDir: SHARED_VGG_DIR, engine: 'tfjs', backend: 'cpu' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Largest relative difference of the loss terms, and the gradients' cosine and relative distance. */
function compare(a: Evaluation, b: Evaluation) {
  const terms = Math.max(...(['content', 'style', 'tv', 'total'] as const).map((key) => Math.abs(a.terms[key] - b.terms[key]) / Math.abs(a.terms[key])));
  let [dot, aa, bb, dd] = [0, 0, 0, 0];
  for (let i = 0; i < a.gradient.length; i++) {
    dot += a.gradient[i]! * b.gradient[i]!;
    aa += a.gradient[i]! ** 2;
    bb += b.gradient[i]! ** 2;
    dd += (a.gradient[i]! - b.gradient[i]!) ** 2;
  }
  return { terms, cosine: dot / Math.sqrt(aa * bb), distance: Math.sqrt(dd / aa) };
}

describe('training on TensorFlow.js', () => {
  it('computes the batch loss and its gradient onnxruntime computes, leaving no tensor behind', async () => {
    const size = 16;
    const strength = weightsForStrength(7);
    const spec: BatchSpec = {
      layout,
      batch: 2,
      size,
      painting: await resizeToLongSide(await loadSharedImage('style_starry_night.jpg'), 64),
      layers: { content: ['conv2_2'], style: ['conv1_1', 'conv2_1', 'conv3_1'] },
      weights: { content: strength.content, style: strength.style, tv: strength.tv / (3 * size * size) },
    };
    const crops = [await resizeExactly(await loadSharedImage('content_dog.jpg'), size, size), await resizeExactly(await loadSharedImage('content_person.jpg'), size, size)];
    const parameters = initialParameters(layout, 3);
    const before = tf.memory().numTensors;
    const [onnxLoss, tfjsLoss] = [await onnx.engine.prepareBatches(spec), await tfjs.engine.prepareBatches(spec)];
    const expected = await onnxLoss.evaluate(parameters, crops);
    const actual = await tfjsLoss.evaluate(parameters, crops);
    onnxLoss.dispose();
    tfjsLoss.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(actual.gradient).toHaveLength(layout.size);
    // The objective's cross-check tolerances (test/engine/onnx.test.ts); measured: 2e-6, 1 − 1e-8, 1e-4.
    const { terms, cosine, distance } = compare(expected, actual);
    expect(terms).toBeLessThan(1e-4);
    expect(cosine).toBeGreaterThan(0.9999);
    expect(distance).toBeLessThan(1e-2);
  });

  it('trains a step as onnxruntime does, and paints its sample as the chat will', async () => {
    const photos = join(dir, 'photos');
    await mkdir(photos);
    for (const name of ['content_dog.jpg', 'content_person.jpg']) await symlink(sharedImagePath(name), join(photos, name));
    const painting = await loadSharedImage('style_the_scream.jpg');
    const samplePhoto = await resizeExactly(await loadSharedImage('content_tubingen.jpg'), 32, 24);
    const options = { size: 32, batch: 1, styleSize: 64, steps: 1, sampleEvery: 1 };
    const request = (name: string) => ({ painting, photos: undefined as never, samplePhoto, checkpointPath: join(dir, `${name}.checkpoint`), options });
    const opened = await openTrainingPhotos(photos);
    const before = tf.memory().numTensors;
    const onTfjs = await trainStyleNetwork(tfjs, { ...request('tfjs'), photos: opened });
    expect(tf.memory().numTensors).toBe(before);
    const onOnnx = await trainStyleNetwork(onnx, { ...request('onnx'), photos: opened });
    expect(Math.abs(onTfjs.history[0]!.total - onOnnx.history[0]!.total) / onOnnx.history[0]!.total).toBeLessThan(1e-4);
    // Adam's first step moves each parameter by the learning rate (1e-3) in its gradient's sign: the
    // same signs, the same network, but for parameters whose gradient is about 0 (float32 sums decide:
    // 199 of 1.7 million measured).
    let opposite = 0;
    for (let i = 0; i < layout.size; i++) if (Math.abs(onTfjs.parameters[i]! - onOnnx.parameters[i]!) > 1e-3) opposite++;
    expect(opposite / layout.size).toBeLessThan(1e-3);
    const inChat = await onnxFastRunner(ort).paint(networkOfParameters('sample', 'The Scream', onTfjs.parameters), samplePhoto);
    let largest = 0;
    for (let index = 0; index < inChat.data.length; index++) largest = Math.max(largest, Math.abs(inChat.data[index]! - onTfjs.sample!.data[index]!));
    expect(largest).toBeLessThanOrEqual(1);
  });
});

/** An adapter as Dawn describes an H200, injected (CI has no GPU). */
const H200 = { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 - 4 } };

/** Backends as `chooseBackend` finds them, injected: only `gpu`'s adapter is found, and `startable` start. */
function backends(startable: string[], gpu: boolean, adapter = H200): BackendEnvironment {
  return {
    probeGpu: async () => (gpu ? { found: true, adapter } : { found: false, reason: 'no adapter' }),
    importModule: async (specifier) => {
      if (specifier.includes('tfjs-node')) throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
      return {};
    },
    activate: async (name) => startable.includes(name),
  };
}

describe('the training engine chosen', () => {
  it('is TensorFlow.js where a GPU backend starts, and onnxruntime on the CPU elsewhere', async () => {
    const onGpu = await chooseTrainingEngine({}, backends(['webgpu', 'cpu'], true));
    expect(onGpu).toEqual({ kind: 'tfjs', backend: 'webgpu', reasons: ['tensorflow-gpu: not installed', 'webgpu: selected on nvidia hopper (NVIDIA H200)', 'training: TensorFlow.js on the GPU'], adapter: H200 });
    const onCpu = await chooseTrainingEngine({}, backends(['cpu'], false));
    expect(onCpu.kind).toBe('onnx');
    expect(onCpu.reasons).toEqual([expect.stringMatching(/^training: onnxruntime [\d.]+ on the CPU$/)]);
    // IMPASTO_BACKEND names a CPU backend: the GPU is not looked for.
    expect((await chooseTrainingEngine({ backend: 'wasm' }, backends(['webgpu', 'cpu', 'wasm'], true))).kind).toBe('onnx');
  });

  it('refuses, saying why, to train on the wasm backend', async () => {
    await expect(chooseTrainingEngine({ engine: 'tfjs', backend: 'wasm' }, backends(['wasm'], false))).rejects.toThrow(/IMPASTO_BACKEND=wasm: training cannot run on that backend \(it lacks a convolution's filter gradient\)/);
  });
});

describe('a training batch on a GPU', () => {
  it('is refused, before any work, when its tensors would not fit one of the GPU’s buffers, saying what fits', async () => {
    // WebGPU's default limits (256 MiB buffers, 128 MiB bindings), as a smaller GPU may have.
    const adapter = { ...H200, limits: { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 } };
    expect(() => assertBatchFitsGpu(4, 256, adapter.limits)).not.toThrow();
    const context = await createTrainContext({ weightsDir: SHARED_VGG_DIR, choice: { kind: 'tfjs', backend: 'cpu', reasons: [], adapter } });
    const size = 512;
    const spec: BatchSpec = { layout, batch: 16, size, painting: await loadSharedImage('style_starry_night.jpg'), layers: { content: ['conv2_2'], style: ['conv1_1'] }, weights: { content: 1, style: 1, tv: 1 } };
    const before = tf.memory().numTensors;
    const refusal = context.engine.prepareBatches(spec);
    await expect(refusal).rejects.toBeInstanceOf(InputError);
    await expect(refusal).rejects.toThrow('A training batch of 16 crops of 512 px needs 512 MiB in one GPU buffer; this GPU allows 128 MiB, so at most 4 crops of 512 px fit. Choose fewer or smaller crops.');
    expect(tf.memory().numTensors).toBe(before);
  });
});
