/**
 * Downloading the fast networks from their pinned upstream (ml5's deeplearn.js checkpoints: a
 * `manifest.json` naming one raw float32 file per TensorFlow variable) and converting them to the
 * one-file layout `network.ts` loads: the variables concatenated in the manifest's order. Every
 * shape is checked on the way, and the converted file is kept only if its sha256 is the manifest's.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ensureTrailingSlash, fetchVerified, sha256, writeAtomically } from '../download.ts';
import { WeightsError } from '../errors.ts';
import { FAST_CACHE_DIR, FAST_NETWORKS, manifestEntryOf, readFastManifest, type FastNetworkName } from './manifest.ts';
import { makeFolder } from '../../make-folder.ts';

/** A deeplearn.js checkpoint manifest: variable name → its file and shape. */
const checkpointSchema = z.record(z.string(), z.object({ filename: z.string().regex(/^[\w.-]+$/, 'variable files must be plain file names'), shape: z.array(z.number().int().nonnegative()) }));

const HINT = 'Set IMPASTO_FAST_WEIGHTS_URL to a mirror, or IMPASTO_FAST_WEIGHTS_DIR to a folder holding the converted .f32.bin files.';

export interface FastDownloadOptions {
  /** Where the checkpoints are (one folder per network); the manifest's pinned upstream by default. */
  readonly baseUrl?: string | undefined;
  readonly cacheDir?: string | undefined;
  readonly networks?: readonly FastNetworkName[] | undefined;
  readonly onProgress?: ((receivedBytes: number, totalBytes: number) => void) | undefined;
  readonly fetchImpl?: typeof fetch | undefined;
}

/**
 * Fetches and converts each network not already in the cache (a cached file whose sha256 is wrong is
 * fetched again). Returns the names it wrote.
 */
export async function downloadFastNetworks(options: FastDownloadOptions = {}): Promise<FastNetworkName[]> {
  const baseUrl = ensureTrailingSlash(options.baseUrl ?? readFastManifest().source.baseUrl);
  const cacheDir = options.cacheDir ?? FAST_CACHE_DIR;
  await makeFolder(cacheDir);
  const wanted = options.networks ?? FAST_NETWORKS;
  const missing: FastNetworkName[] = [];
  for (const name of wanted) if (!(await isCached(cacheDir, name))) missing.push(name);
  const totalBytes = missing.reduce((sum, name) => sum + manifestEntryOf(name).byteLength, 0);
  let receivedBytes = 0;
  for (const name of missing) {
    await downloadNetwork(name, new URL(`${name}/`, baseUrl), cacheDir, options.fetchImpl, (bytes) => {
      receivedBytes += bytes;
      options.onProgress?.(receivedBytes, totalBytes);
    });
  }
  return missing;
}

async function isCached(cacheDir: string, name: FastNetworkName): Promise<boolean> {
  const path = join(cacheDir, manifestEntryOf(name).file);
  return existsSync(path) && sha256(await readFile(path)) === manifestEntryOf(name).sha256;
}

async function downloadNetwork(name: FastNetworkName, folder: URL, cacheDir: string, fetchImpl: typeof fetch | undefined, onChunk: (bytes: number) => void): Promise<void> {
  const entry = manifestEntryOf(name);
  const manifestUrl = new URL('manifest.json', folder);
  let checkpoint: z.infer<typeof checkpointSchema>;
  try {
    checkpoint = checkpointSchema.parse(JSON.parse(new TextDecoder().decode(await fetchVerified(manifestUrl, undefined, { fetchImpl, hint: HINT }))));
  } catch (error) {
    if (error instanceof WeightsError) throw error;
    throw new WeightsError(`${manifestUrl.href} is not a deeplearn.js checkpoint manifest.`);
  }
  const parts: Uint8Array[] = [];
  for (const tensor of entry.tensors) {
    const variable = checkpoint[tensor.sourceVariable];
    if (!variable || variable.shape.join('×') !== tensor.shape.join('×')) {
      throw new WeightsError(`The ${name} checkpoint's ${tensor.sourceVariable} should have shape ${tensor.shape.join('×')} (${tensor.layer} ${tensor.role}), but has ${variable ? variable.shape.join('×') : 'no entry'}.`);
    }
    const bytes = await fetchVerified(new URL(variable.filename, folder), undefined, { fetchImpl, hint: HINT, onChunk });
    if (bytes.byteLength !== tensor.byteLength) throw new WeightsError(`${new URL(variable.filename, folder).href} has ${bytes.byteLength} bytes; ${tensor.byteLength} expected.`);
    parts.push(bytes);
  }
  const digest = sha256(parts);
  if (digest !== entry.sha256) throw new WeightsError(`The converted ${name} network failed its sha256 check (got ${digest.slice(0, 12)}…, expected ${entry.sha256.slice(0, 12)}…); it was discarded.`);
  await writeAtomically(join(cacheDir, entry.file), parts);
}
