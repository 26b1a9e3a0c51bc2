import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { ensureTrailingSlash, fetchVerified, sha256, writeAtomically } from './download.ts';
import { WeightsError } from './errors.ts';
import { VGG19_CHANNELS, VGG19_LAYERS } from './vgg.ts';
import { makeFolder } from '../make-folder.ts';

const manifestSchema = z.object({
  upstream: z.object({ repository: z.string(), commit: z.string(), baseUrl: z.string().url() }),
  sha256: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
});
export type WeightsManifest = z.infer<typeof manifestSchema>;

const modelJsonSchema = z.object({
  weightsManifest: z.array(
    z.object({
      paths: z.array(z.string().regex(/^[\w.-]+$/, 'shard names must be plain file names')),
      weights: z.array(
        z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.literal('float32') }).passthrough(),
      ),
    }),
  ),
});
type WeightGroup = z.infer<typeof modelJsonSchema>['weightsManifest'][number];

export const WEIGHTS_ROOT = fileURLToPath(new URL('../../weights/', import.meta.url));
export const DEFAULT_CACHE_DIR = join(WEIGHTS_ROOT, 'cache', 'vgg19');

export async function readWeightsManifest(): Promise<WeightsManifest> {
  return manifestSchema.parse(JSON.parse(await readFile(join(WEIGHTS_ROOT, 'vgg19.manifest.json'), 'utf8')));
}

/** One convolution layer, e.g. `conv3_2`, with its kernel `[3, 3, in, out]` and bias `[out]`. */
export interface ConvWeights {
  readonly kernel: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
}

/** The convolution layers found on disk, in network order. Always a prefix of VGG-19's sixteen. */
export type VggWeights = ReadonlyMap<string, ConvWeights>;

const KERAS_CONV_NAME = /^block(\d)_conv(\d)\/(kernel|bias)$/;

/** `block3_conv2/kernel` → `conv3_2` (the names of Gatys et al. and of every style transfer paper). */
function layerNameOf(weightName: string): string | undefined {
  const match = KERAS_CONV_NAME.exec(weightName);
  return match ? `conv${match[1]}_${match[2]}` : undefined;
}

function isConvGroup(group: WeightGroup): boolean {
  return group.weights.every((weight) => KERAS_CONV_NAME.test(weight.name));
}

async function readModelJson(dir: string): Promise<WeightGroup[]> {
  let text: string;
  try {
    text = await readFile(join(dir, 'model.json'), 'utf8');
  } catch {
    throw new WeightsError(`No model.json in ${dir}. ${HOW_TO_GET_WEIGHTS}`);
  }
  const parsed = modelJsonSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new WeightsError(`${join(dir, 'model.json')} is not a TensorFlow.js layers model with a weightsManifest.`);
  return parsed.data.weightsManifest;
}

/**
 * Loads every convolution group whose shard files are all present, stopping at the first missing
 * one: the network is a chain, so a layer is usable only when all layers before it are.
 */
export async function loadVggWeights(dir: string): Promise<VggWeights> {
  const groups = (await readModelJson(dir)).filter(isConvGroup);
  const layers = new Map<string, ConvWeights>();
  for (const group of groups) {
    if (!group.paths.every((path) => existsSync(join(dir, path)))) break;
    const shards = await Promise.all(group.paths.map(async (path) => toArrayBuffer(await readFile(join(dir, path)))));
    const tensors = tf.io.decodeWeights(tf.io.concatenateArrayBuffers(shards), group.weights as tf.io.WeightsManifestEntry[]);
    for (const weight of group.weights) {
      const layer = layerNameOf(weight.name);
      const tensor = tensors[weight.name];
      if (!layer || !tensor) continue;
      const existing = layers.get(layer) ?? ({} as Partial<ConvWeights>);
      layers.set(layer, { ...existing, [weight.name.endsWith('/kernel') ? 'kernel' : 'bias']: tensor } as ConvWeights);
    }
  }
  if (layers.size === 0) throw new WeightsError(`${dir} has model.json but none of its weight files. ${HOW_TO_GET_WEIGHTS}`);
  return layers;
}

export const HOW_TO_GET_WEIGHTS =
  'Get the VGG-19 weights with `npx impasto weights download` (needs internet), or point IMPASTO_WEIGHTS_DIR at a folder holding model.json and its group*-shard* files.';

export interface LocateOptions {
  /** IMPASTO_WEIGHTS_DIR: used alone when set. */
  readonly explicitDir?: string | undefined;
  readonly cacheDir?: string;
  /** When the cache is empty: fetch from upstream (or `baseUrl`). */
  readonly download?: false | DownloadOptions;
}

