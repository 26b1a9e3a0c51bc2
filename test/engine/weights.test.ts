import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/engine/backend.ts';
import { WeightsError } from '../../src/engine/errors.ts';
import { downloadWeights, loadVggWeights, locateWeights } from '../../src/engine/weights.ts';
import { SHARED_VGG_DIR } from '../helpers/shared.ts';
import { startStaticServer, type StaticServer } from '../helpers/static-server.ts';
import { startVggUpstream } from '../helpers/upstreams.ts';

let cacheDir: string;
let server: StaticServer | undefined;

beforeAll(async () => {
  await chooseBackend('wasm'); // decoding weights makes tensors
});
beforeEach(async () => {
  cacheDir = join(await mkdtemp(join(tmpdir(), 'impasto-weights-')), 'vgg19');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(join(cacheDir, '..'), { recursive: true, force: true });
});

describe('downloading weights (from a local stand-in for upstream)', () => {
  it('fetches model.json and the conv shards, verifies them, reports progress, and loads', async () => {
    server = await startVggUpstream();
    const progress: [number, number][] = [];
    await downloadWeights({ baseUrl: server.url, cacheDir, onProgress: (received, total) => progress.push([received, total]) });
    // Only conv groups are requested (never the 500 MB fully connected ones); groups 9+ 404 here.
    expect(server.requests[0]).toBe('model.json');
    expect(server.requests.some((path) => path.startsWith('group17'))).toBe(false);
    expect(progress.length).toBeGreaterThan(8);
    const totalBytes = progress[0]![1];
    expect(totalBytes).toBe(80_097_536); // VGG-19's sixteen conv layers: 20,024,384 float32 parameters
    expect(progress.at(-1)![0]).toBe(totalBytes);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]);
    const files = await readdir(cacheDir);
    expect(files.filter((file) => file.endsWith('.partial'))).toEqual([]);
    expect(files).toContain('model.json');
    const weights = await loadVggWeights(cacheDir);
    expect([...weights.keys()].at(-1)).toBe('conv5_4');
    expect(weights.get('conv4_1')!.kernel.shape).toEqual([3, 3, 256, 512]);
  }, 60_000);

  it('rejects a corrupted shard and leaves nothing the loader would trust', async () => {
    const good = await readFile(join(SHARED_VGG_DIR, 'group3-shard1of1'));
    const corrupted = Uint8Array.from(good);
    corrupted[1000] = corrupted[1000]! ^ 0xff;
    server = await startVggUpstream({ 'group3-shard1of1': corrupted });
    await expect(downloadWeights({ baseUrl: server.url, cacheDir })).rejects.toThrow(/group3-shard1of1 failed its sha256 check/);
    expect(existsSync(join(cacheDir, 'group3-shard1of1'))).toBe(false);
    expect(existsSync(join(cacheDir, 'model.json'))).toBe(false);
    await expect(locateWeights({ cacheDir, download: false })).rejects.toThrow(WeightsError);
  });

  it('rejects a tampered model.json', async () => {
    const tampered = new TextEncoder().encode((await readFile(join(SHARED_VGG_DIR, 'model.json'), 'utf8')).replace('block1_conv1', 'block1_conv9'));
    server = await startStaticServer(SHARED_VGG_DIR, { 'model.json': tampered });
    await expect(downloadWeights({ baseUrl: server.url, cacheDir })).rejects.toThrow(/model.json failed its sha256 check/);
  });

  it('says how to get weights when the network is unreachable', async () => {
    server = await startStaticServer(SHARED_VGG_DIR);
    const url = server.url;
    await server.close();
    server = undefined;
    await expect(locateWeights({ cacheDir, download: { baseUrl: url } })).rejects.toThrow(/npx impasto weights download.*IMPASTO_WEIGHTS_DIR/);
  });
});

describe('locating weights', () => {
  it('uses IMPASTO_WEIGHTS_DIR first, without touching the cache or the network', async () => {
    expect(await locateWeights({ explicitDir: SHARED_VGG_DIR, cacheDir, download: false })).toBe(SHARED_VGG_DIR);
  });

  it('names the variable when IMPASTO_WEIGHTS_DIR points at the wrong folder', async () => {
    await expect(locateWeights({ explicitDir: cacheDir, download: false })).rejects.toThrow(/IMPASTO_WEIGHTS_DIR is .*no model.json/);
  });

  it('uses the cache once it is filled, then never downloads again', async () => {
    server = await startVggUpstream();
    expect(await locateWeights({ cacheDir, download: { baseUrl: server.url } })).toBe(cacheDir);
    const requests = server.requests.length;
    expect(await locateWeights({ cacheDir, download: { baseUrl: server.url } })).toBe(cacheDir);
    expect(server.requests.length).toBe(requests);
  }, 60_000);
});
