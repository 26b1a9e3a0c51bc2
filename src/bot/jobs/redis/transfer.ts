import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Redis } from 'ioredis';
import { readJobInput } from '../../files.ts';
import type { RunRequest } from '../engine-protocol.ts';
import { MAX_TRANSFER_BYTES, type FileRef, type RemoteJobData } from './remote-protocol.ts';
import { makeFolder } from '../../../make-folder.ts';

/**
 * Files between the bot and the workers, through Redis (no shared disk and no second port to
 * secure): one hash per job for its inputs, one for its results, each with a TTL, deleted by the
 * bot when the job ends.
 */

/** Puts a job's input files into its hash and returns the job's data for BullMQ. */
export async function uploadInputs(redis: Redis, key: string, request: RunRequest, ttlSeconds: number): Promise<RemoteJobData> {
  const files = new Map<string, Buffer>();
  const refOf = async (path: string): Promise<FileRef> => {
    const field = String(files.size);
    // A photo deleted while its job waited fails the job in words for its painter (`readJobInput`).
    files.set(field, await readBounded(path, readJobInput));
    return { field, name: `${field}-${basename(path)}` };
  };
  const { contentPath, styles, maskPath, background } = request.inputs;
  const data: RemoteJobData = {
    jobId: request.jobId,
    method: request.method,
    options: request.options,
    inputs: {
      content: await refOf(contentPath),
      styles: await Promise.all(styles.map(async ({ path, weight }) => ({ file: await refOf(path), weight }))),
      mask: maskPath ? await refOf(maskPath) : undefined,
      background: background ? await Promise.all(background.map(async ({ path, weight }) => ({ file: await refOf(path), weight }))) : undefined,
    },
  };
  await redis.multi().del(key).hset(key, files).expire(key, ttlSeconds).exec();
  return data;
}

/** Writes a job's inputs into `dir` and returns the request an engine runs, with its results in `dir` too. */
export async function downloadInputs(redis: Redis, key: string, data: RemoteJobData, dir: string): Promise<RunRequest> {
  await makeFolder(dir);
  const files = await redis.hgetallBuffer(key);
  const pathOf = async (ref: FileRef): Promise<string> => {
    const bytes = files[ref.field];
    if (!bytes) throw new Error(`input ${ref.name} of job ${data.jobId} is not in Redis (expired or lost)`);
    const path = join(dir, basename(ref.name));
    await writeFile(path, bytes);
    return path;
  };
  const { content, styles, mask, background } = data.inputs;
  return {
    type: 'run',
    jobId: data.jobId,
    method: data.method,
    options: data.options,
    inputs: {
      contentPath: await pathOf(content),
      styles: await Promise.all(styles.map(async ({ file, weight }) => ({ path: await pathOf(file), weight }))),
      maskPath: mask ? await pathOf(mask) : undefined,
      background: background ? await Promise.all(background.map(async ({ file, weight }) => ({ path: await pathOf(file), weight }))) : undefined,
    },
    output: { pngPath: join(dir, 'result.png'), gifPath: join(dir, 'result.gif'), mp4Path: join(dir, 'result.mp4') },
  };
}

const OUTPUT_FIELDS = ['png', 'gif', 'mp4'] as const;
type OutputField = (typeof OUTPUT_FIELDS)[number];
const pathOfField = (output: RunRequest['output'], field: OutputField) => ({ png: output.pngPath, gif: output.gifPath, mp4: output.mp4Path })[field];

/** Puts a finished job's result files into its output hash (the MP4 only for a video clip). */
export async function uploadOutputs(redis: Redis, key: string, output: RunRequest['output'], video: boolean, ttlSeconds: number): Promise<void> {
  const files = new Map<string, Buffer>();
  for (const field of OUTPUT_FIELDS) if (field !== 'mp4' || video) files.set(field, await readBounded(pathOfField(output, field)));
  await redis.multi().del(key).hset(key, files).expire(key, ttlSeconds).exec();
}

/** Writes a job's results where the bot keeps them. */
export async function downloadOutputs(redis: Redis, key: string, output: RunRequest['output'], video: boolean): Promise<void> {
  const files = await redis.hgetallBuffer(key);
  for (const field of OUTPUT_FIELDS) {
    if (field === 'mp4' && !video) continue;
    const bytes = files[field];
    if (!bytes) throw new Error(`result ${field} is not in Redis (expired or lost)`);
    await writeFile(pathOfField(output, field), bytes);
  }
}

async function readBounded(path: string, read: (path: string) => Promise<Buffer> = readFile): Promise<Buffer> {
  const bytes = await read(path);
  if (bytes.byteLength > MAX_TRANSFER_BYTES) throw new Error(`${basename(path)} is ${bytes.byteLength} bytes, over the ${MAX_TRANSFER_BYTES}-byte limit of a file sent through Redis`);
  return bytes;
}
