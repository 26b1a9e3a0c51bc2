/**
 * The engine's process. It owns TensorFlow.js and the (one) accelerator, runs one job at a time, and
 * writes the PNG and GIF itself, so that the bot's event loop never waits on a tensor. Started by
 * EngineHost with its settings as argv[2]; speaks the protocol in engine-protocol.ts over IPC. A
 * job names its engine method (`engine/methods/`), which validates its own options here.
 */
import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ACCEPTED_CLIP_LIMITS, decodeClip } from '../../engine/clip/decode.ts';
import { stylizeClip } from '../../engine/clip/stylize-clip.ts';
import { encodeMp4 } from '../../engine/clip/encode.ts';
import type { WeightedStyle } from '../../engine/engine.ts';
import type { MethodContext } from '../../engine/methods/method.ts';
import sharp from 'sharp';
import { createEngine, type Engine } from '../../engine/engine.ts';
import { CancelledError, WeightsError } from '../../engine/errors.ts';
import { CLIP_GIF_MAX_BYTES, encodeGif, encodeGifFitting } from '../../engine/gif.ts';
import { encodePng, rgbImageOf, toSharp, type RgbImage } from '../../engine/image.ts';
import { methodNamed } from '../../engine/methods/index.ts';
import { chooseFastRunner, onnxFastRunner, tfjsFastRunner, type FastRunner } from '../../engine/fast/runner.ts';
import { chooseBackend } from '../../engine/backend.ts';
import { lazySegmenter } from '../../engine/segmentation/lazy.ts';
import { SEGMENTATION_CACHE_DIR } from '../../engine/segmentation/weights.ts';
import { resumeDirsOf, type EngineWorkerData, type HostMessage, type RunRequest, type WorkerMessage } from './engine-protocol.ts';
import { failureMessageOf, isInputFault } from '../errors.ts';
import { readJobInput } from '../files.ts';
import { lossPointOf } from './store.ts';
import type { TrainContext } from '../../engine/train/trainer.ts';
import { chooseTrainingEngine, createTrainContext, type TrainingEngineChoice } from '../../engine/train/choose.ts';
import { makeFolder } from '../../make-folder.ts';
import { loadOnnxRuntime } from '../../engine/onnx/runtime.ts';
import { messageOf } from '../../error-message.ts';

const settings = JSON.parse(process.argv[2] ?? '{}') as EngineWorkerData;
const running = new Map<string, AbortController>();

// The bot went away (even by kill -9): an orphaned engine must not keep the GPU busy.
process.on('disconnect', () => process.exit(0));
// A stray rejection (a native library cleaning up after a failed job) must not end the process and
// with it another user's job: each job's own failures are caught in `run` below.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`engine worker: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});

function send(message: WorkerMessage): void {
  process.send?.(message);
}

let engine: Engine | undefined;
/** What runs the fast networks; unset: onnxruntime, loaded when a job first needs it. */
let fastRunner: FastRunner | undefined;
/** What training runs on (the training lane's worker only): chosen at start, its weights loaded at the first training job. */
let trainingChoice: TrainingEngineChoice | undefined;
let trainer: Promise<TrainContext> | undefined;
const loadTrainer = () => (trainer ??= createTrainContext({ weightsDir: settings.weightsDir, download: { baseUrl: settings.weightsUrl }, fastWeightsDir: settings.fastWeightsDir, choice: trainingChoice }));
try {
  if (settings.trainOnly) {
    const chosen = await chooseTrainingEngine({ backend: settings.backend, engine: settings.objectiveEngine });
    trainingChoice = chosen;
    send({ type: 'ready', backend: chosen.backend, objectiveEngine: chosen.kind, reasons: chosen.reasons, availableLayers: [] });
  } else if (settings.fastOnly) {
    const chosen = await chooseFastRunner({ backend: settings.backend, engine: settings.objectiveEngine });
    fastRunner = chosen;
    send({ type: 'ready', backend: chosen.backend ?? 'cpu', objectiveEngine: chosen.kind, reasons: chosen.reasons, availableLayers: [] });
  } else {
    const created = await createEngine({ backend: settings.backend, objectiveEngine: settings.objectiveEngine, weightsDir: settings.weightsDir, download: { baseUrl: settings.weightsUrl } });
    engine = created;
    // `best` starts from a fast network's picture: on TensorFlow.js where the optimisation is, and
    // on onnxruntime's WebGPU provider where the optimisation runs there (createEngine has already
    // found that provider able to start: no second probe).
    if (created.objectiveEngine === 'tfjs') fastRunner = tfjsFastRunner(created.backend);
    else if (settings.objectiveEngine === 'onnx-webgpu') fastRunner = onnxFastRunner(await loadOnnxRuntime(), 'webgpu');
    send({ type: 'ready', backend: created.backend, objectiveEngine: created.objectiveEngine, reasons: created.backendReasons, availableLayers: created.availableLayers });
  }
} catch (error) {
  send({ type: 'startup-failed', message: messageOf(error), missingWeights: error instanceof WeightsError });
  process.exit(1);
}

