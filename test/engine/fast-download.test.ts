import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadFastNetworks } from '../../src/engine/fast/download.ts';
import { installedFastNetworks, manifestEntryOf } from '../../src/engine/fast/manifest.ts';
import { SHARED_FAST_DIR } from '../helpers/shared.ts';
import { startStaticServer, type StaticServer } from '../helpers/static-server.ts';
import { writeFastUpstream } from '../helpers/upstreams.ts';

let upstream: string;
let cacheDir: string;
let server: StaticServer | undefined;

beforeAll(async () => {
  upstream = await writeFastUpstream(['scream', 'wave']);
});
afterAll(() => rm(upstream, { recursive: true, force: true }));
beforeEach(async () => {
  cacheDir = join(await mkdtemp(join(tmpdir(), 'impasto-fast-cache-')), 'fast');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(join(cacheDir, '..'), { recursive: true, force: true });
});

describe('downloading the fast networks (from a local stand-in for upstream)', () => {
  it('fetches each checkpoint, converts it to the file the engine loads, checks its sha256, and reports progress', async () => {
    server = await startStaticServer(upstream);
    const progress: number[] = [];
    const written = await downloadFastNetworks({ baseUrl: server.url, cacheDir, networks: ['scream', 'wave'], onProgress: (received) => progress.push(received) });
    expect(written).toEqual(['scream', 'wave']);
    expect(server.requests.filter((path) => path.endsWith('manifest.json'))).toEqual(['scream/manifest.json', 'wave/manifest.json']);
    expect(server.requests).toHaveLength(2 * 49);
    for (const name of ['scream', 'wave'] as const) {
      // Byte for byte the shared, converted file (Buffer.compare: a deep toEqual over 6.7 MB takes minutes).
      expect(Buffer.compare(await readFile(join(cacheDir, manifestEntryOf(name).file)), await readFile(join(SHARED_FAST_DIR, manifestEntryOf(name).file)))).toBe(0);
    }
    expect(progress.at(-1)).toBe(2 * manifestEntryOf('scream').byteLength);
    expect([...installedFastNetworks(cacheDir)]).toEqual(['scream', 'wave']);
    // Cached and intact: nothing is fetched again.
    const before = server.requests.length;
    expect(await downloadFastNetworks({ baseUrl: server.url, cacheDir, networks: ['scream', 'wave'] })).toEqual([]);
    expect(server.requests).toHaveLength(before);
  });

  it('discards a network whose converted file fails the sha256 check, and writes nothing', async () => {
    const variable = await readFile(join(upstream, 'scream', 'Variable_20'));
    const corrupted = Uint8Array.from(variable);
    corrupted[7] = corrupted[7]! ^ 0xff;
    server = await startStaticServer(upstream, { 'scream/Variable_20': corrupted });
    await expect(downloadFastNetworks({ baseUrl: server.url, cacheDir, networks: ['scream'] })).rejects.toThrow(/converted scream network failed its sha256 check/);
    expect(existsSync(join(cacheDir, manifestEntryOf('scream').file))).toBe(false);
    expect(installedFastNetworks(cacheDir).size).toBe(0);
  });

  it('names the variable whose shape is not the layout the engine expects', async () => {
    const checkpoint = JSON.parse(await readFile(join(upstream, 'wave', 'manifest.json'), 'utf8')) as Record<string, { shape: number[] }>;
    checkpoint.Variable_3!.shape = [3, 3, 64, 32];
    server = await startStaticServer(upstream, { 'wave/manifest.json': new TextEncoder().encode(JSON.stringify(checkpoint)) });
    await expect(downloadFastNetworks({ baseUrl: server.url, cacheDir, networks: ['wave'] })).rejects.toThrow(/wave checkpoint's Variable_3 should have shape 3×3×32×64 \(conv2 weights\), but has 3×3×64×32/);
  });

  it('says where it could not connect, and how else to get the networks', async () => {
    server = await startStaticServer(upstream);
    const url = server.url;
    await server.close();
    server = undefined;
    await expect(downloadFastNetworks({ baseUrl: url, cacheDir, networks: ['scream'] })).rejects.toThrow(/Could not download .*scream\/manifest\.json.*IMPASTO_FAST_WEIGHTS_URL/);
  });
});