/** Finds a usable weights folder: the explicit one, else the cache, else downloads into the cache. */
export async function locateWeights(options: LocateOptions = {}): Promise<string> {
  if (options.explicitDir) {
    if (!existsSync(join(options.explicitDir, 'model.json'))) {
      throw new WeightsError(`IMPASTO_WEIGHTS_DIR is ${options.explicitDir}, but there is no model.json there. ${HOW_TO_GET_WEIGHTS}`);
    }
    return options.explicitDir;
  }
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  if (existsSync(join(cacheDir, 'model.json'))) return cacheDir;
  if (options.download === false) throw new WeightsError(`No VGG-19 weights found. ${HOW_TO_GET_WEIGHTS}`);
  await downloadWeights({ ...options.download, cacheDir });
  return cacheDir;
}

export interface DownloadOptions {
  /** Where to fetch from; the manifest's pinned upstream by default (tests use a local server). */
  readonly baseUrl?: string | undefined;
  readonly cacheDir?: string;
  readonly onProgress?: (receivedBytes: number, totalBytes: number) => void;
  readonly fetchImpl?: typeof fetch;
}

/**
 * Downloads model.json and the convolution shards into the cache. Each file is checked against its
 * known sha256 and written atomically (temporary file, then rename), so an interrupted or corrupted
 * download never leaves a file the loader would trust.
 */
export async function downloadWeights(options: DownloadOptions = {}): Promise<void> {
  const manifest = await readWeightsManifest();
  const baseUrl = ensureTrailingSlash(options.baseUrl ?? manifest.upstream.baseUrl);
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const fetchImpl = options.fetchImpl ?? fetch;
  await makeFolder(cacheDir);

  const fetchOptions = { fetchImpl, hint: HOW_TO_GET_WEIGHTS };
  const modelJson = await fetchVerified(new URL('model.json', baseUrl), manifest.sha256['model.json'], fetchOptions);
  const parsed = modelJsonSchema.safeParse(JSON.parse(new TextDecoder().decode(modelJson)));
  if (!parsed.success) throw new WeightsError(`${baseUrl}model.json is not a TensorFlow.js layers model.`);
  const groups = parsed.data.weightsManifest.filter(isConvGroup);
  const totalBytes = groups.reduce((sum, group) => sum + groupBytes(group), 0);
  let receivedBytes = 0;
  for (const group of groups) {
    for (const path of group.paths) {
      const target = join(cacheDir, path);
      const expected = manifest.sha256[path];
      const cached = existsSync(target) ? await readFile(target) : undefined;
      if (cached && (!expected || sha256(cached) === expected)) {
        receivedBytes += cached.byteLength;
        options.onProgress?.(receivedBytes, totalBytes);
        continue;
      }
      const bytes = await fetchVerified(new URL(path, baseUrl), expected, {
        ...fetchOptions,
        onChunk: (chunkBytes) => {
          receivedBytes += chunkBytes;
          options.onProgress?.(receivedBytes, totalBytes);
        },
      });
      await writeAtomically(target, bytes);
    }
  }
  // model.json goes last: its presence is what marks the cache as usable.
  await writeAtomically(join(cacheDir, 'model.json'), modelJson);
}

function groupBytes(group: WeightGroup): number {
  return group.weights.reduce((sum, weight) => sum + 4 * weight.shape.reduce((a, b) => a * b, 1), 0);
}

function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  // Small Buffers share Node's pool at arbitrary offsets; Float32Array views need their own buffer.
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

/**
 * `weights` with the VGG-19 layers it lacks (the shared offline set has blocks 1–3) as seeded random
 * stand-ins of the right shape (He-scaled kernels, biases `bias`): for the checks and benchmarks of
 * the deep layer sets, whose speed and agreement between engines do not depend on the values. Never
 * for pictures.
 */
export function withStandInLayers(weights: VggWeights, bias = 0): Map<string, ConvWeights> {
  const completed = new Map(weights);
  VGG19_LAYERS.forEach((name, index) => {
    if (completed.has(name)) return;
    const inChannels = index === 0 ? 3 : VGG19_CHANNELS[index - 1]!;
    const kernel = tf.randomNormal([3, 3, inChannels, VGG19_CHANNELS[index]!], 0, Math.sqrt(2 / (9 * inChannels)), 'float32', index) as tf.Tensor4D;
    completed.set(name, { kernel, bias: tf.fill([VGG19_CHANNELS[index]!], bias) as tf.Tensor1D });
  });
  return completed;
}
