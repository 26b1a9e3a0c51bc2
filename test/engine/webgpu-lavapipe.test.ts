/**
 * TensorFlow.js's WebGPU kernels, run for real. There is no GPU here, but Mesa's lavapipe (24 or
 * later: a Vulkan driver that runs on the CPU) is an adapter Dawn accepts, as a software one. The
 * engine never paints there (it is far slower than the CPU engine); it is where every shader runs,
 * so that what the other tests check on wasm or with stand-ins (the reads a GPU requires, the bands
 * past its dispatch limit, L-BFGS on the device, its buffer limits, the fast networks and the person
 * model on TensorFlow.js, onnxruntime's WebGPU provider) is checked on WebGPU's own kernels, and
 * `check:gpu` runs whole. `scripts/install-lavapipe.sh` unpacks lavapipe into this checkout
 * (.ci/run runs it); `test/helpers/lavapipe.ts` points Vulkan at it and at nothing else.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendEnvironment, chooseBackend, type BackendChoice } from '../../src/engine/backend.ts';
import { createEngineFromWeights, type Engine, type StylizeRequest } from '../../src/engine/engine.ts';
import { loadFastNetwork } from '../../src/engine/fast/network.ts';
import { runFastNetworkTfjs } from '../../src/engine/fast/tfjs.ts';
import type { RgbImage } from '../../src/engine/image.ts';
import { loadOnnxRuntimeOnWebGpu } from '../../src/engine/onnx/sessions.ts';
import { loadPersonSegmenter } from '../../src/engine/segmentation/person.ts';
import { loadVggWeights, type VggWeights } from '../../src/engine/weights.ts';
import { largestSideFor, searchAdapterApart } from '../../src/engine/webgpu.ts';
import { bandsAgainstOnePass } from '../helpers/bands.ts';
import { greyLevelDifference } from '../helpers/difference.ts';
import { useLavapipe } from '../helpers/lavapipe.ts';
import { greyPng, greyPngRgb, iou } from '../helpers/masks.ts';
import { loadFastReference, loadSharedImage, SHARED_FAST_DIR, SHARED_SEGMENTATION_DIR, SHARED_VGG_DIR } from '../helpers/shared.ts';

let content: RgbImage;
let style: RgbImage;

beforeAll(async () => {
  useLavapipe();
  [content, style] = await Promise.all([loadSharedImage('content_dog.jpg'), loadSharedImage('style_the_scream.jpg')]);
});

/** An engine on `choice`'s backend with the shared weights, L-BFGS's vectors all on the backend (as on a GPU from a 181-px stage up). */
/** An engine with L-BFGS on the device, and its weights (its dispose releases them too). */
async function engineOn(choice: BackendChoice): Promise<{ engine: Engine; weights: VggWeights }> {
  const weights = await loadVggWeights(SHARED_VGG_DIR);
  return { engine: createEngineFromWeights(choice, weights, undefined, 'cpu', { lbfgsVectors: 'device' }), weights };
}

