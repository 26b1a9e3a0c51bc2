/**
 * Networks trained here (`train/trainer.ts`): the parameters in the pretrained networks' `.f32.bin`
 * layout, beside a small JSON description, so that the fast method's runners paint with either.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sha256 } from '../download.ts';
import { WeightsError } from '../errors.ts';
import { parameterLayoutOf, readFastManifest } from './manifest.ts';
import type { FastNetwork } from './network.ts';

const descriptionSchema = z.object({
  styleImage: z.string(),
  steps: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  trainedAt: z.string(),
  options: z.record(z.unknown()),
});
export type TrainedNetworkDescription = z.infer<typeof descriptionSchema>;

/** Where `impasto train-style` keeps networks by default (git-ignored, as the other weights). */
export const TRAINED_CACHE_DIR = fileURLToPath(new URL('../../../weights/cache/trained/', import.meta.url));

/** A name that is safe as a file name: lowercase letters, digits, `-` and `_`. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function pathsOf(dir: string, name: string): { weights: string; description: string } {
  if (!NAME.test(name)) throw new WeightsError(`"${name}" cannot name a trained network: use lowercase letters, digits, - and _.`);
  return { weights: join(dir, `${name}.f32.bin`), description: join(dir, `${name}.json`) };
}

/** The networks trained in `dir`, as the fast method names them (`trained:<name>`). */
export function installedTrainedNetworks(dir: string | undefined): Set<string> {
  const folder = dir ?? TRAINED_CACHE_DIR;
  if (!existsSync(folder)) return new Set();
  const names = readdirSync(folder).flatMap((file) => (file.endsWith('.json') ? [file.slice(0, -'.json'.length)] : []));
  return new Set(names.filter((name) => existsSync(join(folder, `${name}.f32.bin`))).map((name) => `trained:${name}`));
}

/** Writes the network (the weights, then its description, each atomically: a reader never sees half of one). */
export async function saveTrainedNetwork(dir: string, name: string, parameters: Float32Array, description: Omit<TrainedNetworkDescription, 'sha256'>): Promise<TrainedNetworkDescription> {
  const paths = pathsOf(dir, name);
  await mkdir(dir, { recursive: true });
  const bytes = Buffer.from(parameters.buffer, parameters.byteOffset, parameters.byteLength);
  const full = { ...description, sha256: sha256(bytes) };
  await writeFile(`${paths.weights}.partial`, bytes);
  await rename(`${paths.weights}.partial`, paths.weights);
  await writeFile(`${paths.description}.partial`, `${JSON.stringify(full, null, 2)}\n`);
  await rename(`${paths.description}.partial`, paths.description);
  return full;
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
