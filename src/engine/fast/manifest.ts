/**
 * The fast networks' manifest (`weights/fast.manifest.json`): which networks exist, their layout,
 * and each converted file's size and sha256; and where their files are on this machine.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeightsError } from '../errors.ts';

export interface ManifestLayer {
  readonly name: string;
  readonly kind: 'conv' | 'conv_transpose';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly relu: boolean;
}
export interface ManifestTensor {
  readonly layer: string;
  readonly role: 'weights' | 'shift' | 'scale';
  readonly shape: readonly number[];
  readonly byteOffset: number;
  readonly byteLength: number;
  /** The TensorFlow variable it came from (`Variable_7`): its file in the upstream checkpoint. */
  readonly sourceVariable: string;
}
export interface ManifestStyle {
  readonly name: string;
  readonly styleImage: string;
  readonly file: string;
  readonly byteLength: number;
  readonly sha256: string;
  readonly tensors: readonly ManifestTensor[];
}
export interface FastManifest {
  readonly layers: readonly ManifestLayer[];
  readonly styles: readonly ManifestStyle[];
  /** Where the networks come from: the pinned upstream checkpoints. */
  readonly source: { readonly repository: string; readonly commit: string; readonly baseUrl: string };
}

const MANIFEST_PATH = fileURLToPath(new URL('../../../weights/fast.manifest.json', import.meta.url));
/** Where downloaded networks are kept (git-ignored). */
export const FAST_CACHE_DIR = fileURLToPath(new URL('../../../weights/cache/fast/', import.meta.url));

/** The networks the manifest describes, by name (`scream`, `wave`, `wreck`, `udnie`). */
export const FAST_NETWORKS = ['scream', 'wave', 'wreck', 'udnie'] as const;
export type FastNetworkName = (typeof FAST_NETWORKS)[number];

let manifest: FastManifest | undefined;

/** The manifest, read once (a small file, needed synchronously by `installedFastNetworks`). */
export function readFastManifest(): FastManifest {
  manifest ??= JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as FastManifest;
  return manifest;
}

/** A layer's kernel as stored: conv `[k, k, in, out]`, transposed conv `[k, k, out, in]` (TensorFlow's own layouts). */
export function storedKernelShape(layer: ManifestLayer): [number, number, number, number] {
  const { kernel: k } = layer;
  return layer.kind === 'conv' ? [k, k, layer.inChannels, layer.outChannels] : [k, k, layer.outChannels, layer.inChannels];
}

/** Where each layer's tensors sit in a network's flat parameters (the `.f32.bin` files' order). */
export interface ParameterLayout {
  readonly layers: readonly ManifestLayer[];
  readonly offsets: ReadonlyMap<string, { readonly weights: number; readonly shift: number; readonly scale: number }>;
  /** Floats in all. */
  readonly size: number;
}

export function parameterLayoutOf(layers: readonly ManifestLayer[]): ParameterLayout {
  const offsets = new Map<string, { weights: number; shift: number; scale: number }>();
  let offset = 0;
  for (const layer of layers) {
    const weights = offset;
    offset += layer.kernel * layer.kernel * layer.inChannels * layer.outChannels;
    offsets.set(layer.name, { weights, shift: offset, scale: offset + layer.outChannels });
    offset += 2 * layer.outChannels;
  }
  return { layers, offsets, size: offset };
}

export function manifestEntryOf(name: FastNetworkName): ManifestStyle {
  const entry = readFastManifest().styles.find((style) => style.name === name);
  if (!entry) throw new WeightsError(`The manifest has no network "${name}".`);
  return entry;
}

/** The folder with the network files: IMPASTO_FAST_WEIGHTS_DIR, else weights/cache/fast. */
export function locateFastWeights(explicitDir: string | undefined): string {
  const dir = explicitDir ?? FAST_CACHE_DIR;
  if (!existsSync(dir)) {
    throw new WeightsError(`The fast style networks are not installed: run \`npx impasto weights download\` (needs internet), or put scream.f32.bin, wave.f32.bin, wreck.f32.bin and udnie.f32.bin in ${dir} or set IMPASTO_FAST_WEIGHTS_DIR.`);
  }
  return dir;
}

/**
 * The networks whose files are in the folder (IMPASTO_FAST_WEIGHTS_DIR, else the cache): what the
 * bot can offer. Their checksums are checked when one is loaded.
 */
export function installedFastNetworks(explicitDir: string | undefined): Set<FastNetworkName> {
  const dir = explicitDir ?? FAST_CACHE_DIR;
  return new Set(FAST_NETWORKS.filter((name) => existsSync(join(dir, manifestEntryOf(name).file))));
}