/** Runs a command to its end and returns what it wrote, whatever its exit code. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env, maxBuffer: 1 << 24, timeout: 840_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('WebGPU’s kernels on a software adapter (Mesa’s lavapipe)', () => {
  it('is never an adapter to paint on: found only when asked for, to check', async () => {
    expect(await searchAdapterApart()).toMatchObject({ found: false, reason: expect.stringMatching(/^only a fallback \(software\) adapter: llvmpipe/) });
    expect(await searchAdapterApart(undefined, { software: true })).toMatchObject({ found: true, adapter: { vendor: 'mesa', architecture: 'software' } });
  });

  // About three minutes alone, twice that beside another test file.
  it('passes `check:gpu`: every op and its gradient, the whole objective, L-BFGS on the device and training, and onnxruntime’s WebGPU provider, against the CPU', { timeout: 900_000 }, async () => {
    const { code, stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/check-gpu.ts', '--software', '--sizes=64'], {
      ...process.env,
      IMPASTO_WEIGHTS_DIR: SHARED_VGG_DIR,
      IMPASTO_FAST_WEIGHTS_DIR: SHARED_FAST_DIR,
    });
    if (!stdout.trim().startsWith('{')) throw new Error(`check:gpu printed no report (exit ${code}):\n${stderr.slice(-4000)}`);
    const report = JSON.parse(stdout) as {
      ok: boolean;
      adapter: string;
      ops: { op: string; shape: string; ok: boolean }[];
      objective: { ok: boolean }[];
      deviceLbfgs: { ok: boolean };
      training: { ok: boolean };
      onnxWebGpu: { available: boolean; ok: boolean; objective: { ok: boolean }[]; fast: { ok: boolean }[] };
    };
    expect(report.adapter, stderr).toMatch(/llvmpipe/);
    expect(report.ops.filter((op) => !op.ok)).toEqual([]);
    expect(report.ops.length).toBeGreaterThan(60);
    expect(report.objective.map(({ ok }) => ok)).toEqual([true, true]);
    expect(report.deviceLbfgs).toMatchObject({ ok: true });
    expect(report.training).toMatchObject({ ok: true });
    expect(report.ok).toBe(true);
    // onnxruntime's own WebGPU provider (IMPASTO_ENGINE=onnx-webgpu; not in check:gpu's exit code):
    // the objective's graph, with max pooling's gradient taken without the indices it lacks, and a fast network.
    expect(report.onnxWebGpu).toMatchObject({ available: true, ok: true });
    expect(report.onnxWebGpu.objective.map(({ ok }) => ok)).toEqual([true, true]);
    expect(report.onnxWebGpu.fast.map(({ ok }) => ok)).toEqual([true]);
    expect(code).toBe(0);
  });

  describe('the engine on WebGPU', () => {
    let job: StylizeRequest;
    let onWasm: { total: number; image: RgbImage };
    let gpu: Awaited<ReturnType<typeof engineOn>>;
    let choice: BackendChoice;

    beforeAll(async () => {
      job = { content, style, options: { size: 64, iterations: 12, seed: 1 } };
      // The reference first, on wasm with the same code (the TensorFlow.js objective, L-BFGS on the backend).
      const wasm = await engineOn(await chooseBackend('wasm'));
      const result = await wasm.engine.stylize(job);
      onWasm = { total: result.history.at(-1)!.total, image: result.image };
      wasm.engine.dispose();
      choice = await chooseBackend('webgpu', backendEnvironment({ software: true }));
      gpu = await engineOn(choice);
    });
    afterAll(() => gpu?.engine.dispose());

    it('paints a whole job that ends where the same job on wasm does', async () => {
      expect(tf.getBackend()).toBe('webgpu');
      const result = await gpu.engine.stylize(job);
      expect(result.backend).toBe('webgpu');
      expect(result.iterations).toBe(12);
      const total = result.history.at(-1)!.total;
      expect(total).toBeLessThan(result.history[0]!.total);
      // float32 sums in another order move the line search's steps a little (3e-5 apart here, on an
      // AMD EPYC); a CPU without FMA may compile the shaders' arithmetic otherwise, hence the margin.
      expect(Math.abs(total - onWasm.total) / onWasm.total).toBeLessThan(1e-3);
      expect([result.image.width, result.image.height]).toEqual([onWasm.image.width, onWasm.image.height]);
    });

    it('paints the same job on onnxruntime’s WebGPU provider (IMPASTO_ENGINE=onnx-webgpu) as on its CPU', async () => {
      const ort = await loadOnnxRuntimeOnWebGpu();
      // Each engine its own weights: an engine's dispose releases them.
      const [onCpu, onWebGpu] = [createEngineFromWeights(choice, await loadVggWeights(SHARED_VGG_DIR), ort, 'cpu'), createEngineFromWeights(choice, await loadVggWeights(SHARED_VGG_DIR), ort, 'webgpu')];
      try {
        const [expected, actual] = [await onCpu.stylize(job), await onWebGpu.stylize(job)];
        expect(actual.iterations).toBe(12);
        const [total, reference] = [actual.history.at(-1)!.total, expected.history.at(-1)!.total];
        expect(total).toBeLessThan(actual.history[0]!.total);
        expect(Math.abs(total - reference) / reference).toBeLessThan(1e-3);
      } finally {
        onCpu.dispose();
        onWebGpu.dispose();
      }
    });

    it('cannot read a tensor synchronously there, as gpu-reads.test.ts stands in for (and the engine never does)', async () => {
      // Computed on the GPU: a tensor made from an array, or a small op's result, may still be held on the CPU side.
      const tensor = tf.tidy(() => tf.mul(tf.fill([64, 64], 1.5), tf.fill([64, 64], 2)));
      try {
        expect(() => tensor.dataSync()).toThrow();
        expect(new Set(await tensor.data())).toEqual(new Set([3]));
      } finally {
        tensor.dispose();
      }
    });

    it('runs the feature network in bands of rows (past a GPU’s dispatch limit) as in one pass, forward and gradient', async () => {
      const { features, gradient } = await bandsAgainstOnePass(gpu.weights);
      expect(features).toHaveLength(3);
      for (const difference of features) expect(difference).toBeLessThan(1e-5);
      expect(gradient).toBeLessThan(1e-5);
    });

    it('paints a fast network and finds the person there, as their references say (the GPU’s fast path)', async () => {
      expect(tf.getBackend()).toBe('webgpu');
      const network = await loadFastNetwork(SHARED_FAST_DIR, 'wave');
      // The references were floored to whole grey levels, ours are rounded: at most 1 apart.
      const painted = greyLevelDifference(await runFastNetworkTfjs(network, await loadFastReference('input_content_dog_256x192.png')), await loadFastReference('wave_content_dog_256x192.png'));
      expect(painted.mean).toBeLessThanOrEqual(1);
      expect(painted.max).toBeLessThanOrEqual(1);
      const segmenter = await loadPersonSegmenter(SHARED_SEGMENTATION_DIR);
      try {
        const found = await segmenter.probabilities(await greyPngRgb(join(SHARED_SEGMENTATION_DIR, 'reference', 'input_content_person_256x256.png')));
        const expected = await greyPng(join(SHARED_SEGMENTATION_DIR, 'reference', 'mask_content_person_256x256.png'));
        expect(found.reduce((sum, value, i) => sum + Math.abs(value - expected[i]!), 0) / found.length).toBeLessThan(0.005);
        expect(iou(found, expected)).toBeGreaterThan(0.98);
      } finally {
        segmenter.dispose();
      }
    });

    it('refuses, before any work, a picture past the adapter’s own buffer limit, in words that say the largest it takes', async () => {
      // lavapipe binds at most 128 MiB to a shader: 1024×768 × 64 channels × 4 bytes is 192 MiB.
      const side = largestSideFor(choice.adapter!.limits);
      expect(side).toBe(724);
      let progressed = false;
      await expect(gpu.engine.stylize({ ...job, options: { size: 1024, iterations: 1 }, onProgress: () => (progressed = true) })).rejects.toThrow(
        'A 1024×768 picture needs 192 MiB in one GPU buffer; this GPU allows 128 MiB, so about 724×724 pixels at most. Choose a smaller size.',
      );
      expect(progressed).toBe(false);
    });
  });
});