/**
 * The segmentation model, loaded when a job first asks for it, on the engine's TensorFlow.js backend
 * (the fast lane has none of its own yet: it takes the fastest that loads, as the engine would).
 */
const loadSegmenter = lazySegmenter(settings.segmentationWeightsDir ?? SEGMENTATION_CACHE_DIR, () => (engine ? Promise.resolve() : chooseBackend(settings.backend)));

/** Whether a training job should wait after its step (interactive jobs run meanwhile), and who waits. */
let held = false;
const waiting = new Set<() => void>();

/** Resolves when training may take its next step: at once, on `go`, or when the job is cancelled. */
function waitForTurn(signal: AbortSignal): Promise<void> {
  if (!held || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      waiting.delete(done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    waiting.add(done);
    signal.addEventListener('abort', done);
  });
}

process.on('message', (message: HostMessage) => {
  switch (message.type) {
    case 'cancel':
      running.get(message.jobId)?.abort();
      break;
    case 'hold':
      held = true;
      break;
    case 'go':
      held = false;
      for (const resume of [...waiting]) resume();
      break;
    case 'run':
      void run(message);
  }
});

async function run(request: RunRequest): Promise<void> {
  const controller = new AbortController();
  running.set(request.jobId, controller);
  try {
    const method = methodNamed(request.method);
    const { inputs, output } = request;
    const readShares = (shares: readonly { path: string; weight: number }[]) => Promise.all(shares.map(async (share) => ({ image: await readImage(share.path), weight: share.weight })));
    const isClip = typeof request.options === 'object' && request.options !== null && 'clipFrames' in request.options;
    const [content, mask, styles, background] = await Promise.all([
      isClip ? undefined : readImage(inputs.contentPath),
      inputs.maskPath ? readImage(inputs.maskPath) : undefined,
      readShares(inputs.styles),
      inputs.background ? readShares(inputs.background) : undefined,
    ]);
    const context = {
      engine: async () => engine ?? Promise.reject(new Error(`the fast lane cannot run the ${request.method} method`)),
      fastWeightsDir: settings.fastWeightsDir,
      trainedNetworksDir: settings.trainedNetworksDir,
      fastRunner: fastRunner ? async () => fastRunner! : undefined,
      segmenter: loadSegmenter,
      trainer: settings.trainOnly ? loadTrainer : undefined,
      trainingPhotosDir: settings.trainingPhotosDir,
      warn: (message: string) => send({ type: 'warning', jobId: request.jobId, message }),
    };
    if (isClip) return await runClip(request, context, { styles, mask, background }, controller.signal);
    const result = await method.run(context, {
      inputs: { content: content!, styles, mask, background },
      options: request.options,
      signal: controller.signal,
      stateDir: resumeDirsOf(request.output).state,
      waitForTurn: () => waitForTurn(controller.signal),
      onProgress: (progress) => {
        void (async () => {
          const preview = progress.frame ? await encodePreview(progress.frame) : undefined;
          send({
            type: 'progress',
            jobId: request.jobId,
            progress: { iteration: progress.iteration, totalIterations: progress.totalIterations, etaMs: progress.etaMs, elapsedMs: progress.elapsedMs, terms: progress.terms, size: progress.size },
            preview,
          });
        })();
      },
    });
    // Encoded side by side (sharp works off the main thread): the PNG's time hides in the GIF's.
    const [png, gif] = await Promise.all([encodePng(result.image), encodeGif(result.frames)]);
    await writeAtomically(output.pngPath, png);
    await writeAtomically(output.gifPath, gif);
    await rm(resumeDirsOf(request.output).state, { recursive: true, force: true });
    send({
      type: 'done',
      jobId: request.jobId,
      outcome: {
        width: result.image.width,
        height: result.image.height,
        iterations: result.iterations,
        elapsedMs: result.elapsedMs,
        frames: result.frames.length,
        lossHistory: result.history.map(lossPointOf),
      },
    });
  } catch (error) {
    // Cancelled or failed: nothing to resume. (A crash leaves the state for the next start.)
    await rm(resumeDirsOf(request.output).state, { recursive: true, force: true }).catch(() => undefined);
    send({
      type: 'failed',
      jobId: request.jobId,
      message: messageOf(error),
      // The disk filling up as the result is written is said as such, not as the engine's failure.
      userMessage: failureMessageOf(error),
      byInput: isInputFault(error),
      cancelled: error instanceof CancelledError,
    });
  } finally {
    running.delete(request.jobId);
  }
}

