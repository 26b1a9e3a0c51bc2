/**
 * Training fast networks for library styles (`/style train`): a queued background job on the
 * training lane, learning from the operator's photo folder (IMPASTO_TRAINING_PHOTOS_DIR, never users'
 * uploads). When it succeeds, the style is linked to its network and is fast from then on. When the
 * style is removed, its network goes too, once no queued or running job needs it.
 */
import { copyFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { deleteTrainedNetwork } from '../../engine/fast/trained.ts';
import { trainedNetworkName, trainedNetworkOption } from '../../engine/option-spec.ts';
import { trainedNetworksOf } from '../../engine/methods/options.ts';
import { sampleOfTrainingPhotos } from '../../engine/train/photos.ts';
import { BotError } from '../errors.ts';
import type { DataDirs } from '../files.ts';
import type { JobEvent, JobQueue, QueueEntry } from '../jobs/queue.ts';
import type { Job, JobOrigin, Requester } from '../jobs/store.ts';
import type { Style, StyleLibrary } from './library.ts';
import { messageOf } from '../../error-message.ts';

export interface TrainingSettings {
  /** Unset: training is off on this bot. */
  readonly photosDir: string | undefined;
  readonly steps: number;
  readonly size: number;
  readonly batch: number;
}

export interface StyleTrainingDeps {
  readonly queue: JobQueue;
  readonly library: StyleLibrary;
  readonly dirs: DataDirs;
  readonly settings: TrainingSettings;
  /** The bot's own trained networks (IMPASTO_TRAINED_NETWORKS_DIR). */
  readonly trainedNetworksDir: string;
  /** Queued and running jobs: the networks they name are kept. */
  readonly liveJobs: () => readonly Job[];
  /** Drops the engines' shared copy of a network (Redis's; nothing for local engines). */
  readonly releaseNetwork: (name: string) => Promise<void>;
  /** Tells the operator's log what only they can mend (the training photo folder). */
  readonly tellOperator: (message: string) => void;
  /** Where a failed clean-up is reported (it is tried again after the next job). */
  readonly onCleanUpError: (error: unknown) => void;
}

export class StyleTraining {
  /** The clean-ups, one after another: one asked for during another sweeps again, seeing what changed. */
  private sweeps: Promise<unknown> = Promise.resolve();
  /** Networks whose training is being submitted (checked and added with nothing awaited between). */
  private readonly submitting = new Set<string>();

  constructor(private readonly deps: StyleTrainingDeps) {}

  get defaultSteps(): number {
    return this.deps.settings.steps;
  }

  /** Queues the training of a community's style (its own, or a shared one it sees). */
  async submit(requester: Requester, origin: JobOrigin, styleName: string, steps = this.deps.settings.steps): Promise<QueueEntry & { readonly style: Style }> {
    const { photosDir, size, batch } = this.deps.settings;
    if (!photosDir) throw new BotError('invalid_option', 'Training is not set up on this bot: its operator sets IMPASTO_TRAINING_PHOTOS_DIR to a folder of photos (a few thousand, such as MS COCO).', 'name');
    const style = this.deps.library.in(requester.community).resolve(styleName, 'name');
    const saveAs = trainedNetworkOption(networkNameFor(requester.community, style.name));
    // Two trainings of one network would spend hours each, and the later would overwrite the other.
    this.refuseIfTraining(style, saveAs);
    this.submitting.add(saveAs);
    try {
      const sample = await sampleOfTrainingPhotos(photosDir).catch((error: unknown) => {
        // The folder and its path are the operator's: they read why in the log, the moderator that it is theirs to mend.
        this.deps.tellOperator(`/style train refused: ${messageOf(error)}`);
        throw new BotError('invalid_option', 'Training cannot start: this bot’s training photos cannot be used right now (its operator’s log says why).', 'name');
      });
      const entry = await this.deps.queue.submit(requester, async () => {
        // The job's own copy of the sample, as every job has of its photo.
        const contentPath = join(this.deps.dirs.uploads, `sample-${randomUUID()}${extname(sample.path).toLowerCase()}`);
        await copyFile(sample.path, contentPath);
        // About ten samples for the GIF, and a checkpoint at least as often (a restart loses at most that).
        const every = Math.max(1, Math.floor(steps / 10));
        const options = { steps, size, batch, checkpointEvery: Math.min(25, every), sampleEvery: Math.min(200, every), saveAs };
        return { requester, origin, method: 'train', options, contentPath, stylePath: style.path, styleLabel: style.name };
      });
      return { ...entry, style };
    } finally {
      this.submitting.delete(saveAs);
    }
  }

  /** Refuses a second training of a network that is queued, running, or being submitted right now. */
  private refuseIfTraining(style: Style, saveAs: string): void {
    const training = this.deps.liveJobs().find((job) => job.method === 'train' && job.options.saveAs === saveAs);
    if (training || this.submitting.has(saveAs)) {
      throw new BotError('limit_reached', `"${style.name}" is already being trained${training ? ` (job ${training.id})` : ''}; cancel that job first to train it again.`, 'name');
    }
  }

  /**
   * A training that succeeded links its style (by name, as its community sees it: the job holds a
   * copy of the image) to the new network, before anyone is told.
   */
  handleJobEvent(event: JobEvent): void {
    const { job } = event;
    if (event.type === 'succeeded' && job.method === 'train' && job.options.saveAs) {
      const style = this.deps.library.in(job.requester.community).get(job.styleLabel);
      if (style) this.deps.library.linkNetwork(style, job.options.saveAs);
    }
    // A finished job may have been the last to need a removed style's network.
    if (event.type === 'succeeded' || event.type === 'failed' || event.type === 'cancelled') void this.deleteReleasedNetworks();
  }

  /**
   * A community's style was removed: its trained network (linked, or being trained under the name
   * this bot gives it) is released, and deleted at once unless a queued or running job needs it.
   */
  async releaseNetworksOf(community: string, style: Pick<Style, 'name' | 'network'>): Promise<void> {
    this.deps.library.releaseNetworks(networksOfStyle(community, style.name, style.network));
    await this.deleteReleasedNetworks();
  }

  /**
   * Deletes released networks that no style is linked to again and no queued or running job names
   * (uses, or is training); returns their names. One clean-up at a time; errors go to `onCleanUpError`.
   */
  deleteReleasedNetworks(): Promise<string[]> {
    const sweep = this.sweeps.then(() => this.sweepReleasedNetworks()).catch((error: unknown) => {
      this.deps.onCleanUpError(error);
      return [];
    });
    this.sweeps = sweep;
    return sweep;
  }

  private async sweepReleasedNetworks(): Promise<string[]> {
    const { library } = this.deps;
    const released = library.releasedNetworks();
    if (released.length === 0) return [];
    const needed = new Set(this.deps.liveJobs().flatMap((job) => {
      const { uses, makes } = trainedNetworksOf(job.method, job.options);
      return [...uses, ...(makes ? [makes] : [])];
    }));
    const deleted: string[] = [];
    for (const network of released) {
      const name = trainedNetworkName(network);
      if (!name || library.isNetworkLinked(network)) {
        library.dropRelease(network);
        continue;
      }
      if (needed.has(name)) continue;
      await deleteTrainedNetwork(this.deps.trainedNetworksDir, name);
      await this.deps.releaseNetwork(name);
      library.dropRelease(network);
      deleted.push(name);
    }
    return deleted;
  }
}

/**
 * The trained networks that go with a community's style: the one this bot trains for it (which may
 * be in training now) and the one it is linked to, if that is a trained one (pretrained networks
 * stay: they are the program's).
 */
export function networksOfStyle(community: string, name: string, linkedNetwork: string | undefined): string[] {
  const networks = [trainedNetworkOption(networkNameFor(community, name)), ...(linkedNetwork && trainedNetworkName(linkedNetwork) ? [linkedNetwork] : [])];
  return [...new Set(networks)];
}

/** A network's file name: the community and the style (two communities may each have a "starry-night"). */
function networkNameFor(community: string, style: string): string {
  const prefix = community === '*' ? 'shared' : community.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `${prefix}-${style}`.slice(0, 64);
}
