import { randomInt } from 'node:crypto';
import { access } from 'node:fs/promises';
import type { MethodName } from '../../engine/methods/index.ts';
import { BotError } from '../errors.ts';
import { describePosition, describeWeights } from '../format.ts';
import { rerunChangesFor, stepStrength, type RerunChange } from '../job-messages.ts';
import { isOfCommunity, strengthOf, uploadsOf, type Job, type JobOptions } from '../jobs/store.ts';
import type { BotServices } from '../services.ts';
import type { CommandContext, Reply } from './types.ts';

export type { RerunChange } from '../job-messages.ts';

/** How long a second press of the same button by the same member is taken for a double press. */
const DOUBLE_PRESS_MS = 5_000;

/** A press being answered: when it came, and once queued, its job. */
interface Press {
  readonly at: number;
  jobId?: string | undefined;
}

/**
 * `rerunJob` with double presses caught: the same member pressing the same button of the same
 * picture again within `DOUBLE_PRESS_MS`, while the first press's job is being queued or still
 * waits or runs, is told so instead of queueing the same picture twice (Discord and Slack send each
 * press of a button as its own interaction, and a double click is two).
 */
export function createRerun(services: Pick<BotServices, 'store' | 'queue' | 'limits'>, now: () => number = Date.now) {
  const presses = new Map<string, Press>();
  return async (jobId: string, context: CommandContext, change: RerunChange): Promise<Reply> => {
    const key = `${context.requester.platform}:${context.requester.userId}|${jobId}|${change}`;
    for (const [other, press] of presses) if (now() - press.at > DOUBLE_PRESS_MS) presses.delete(other);
    const earlier = presses.get(key);
    if (earlier) {
      const job = earlier.jobId === undefined ? undefined : services.store.get(earlier.jobId);
      if (earlier.jobId === undefined || job?.status === 'queued' || job?.status === 'running') {
        throw new BotError('limit_reached', earlier.jobId === undefined ? 'You pressed that a moment ago: it is being queued.' : `You pressed that a moment ago: it is job ${earlier.jobId}.`);
      }
    }
    // Taken before anything is awaited, so that two presses at once cannot both pass.
    const press: Press = { at: now() };
    presses.set(key, press);
    try {
      const reply = await rerunJob(services, jobId, context, change);
      press.jobId = reply.jobId;
      return reply;
    } catch (error) {
      if (presses.get(key) === press) presses.delete(key);
      throw error;
    }
  };
}

/** Runs a finished job again with one change, from the same images (if they have not expired). */
export async function rerunJob(services: Pick<BotServices, 'store' | 'queue' | 'limits'>, jobId: string, context: CommandContext, change: RerunChange): Promise<Reply> {
  const job = services.store.get(jobId);
  if (!job || !isOfCommunity(job.requester, context.requester)) throw new BotError('unknown_job', `There is no job "${jobId}".`);
  if (!rerunChangesFor(job).includes(change)) throw new BotError('invalid_option', `Job ${jobId} cannot be painted again that way.`);
  const { contentPath, stylePath, styles, maskPath, styleLabel, background } = job;
  // The photo stays its poster's: whoever repaints it, they may remove the new picture too.
  const photoOwner = job.photoOwner ?? job.requester.userId;
  const { method, options } = rerunOf(job, change, services.limits.defaultIterations);
  const filesThere = await filesExist(uploadsOf(job));
  const entry = await services.queue.submit(context.requester, () => {
    // Checked as the new job is written (nothing else runs between here and its row: `submit` calls
    // this at once, and the job's files are its own already): a picture removed while its files were
    // checked, or whose photo's owner was forgotten, is not painted again. A flood found such a repaint
    // queued with its photo deleted under it.
    if (!services.store.get(jobId)) throw new BotError('unknown_job', `Job ${jobId} was removed just now, so it was not painted again.`);
    if (!filesThere) throw new BotError('unknown_job', `The images of job ${jobId} have expired; send them again.`);
    return { requester: context.requester, origin: context.origin, method, options, contentPath, stylePath, styles, maskPath, styleLabel, photoOwner, background };
  });
  const seed = method === 'fast' ? '' : `, seed ${String(entry.job.options.seed)}`;
  return {
    text: `Queued job ${entry.job.id} (${styleLabel}, ${method === 'best' ? 'painted properly from the fast picture, ' : ''}${describeWeights(entry.job)}${seed}). ${describePosition(entry)}`,
    jobId: entry.job.id,
  };
}

/**
 * The job to queue for a button: its method and options. Less and More style take a step (see
 * `stepStrength`; the button is offered only where one is left). "Paint it properly" is the
 * optimisation of the same photo and painting started from the network's picture, with the bot's
 * usual optimisation options and the picture's strength: at the optimisation's default (5) it pulled
 * the network's picture most of the way back to the photo (the Great Wave's waves gone from the
 * grass), at 10 it keeps them and sharpens the subject (README, "Paint it properly").
 */
export function rerunOf(job: Pick<Job, 'method' | 'options'>, change: RerunChange, defaultIterations: number): { method: MethodName; options: JobOptions } {
  const { method, options } = job;
  if (change === 'best') {
    const { network, backgroundNetwork, target, size, preserveColors, clipFrames } = options;
    return { method: 'best', options: { network, backgroundNetwork, target, size, preserveColors, clipFrames, strength: strengthOf(job), iterations: defaultIterations, seed: randomSeed() } };
  }
  if (change === 'seed') return { method, options: { ...options, seed: randomSeed() } };
  const stepped = stepStrength(job, change === 'more' ? 1 : -1);
  if (!stepped) throw new BotError('invalid_option', `This picture cannot take ${change === 'more' ? 'more' : 'less'} of the painting.`);
  return { method, options: stepped };
}

function randomSeed(): number {
  return randomInt(0, 2 ** 31 - 1);
}

async function filesExist(paths: readonly string[]): Promise<boolean> {
  try {
    await Promise.all(paths.map((path) => access(path)));
    return true;
  } catch {
    return false;
  }
}
