/**
 * Networks trained here (`train/trainer.ts`): the parameters in the pretrained networks' `.f32.bin`
 * layout, beside a small JSON description, so that the fast method's runners paint with either.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sha256 } from '../download.ts';
import { WeightsError } from '../errors.ts';
import { trainedNetworkOption } from '../option-spec.ts';
import { installedFastNetworks, parameterLayoutOf, readFastManifest } from './manifest.ts';
import type { FastNetwork } from './network.ts';
import { makeFolder } from '../../make-folder.ts';

const descriptionSchema = z.object({
  styleImage: z.string(),
  steps: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  trainedAt: z.string(),
  options: z.record(z.unknown()),
});
export type TrainedNetworkDescription = z.infer<typeof descriptionSchema>;

/** Where networks trained here are kept when no folder is configured (git-ignored, as the other weights). */
const TRAINED_CACHE_DIR = fileURLToPath(new URL('../../../weights/cache/trained/', import.meta.url));

/**
 * The folder of networks trained here: the configured one, else the cache. One rule for every
 * reader and writer (the engine, the CLI, a Redis worker fetching copies where its engine looks).
 */
export function trainedNetworksDirOf(configured: string | undefined): string {
  return configured ?? TRAINED_CACHE_DIR;
}

/** A name that is safe as a file name: lowercase letters, digits, `-` and `_`. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Refuses a name that is not safe as a file name: called before anything is written under it (checkpoints and samples are). */
export function checkTrainedNetworkName(name: string): void {
  if (!NAME.test(name)) throw new WeightsError(`"${name}" cannot name a trained network: use lowercase letters, digits, - and _.`);
}

function pathsOf(dir: string, name: string): { weights: string; description: string } {
  checkTrainedNetworkName(name);
  return { weights: join(dir, `${name}.f32.bin`), description: join(dir, `${name}.json`) };
}

/** Whether `dir` holds the trained network `name`, its weights and its description. */
export function hasTrainedNetwork(dir: string, name: string): boolean {
  const paths = pathsOf(dir, name);
  return existsSync(paths.description) && existsSync(paths.weights);
}

/** The networks trained in `dir`, as the fast method names them (`trained:<name>`). */
export function installedTrainedNetworks(dir: string | undefined): Set<string> {
  const folder = trainedNetworksDirOf(dir);
  if (!existsSync(folder)) return new Set();
  const names = readdirSync(folder).flatMap((file) => (file.endsWith('.json') ? [file.slice(0, -'.json'.length)] : []));
  return new Set(names.filter((name) => existsSync(join(folder, `${name}.f32.bin`))).map(trainedNetworkOption));
}

/** Every network the fast method can paint with here: the pretrained ones present and those trained in `trainedNetworksDir`. */
export function installedNetworks(fastWeightsDir: string | undefined, trainedNetworksDir: string | undefined): Set<string> {
  return new Set([...installedFastNetworks(fastWeightsDir), ...installedTrainedNetworks(trainedNetworksDir)]);
}

/** Writes the network (the weights, then its description, each atomically: a reader never sees half of one). */
export async function saveTrainedNetwork(dir: string, name: string, parameters: Float32Array, description: Omit<TrainedNetworkDescription, 'sha256'>): Promise<TrainedNetworkDescription> {
  const weights = Buffer.from(parameters.buffer, parameters.byteOffset, parameters.byteLength);
  const full = { ...description, sha256: sha256(weights) };
  await writeTrainedNetworkFiles(dir, name, { description: Buffer.from(`${JSON.stringify(full, null, 2)}\n`), weights });
  return full;
}

/** A trained network's two files as they are on disk (to copy it elsewhere, e.g. through Redis). */
export interface TrainedNetworkFiles {
  readonly description: Buffer;
  readonly weights: Buffer;
}

/** The network's files, or `undefined` when either is missing. */
export async function readTrainedNetworkFiles(dir: string, name: string): Promise<TrainedNetworkFiles | undefined> {
  const paths = pathsOf(dir, name);
  try {
    return { description: await readFile(paths.description), weights: await readFile(paths.weights) };
  } catch {
    return undefined;
  }
}

/**
 * Writes a network's files: the weights first, the description last, each to a temporary file of its
 * own renamed into place, so that a reader (or a second writer of the same network) never sees half
 * of one, and a description never names weights that are not there yet.
 */
export async function writeTrainedNetworkFiles(dir: string, name: string, files: TrainedNetworkFiles): Promise<void> {
  const paths = pathsOf(dir, name);
  await makeFolder(dir);
  const suffix = `.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  for (const [path, bytes] of [[paths.weights, files.weights], [paths.description, files.description]] as const) {
    await writeFile(`${path}${suffix}`, bytes);
    await rename(`${path}${suffix}`, path);
  }
}

/** Deletes a trained network's files (description first: without it the network is not listed). */
export async function deleteTrainedNetwork(dir: string, name: string): Promise<void> {
  const { weights, description } = pathsOf(dir, name);
  await rm(description, { force: true });
  await rm(weights, { force: true });
}

/** The sha256 of the network's weights as its description gives it, or `undefined` when there is none. */
export async function trainedNetworkSha256(dir: string, name: string): Promise<string | undefined> {
  const text = await readFile(pathsOf(dir, name).description, 'utf8').catch(() => undefined);
  try {
    return text === undefined ? undefined : descriptionSchema.parse(JSON.parse(text)).sha256;
  } catch {
    // Unreadable: as good as missing (a fresh copy replaces it).
    return undefined;
  }
}

/** A trained network, checked against its description's size and sha256. */
export async function loadTrainedNetwork(dir: string, name: string): Promise<FastNetwork> {
  const paths = pathsOf(dir, name);
  const description = descriptionSchema.parse(JSON.parse(await readFile(paths.description, 'utf8').catch(() => {
    throw new WeightsError(`There is no trained network "${name}" in ${dir}.`);
  })));
  const bytes = await readFile(paths.weights).catch(() => {
    throw new WeightsError(`The trained network ${paths.weights} is missing.`);
  });
  if (sha256(bytes) !== description.sha256) throw new WeightsError(`${paths.weights} does not match its description (sha256): train it again.`);
  return networkOfParameters(`trained:${name}:${description.sha256.slice(0, 12)}`, description.styleImage, new Float32Array(new Uint8Array(bytes).buffer));
}

/** Parameters in the `.f32.bin` layout (per layer: weights, shift, scale) as a network the runners take. */
export function networkOfParameters(name: string, styleImage: string, parameters: Float32Array): FastNetwork {
  const layout = parameterLayoutOf(readFastManifest().layers);
  if (parameters.length !== layout.size) throw new WeightsError(`A fast network has ${layout.size} parameters, not ${parameters.length}.`);
  return {
    name,
    styleImage,
    layers: layout.layers.map((layer) => {
      const { weights, shift, scale } = layout.offsets.get(layer.name)!;
      return { ...layer, weights: parameters.subarray(weights, shift), shift: parameters.subarray(shift, scale), scale: parameters.subarray(scale, scale + layer.outChannels) };
    }),
  };
}
