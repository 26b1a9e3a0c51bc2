import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_NETWORKS, installedFastNetworks, manifestEntryOf } from '../../src/engine/fast/manifest.ts';
import { runImpasto } from '../helpers/app.ts';
import { SHARED_FAST_DIR, SHARED_SEGMENTATION_DIR } from '../helpers/shared.ts';
import { startStaticServer } from '../helpers/static-server.ts';
import { startVggUpstream, writeFastUpstream } from '../helpers/upstreams.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `impasto weights download` against local stand-ins for both upstreams, with the three folders set. */
describe('impasto weights download', () => {
  it('downloads each set into the folder its variable names, where the engine reads it alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'impasto-weights-cli-'));
    const fastUpstream = await writeFastUpstream(FAST_NETWORKS);
    cleanups.push(() => rm(dir, { recursive: true, force: true }), () => rm(fastUpstream, { recursive: true, force: true }));
    const vggServer = await startVggUpstream();
    const fastServer = await startStaticServer(fastUpstream);
    cleanups.push(() => vggServer.close(), () => fastServer.close());
    const folders = { IMPASTO_WEIGHTS_DIR: join(dir, 'vgg19'), IMPASTO_FAST_WEIGHTS_DIR: join(dir, 'fast'), IMPASTO_SEGMENTATION_WEIGHTS_DIR: SHARED_SEGMENTATION_DIR };
    const download = () => runImpasto(['weights', 'download', '--url', vggServer.url, '--fast-url', fastServer.url], { env: folders, timeoutMs: 120_000 });

    expect(await download()).toEqual({
      code: 0,
      stderr: [
        `the VGG-19 weights are in ${folders.IMPASTO_WEIGHTS_DIR}`,
        `the fast networks are in ${folders.IMPASTO_FAST_WEIGHTS_DIR} (fetched ${FAST_NETWORKS.join(', ')})`,
        `the person-segmentation model is in ${SHARED_SEGMENTATION_DIR}`,
        '',
      ].join('\n'),
    });
    expect(existsSync(join(folders.IMPASTO_WEIGHTS_DIR, 'model.json'))).toBe(true);
    expect(existsSync(join(folders.IMPASTO_WEIGHTS_DIR, 'group16-shard3of3'))).toBe(true);
    expect([...installedFastNetworks(folders.IMPASTO_FAST_WEIGHTS_DIR)]).toEqual([...FAST_NETWORKS]);
    const wave = manifestEntryOf('wave').file;
    expect(Buffer.compare(await readFile(join(folders.IMPASTO_FAST_WEIGHTS_DIR, wave)), await readFile(join(SHARED_FAST_DIR, wave)))).toBe(0);

    // Again: what is there and intact is kept (VGG-19's shards are checked, not fetched).
    const [vggBefore, fastBefore] = [vggServer.requests.length, fastServer.requests.length];
    const again = await download();
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`the fast networks are in ${folders.IMPASTO_FAST_WEIGHTS_DIR} (all were there already)`);
    expect(vggServer.requests.slice(vggBefore)).toEqual(['model.json']);
    expect(fastServer.requests.length).toBe(fastBefore);
  }, 180_000);
});