/**
 * A clip, frame by frame (`stylizeClip`): each finished frame is saved beside the result, so that a
 * job interrupted by a restart resumes after the last saved frame. The GIF keeps the clip's timing;
 * the PNG is its first frame.
 */
async function runClip(request: RunRequest, context: MethodContext, inputs: { styles: WeightedStyle[]; mask: RgbImage | undefined; background: WeightedStyle[] | undefined }, signal: AbortSignal): Promise<void> {
  const { clipFrames: _frames, ...options } = request.options as Record<string, unknown>;
  const source = await readJobInput(request.inputs.contentPath);
  const clip = await decodeClip(source, ACCEPTED_CLIP_LIMITS);
  const framesDir = resumeDirsOf(request.output).frames;
  await makeFolder(framesDir);
  const saved = (await readdir(framesDir)).filter((name) => /^\d{5}\.png$/.test(name)).sort();
  // Only an unbroken run from the first frame counts (a frame half-written by a crash is never named .png).
  const done: RgbImage[] = [];
  for (const [index, name] of saved.entries()) {
    if (name !== frameFileName(index)) break;
    done.push(await readImage(join(framesDir, name)));
  }
  const painting = stylizeClip(context, {
    clip,
    ...inputs,
    method: request.method === 'fast' || request.method === 'best' ? request.method : 'optimise',
    options,
    done,
    signal,
    onFrame: async (index, image) => writeAtomically(join(framesDir, frameFileName(index)), await encodePng(image)),
    onProgress: (progress) =>
      send({ type: 'progress', jobId: request.jobId, progress: { iteration: progress.frame, totalIterations: progress.totalFrames, etaMs: progress.etaMs, elapsedMs: progress.elapsedMs, inFrame: { iteration: progress.iteration, totalIterations: progress.totalIterations } } }),
  });
  // Cancelled or failed: nothing to resume. (A crash leaves the frames for the next start.)
  const result = await painting.catch(async (error: unknown) => {
    await rm(framesDir, { recursive: true, force: true });
    throw error;
  });
  const first = result.frames[0]!;
  await writeAtomically(request.output.pngPath, await encodePng(first));
  const gif = await encodeGifFitting(result.frames, { delaysMs: result.delaysMs, maxSide: Math.max(first.width, first.height), maxBytes: CLIP_GIF_MAX_BYTES });
  await writeAtomically(request.output.gifPath, gif.bytes);
  // A video is answered with a video too (ffmpeg decoded it, so it is there to encode).
  const video = clip.kind === 'video';
  if (video) await writeAtomically(request.output.mp4Path, await encodeMp4(result.frames, result.delaysMs, { soundFrom: source }));
  await rm(framesDir, { recursive: true, force: true });
  send({ type: 'done', jobId: request.jobId, outcome: { width: first.width, height: first.height, iterations: result.frames.length, elapsedMs: result.elapsedMs, frames: result.frames.length, lossHistory: [], video, ...(gif.width < first.width ? { gifWidth: gif.width } : {}) } });
}

/** A saved clip frame's file: its index, zero-padded so that names sort in order. */
function frameFileName(index: number): string {
  return `${String(index).padStart(5, '0')}.png`;
}

async function readImage(path: string): Promise<RgbImage> {
  return rgbImageOf(sharp(await readJobInput(path)).removeAlpha());
}

/** A small JPEG of the current frame, for live previews in chat. */
async function encodePreview(frame: RgbImage): Promise<Uint8Array> {
  const jpeg = await toSharp(frame).resize(320, 320, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
  return new Uint8Array(jpeg);
}

async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(`${path}.partial`, bytes);
  await rename(`${path}.partial`, path);
}
