import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { UploadedImage } from '../../src/bot/commands/types.ts';
import { contextFor, startTestBot, waitForEnd } from '../helpers/bot.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { sharedImagePath } from '../helpers/shared.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/workers.ts';

/**
 * Networks trained for the library's styles, with the bot and a worker on separate disks (a real
 * redis-server, the bot in this process, a real `impasto worker` with its own networks folder):
 * a network trained on the worker comes back to the bot, and a worker that lacks the network a
 * job paints with gets it through Redis.
 */
const TINY = { IMPASTO_TRAINING_SIZE: '32', IMPASTO_TRAINING_BATCH: '2', IMPASTO_TRAINING_STEPS: '4' };
const moderator = contextFor('mod', { isModerator: true });

let redis: TestRedis;
let photosDir: string;
let workerNetworks: string;
let harness: Awaited<ReturnType<typeof startTestBot>>;
let worker: WorkerProcess;
let photo: UploadedImage;

beforeAll(async () => {
  redis = await startRedis();
  photosDir = await mkdtemp(join(tmpdir(), 'impasto-training-photos-'));
  await copyFile(sharedImagePath('content_tubingen.jpg'), join(photosDir, 'a-sample.jpg'));
  for (const name of ['content_beach_kites.jpg', 'content_dog.jpg']) await symlink(sharedImagePath(name), join(photosDir, name));
  workerNetworks = await mkdtemp(join(tmpdir(), 'impasto-worker-networks-'));
  harness = await startTestBot({ REDIS_URL: redis.url, ...TINY, IMPASTO_TRAINING_PHOTOS_DIR: photosDir });
  worker = await startWorkerProcess(redis.url, 'trainer', { IMPASTO_WORKER_LANES: 'fast,train', ...TINY, IMPASTO_TRAINING_PHOTOS_DIR: photosDir, IMPASTO_TRAINED_NETWORKS_DIR: workerNetworks });
  photo = { bytes: new Uint8Array(await sharp(sharedImagePath('content_dog.jpg')).resize(96).jpeg().toBuffer()), name: 'dog.jpg' };
}, 120_000);

afterAll(async () => {
  await harness?.stop();
  worker?.child.kill('SIGTERM');
  await worker?.exited();
  await redis?.stop();
  await rm(photosDir, { recursive: true, force: true });
  await rm(workerNetworks, { recursive: true, force: true });
}, 60_000);

/** The network's two files as one hex digest (a deep equality of 6.7 MB would hold the test worker for minutes). */
const digestOf = async (dir: string, name: string) => {
  const hash = createHash('sha256');
  for (const file of [`${name}.json`, `${name}.f32.bin`]) hash.update(await readFile(join(dir, file)));
  return hash.digest('hex');
};

async function paintWithStyle(style: string): Promise<void> {
  const reply = await harness.bot.execute('stylize', { content: photo, style_name: style }, contextFor('alice'));
  const ended = await waitForEnd(harness.events, harness.bot, reply.jobId!);
  expect(ended.type === 'failed' ? ended.message : ended.type).toBe('succeeded');
  expect(harness.bot.job(reply.jobId!)).toMatchObject({ method: 'fast', options: { network: 'trained:web-starry' } });
}

describe('trained networks through Redis', () => {
  it('brings a network trained on a worker back to the bot, and gives it to a worker that lacks it', async () => {
    const painting: UploadedImage = { bytes: new Uint8Array(await sharp(sharedImagePath('style_starry_night.jpg')).resize(96).jpeg().toBuffer()), name: 'starry.jpg' };
    expect((await harness.bot.execute('style add', { name: 'starry', image: painting }, moderator)).refusal).toBeUndefined();
    const training = await harness.bot.execute('style train', { name: 'starry' }, moderator);
    const trained = await waitForEnd(harness.events, harness.bot, training.jobId!);
    expect(trained.type === 'failed' ? trained.message : trained.type).toBe('succeeded');

    // Trained on the worker, saved there, and now the bot's too: the style is fast on the bot.
    const botNetworks = join(harness.dataDir, 'networks');
    const onWorker = await digestOf(workerNetworks, 'web-starry');
    expect(await digestOf(botNetworks, 'web-starry')).toEqual(onWorker);
    expect(harness.bot.library.in(moderator.requester.community).get('starry')!.network).toBe('trained:web-starry');

    // A worker without the network (a new machine) gets it from Redis for the job.
    await rm(join(workerNetworks, 'web-starry.f32.bin'));
    await rm(join(workerNetworks, 'web-starry.json'));
    await paintWithStyle('starry');
    expect(await digestOf(workerNetworks, 'web-starry')).toEqual(onWorker);

    // Redis lost it as well (emptied, or a network trained before scale-out): the bot sends its own.
    const client = new Redis(redis.url);
    await client.del('impasto:networks:web-starry');
    client.disconnect();
    await rm(join(workerNetworks, 'web-starry.f32.bin'));
    await rm(join(workerNetworks, 'web-starry.json'));
    expect(existsSync(join(workerNetworks, 'web-starry.json'))).toBe(false);
    await paintWithStyle('starry');
    expect(await digestOf(workerNetworks, 'web-starry')).toEqual(onWorker);

    // The style removed (no job needs its network any more): gone from the bot's folder and from Redis.
    expect((await harness.bot.execute('style remove', { name: 'starry' }, moderator)).text).toMatch(/Removed style "starry"/);
    const checker = new Redis(redis.url);
    try {
      await vi.waitFor(async () => expect(await checker.exists('impasto:networks:web-starry')).toBe(0), { timeout: 15_000 });
    } finally {
      checker.disconnect();
    }
    expect(existsSync(join(botNetworks, 'web-starry.json')) || existsSync(join(botNetworks, 'web-starry.f32.bin'))).toBe(false);
    // And from the worker's own folder, told through Redis.
    await vi.waitFor(() => expect(existsSync(join(workerNetworks, 'web-starry.json')) || existsSync(join(workerNetworks, 'web-starry.f32.bin'))).toBe(false), { timeout: 15_000 });
  });
});
