import { randomInt } from 'node:crypto';
import { access } from 'node:fs/promises';
import { DEFAULT_STRENGTH, hasRawWeights, RAW_WEIGHT_DEFAULTS, STRENGTH_RANGE } from '../../engine/options.ts';
import { BotError } from '../errors.ts';
import { describePosition, describeWeights } from '../format.ts';
import { styleSharesOf, type Job } from '../jobs/store.ts';
import type { BotServices } from '../services.ts';
import type { CommandContext, Reply } from './types.ts';

/** What a result's buttons change: another seed, or one step less or more like the painting. */
export type RerunChange = 'seed' | 'less' | 'more';

/** Runs a finished job again with one change, from the same images (if they have not expired). */
export async function rerunJob(services: Pick<BotServices, 'store' | 'queue'>, jobId: string, context: CommandContext, change: RerunChange): Promise<Reply> {
  const job = services.store.get(jobId);
  if (!job || job.requester.platform !== context.requester.platform) throw new BotError('unknown_job', `There is no job "${jobId}".`);
  const paths = [job.contentPath, ...styleSharesOf(job).map((share) => share.path), ...(job.maskPath ? [job.maskPath] : [])];
  if (!(await filesExist(paths))) throw new BotError('unknown_job', `The images of job ${jobId} have expired; send them again.`);
  const { method, contentPath, stylePath, styles, maskPath, styleLabel } = job;
  const options = { ...job.options, ...rerunOverrides(job.options, change) };
  const entry = await services.queue.submit(context.requester, () => ({ requester: context.requester, origin: context.origin, method, options, contentPath, stylePath, styles, maskPath, styleLabel }));
  return {
    text: `Queued job ${entry.job.id} (${styleLabel}, ${describeWeights(entry.job.options)}, seed ${String(entry.job.options.seed)}). ${describePosition(entry.position, entry.etaMs)}`,
    jobId: entry.job.id,
  };
}

/** A step of strength is 2 on the 1–10 scale; with raw weights, the style weight × or ÷ 3. */
export function rerunOverrides(options: Job['options'], change: RerunChange): Partial<Job['options']> {
  if (change === 'seed') return { seed: randomInt(0, 2 ** 31 - 1) };
  const direction = change === 'more' ? 1 : -1;
  if (hasRawWeights(options)) {
    return { seed: options.seed, styleWeight: (options.styleWeight ?? RAW_WEIGHT_DEFAULTS.style) * 3 ** direction };
  }
  const strength = Math.min(STRENGTH_RANGE.max, Math.max(STRENGTH_RANGE.min, (options.strength ?? DEFAULT_STRENGTH) + 2 * direction));
  return { seed: options.seed, strength };
}

async function filesExist(paths: readonly string[]): Promise<boolean> {
  try {
    await Promise.all(paths.map((path) => access(path)));
    return true;
  } catch {
    return false;
  }
}
