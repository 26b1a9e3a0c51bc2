import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestEntryOf, type FastNetworkName } from '../../src/engine/fast/manifest.ts';
import { SHARED_FAST_DIR, SHARED_VGG_DIR } from './shared.ts';
import { startStaticServer, type StaticServer } from './static-server.ts';

/**
 * Local stand-ins for the weights' upstream hosts, served on 127.0.0.1: the downloads are tested
 * against them (no test reaches the internet).
 */

/**
 * The shared folder holds groups 1–8 only; upstream also has groups 9–16 (conv4_1 … conv5_4) as
 * 4 MiB shards. Stand-ins of the right sizes (zeros: their hashes are not pinned) make the local
 * server a complete upstream, so the tests cover multi-shard groups and the full layer set.
 */
async function vggStandIns(): Promise<Record<string, Uint8Array>> {
  const model = JSON.parse(await readFile(join(SHARED_VGG_DIR, 'model.json'), 'utf8')) as {
    weightsManifest: { paths: string[]; weights: { name: string; shape: number[] }[] }[];
  };
  const shardBytes = 4 * 1024 * 1024;
  const files: Record<string, Uint8Array> = {};
  for (const group of model.weightsManifest) {
    if (!group.weights.every((weight) => weight.name.startsWith('block')) || existsSync(join(SHARED_VGG_DIR, group.paths[0]!))) continue;
    let remaining = group.weights.reduce((sum, weight) => sum + 4 * weight.shape.reduce((a, b) => a * b, 1), 0);
    for (const path of group.paths) {
      files[path] = new Uint8Array(Math.min(shardBytes, remaining));
      remaining -= files[path].byteLength;
    }
  }
  return files;
}

/** VGG-19's upstream: the shared groups, the stand-ins for the rest, and `overrides` (a corrupted shard). */
export async function startVggUpstream(overrides: Record<string, Uint8Array> = {}): Promise<StaticServer> {
  return startStaticServer(SHARED_VGG_DIR, { ...(await vggStandIns()), ...overrides });
}

/**
 * The fast networks' upstream (ml5-data-and-models) in a new temporary folder: the shared, converted
 * files split back into deeplearn.js checkpoints (`manifest.json` + one raw file per TF variable).
 */
export async function writeFastUpstream(names: readonly FastNetworkName[]): Promise<string> {
  const upstream = await mkdtemp(join(tmpdir(), 'impasto-fast-upstream-'));
  for (const name of names) {
    const entry = manifestEntryOf(name);
    const bytes = await readFile(join(SHARED_FAST_DIR, entry.file));
    await mkdir(join(upstream, name));
    const checkpoint: Record<string, { filename: string; shape: readonly number[] }> = {};
    for (const tensor of entry.tensors) {
      checkpoint[tensor.sourceVariable] = { filename: tensor.sourceVariable, shape: tensor.shape };
      await writeFile(join(upstream, name, tensor.sourceVariable), bytes.subarray(tensor.byteOffset, tensor.byteOffset + tensor.byteLength));
    }
    await writeFile(join(upstream, name, 'manifest.json'), JSON.stringify(checkpoint));
  }
  return upstream;
}
