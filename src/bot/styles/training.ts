/**
 * Training fast networks for library styles (`/style train`): a queued background job on the
 * training lane, learning from the operator's photo folder (IMPASTO_TRAINING_PHOTOS_DIR, never users'
 * uploads). When it succeeds, the style is linked to its network and is fast from then on.
 */
import { copyFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { sampleOfTrainingPhotos } from '../../engine/train/photos.ts';
import { BotError } from '../errors.ts';
import type { DataDirs } from '../files.ts';
import type { JobEvent, JobQueue, QueueEntry } from '../jobs/queue.ts';
import type { JobOrigin, Requester } from '../jobs/store.ts';
import type { Style, StyleLibrary } from './library.ts';

export interface TrainingSettings {
  /** Unset: training is off on this bot. */
  readonly photosDir: string | undefined;
  readonly steps: number;
  readonly size: number;
  readonly batch: number;
}

export class StyleTraining {
  constructor(
    private readonly deps: { readonly queue: JobQueue; readonly library: StyleLibrary; readonly dirs: DataDirs; readonly settings: TrainingSettings },
  ) {}

  get defaultSteps(): number {
    return this.deps.settings.steps;
  }

  /** Queues the training of a community's style (its own, or a shared one it sees). */
  async submit(requester: Requester, origin: JobOrigin, styleName: string, steps = this.deps.settings.steps): Promise<QueueEntry & { readonly style: Style }> {
    const { photosDir, size, batch } = this.deps.settings;
    if (!photosDir) throw new BotError('invalid_option', 'Training is not set up on this bot: its operator sets IMPASTO_TRAINING_PHOTOS_DIR to a folder of photos (a few thousand, such as MS COCO).', 'name');
    const style = this.deps.library.in(requester.community).resolve(styleName, 'name');
    const sample = await sampleOfTrainingPhotos(photosDir).catch((error: unknown) => {
      throw new BotError('invalid_option', `Training cannot start: ${error instanceof Error ? error.message : String(error)}`, 'name');
    });
    const entry = await this.deps.queue.submit(requester, async () => {
      // The job's own copy of the sample, as every job has of its photo.
      const contentPath = join(this.deps.dirs.uploads, `sample-${randomUUID()}${extname(sample.path).toLowerCase()}`);
      await copyFile(sample.path, contentPath);
      // About ten samples for the GIF, and a checkpoint at least as often (a restart loses at most that).
      const every = Math.max(1, Math.floor(steps / 10));
      const options = { steps, size, batch, checkpointEvery: Math.min(25, every), sampleEvery: Math.min(200, every), saveAs: `trained:${networkNameFor(requester.community, style.name)}` };
      return { requester, origin, method: 'train', options, contentPath, stylePath: style.path, styleLabel: style.name };
    });
    return { ...entry, style };
  }

  /**
   * A training that succeeded links its style (by name, as its community sees it: the job holds a
   * copy of the image) to the new network, before anyone is told.
   */
  handleJobEvent(event: JobEvent): void {
    const { job } = event;
    if (event.type !== 'succeeded' || job.method !== 'train' || !job.options.saveAs) return;
    const style = this.deps.library.in(job.requester.community).get(job.styleLabel);
    if (style) this.deps.library.linkNetwork(style, job.options.saveAs);
  }
}

/** A network's file name: the community and the style (two communities may each have a "starry-night"). */
function networkNameFor(community: string, style: string): string {
  const prefix = community === '*' ? 'shared' : community.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `${prefix}-${style}`.slice(0, 64);
}
