import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumeDirsOf, type RunRequest } from '../../src/bot/jobs/engine-protocol.ts';
import { createResumeCopy } from '../../src/bot/jobs/redis/resume.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';

/**
 * What a job keeps so that another worker can carry on (a training checkpoint, a clip's finished
 * frames), through a real redis-server: the worker taking over a job gets the files its first
 * worker had finished, and nothing else.
 */
let redis: TestRedis;
let client: Redis;
let root: string;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  root = await mkdtemp(join(tmpdir(), 'impasto-resume-'));
}, 60_000);

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
  await rm(root, { recursive: true, force: true });
});

/** A worker's output paths for one attempt at a job, in a folder of its own (another machine's disk). */
async function outputOn(machine: string): Promise<RunRequest['output']> {
  const dir = join(root, machine);
  await mkdir(dir, { recursive: true });
  return { pngPath: join(dir, 'job.png'), gifPath: join(dir, 'job.gif'), mp4Path: join(dir, 'job.mp4') };
}

describe('resuming a job on another worker through Redis', () => {
  it('gives the next worker the training checkpoint and finished frames, not files still being written', async () => {
    const key = 'impasto:files:resume:train-1';
    const first = await outputOn('first');
    const { state, frames } = resumeDirsOf(first);
    await mkdir(state, { recursive: true });
    await mkdir(frames, { recursive: true });
    const checkpoint = Buffer.from(Array.from({ length: 4096 }, (_, index) => index % 251));
    await writeFile(join(state, 'train.checkpoint'), checkpoint);
    await writeFile(join(state, 'train.checkpoint.partial'), 'half written');
    await writeFile(join(frames, '0000.png'), 'frame zero');
    const saving = createResumeCopy(client, key, first, 60);
    await saving.save();
    expect((await client.hkeys(key)).sort()).toEqual(['frames/0000.png', 'state/train.checkpoint']);
    const ttl = await client.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);

    // A later checkpoint replaces the earlier one in Redis.
    const later = Buffer.concat([checkpoint, Buffer.from('step 6')]);
    await writeFile(join(state, 'train.checkpoint'), later);
    await saving.save();

    const second = await outputOn('second');
    const restoring = createResumeCopy(client, key, second, 60);
    expect(await restoring.restore()).toBe(2);
    expect((await readFile(join(resumeDirsOf(second).state, 'train.checkpoint'))).equals(later)).toBe(true);
    expect(await readFile(join(resumeDirsOf(second).frames, '0000.png'), 'utf8')).toBe('frame zero');
    expect(await readdir(resumeDirsOf(second).state)).toEqual(['train.checkpoint']);
  });

  it('puts back only what changed after a restore, and writes no field that would leave its folder', async () => {
    const key = 'impasto:files:resume:train-2';
    await client.hset(key, {
      'state/train.checkpoint': 'restored',
      'state/../../outside': 'escaped',
      'elsewhere/file': 'no such folder',
      'state/.hidden': 'dot file',
      'frames/a/b': 'too deep',
    });
    const output = await outputOn('third');
    const copy = createResumeCopy(client, key, output, 60);
    expect(await copy.restore()).toBe(1);
    expect(await readdir(join(root, 'third'))).toEqual(['job.png.state']);
    expect(await readdir(resumeDirsOf(output).state)).toEqual(['train.checkpoint']);

    // Restored files are in Redis already: a save with nothing new changes nothing there.
    await client.hset(key, 'state/train.checkpoint', 'newer in Redis');
    await copy.save();
    expect(await client.hget(key, 'state/train.checkpoint')).toBe('newer in Redis');
    // A file the engine rewrites goes back.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(join(resumeDirsOf(output).state, 'train.checkpoint'), 'step 9');
    await copy.save();
    expect(await client.hget(key, 'state/train.checkpoint')).toBe('step 9');
  });
});
