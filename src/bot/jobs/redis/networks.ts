import type { Redis } from 'ioredis';
import { readTrainedNetworkFiles, trainedNetworkSha256, writeTrainedNetworkFiles } from '../../../engine/fast/trained.ts';

/**
 * Networks trained here, between the bot and the workers, through Redis as a job's files are (no
 * shared disk): one hash per network with its sha256, description and weights (6.7 MB), kept
 * without a TTL, since a style uses its network for as long as it exists. Each side keeps its own
 * copy in its trained-networks folder and fetches a network again only when its sha256 changed
 * (the style was trained again).
 */

/** Puts the network from `dir` into Redis, unless Redis has this very one; a network missing from `dir` is left to the engine to report. */
export async function publishNetwork(redis: Redis, key: string, dir: string, name: string): Promise<void> {
  const sha256 = await trainedNetworkSha256(dir, name);
  if (!sha256 || (await redis.hget(key, 'sha256')) === sha256) return;
  const files = await readTrainedNetworkFiles(dir, name);
  if (!files) return;
  await redis.multi().del(key).hset(key, { sha256, description: files.description, weights: files.weights }).exec();
}

/** Writes the network from Redis into `dir`, unless `dir` has this very one; one Redis lacks is left to the engine to report. */
export async function fetchNetwork(redis: Redis, key: string, dir: string, name: string): Promise<void> {
  const sha256 = await redis.hget(key, 'sha256');
  if (!sha256 || (await trainedNetworkSha256(dir, name)) === sha256) return;
  const [description, weights] = await redis.hmgetBuffer(key, 'description', 'weights');
  if (!description || !weights) return;
  await writeTrainedNetworkFiles(dir, name, { description, weights });
}
