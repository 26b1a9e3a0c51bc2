/**
 * What to tell a user about their job, once for every platform: a job event (or a job's state, for a
 * page that opens later) becomes platform-neutral message parts. Adapters only map the parts to
 * Discord messages, Slack blocks or HTML. Imports nothing that needs Node: the web page bundles it.
 */
import { describeParameters, describePosition, describeScale, formatDuration, formatEta, progressBar } from './format.ts';
import type { JobEvent, QueuePlace } from './jobs/queue.ts';
import { hasRawWeights, RAW_WEIGHT_DEFAULTS, STRENGTH_RANGE, STYLIZE_OPTIONS } from '../engine/options.ts';
import { strengthOf, wasInterrupted, type Job, type JobOptions, type JobProgress } from './jobs/store.ts';

/** A button under the message: cancel a waiting or running job, or paint a finished one again with one change. */
export type JobAction =
  | { readonly kind: 'cancel'; readonly label: string; readonly jobId: string }
  | { readonly kind: 'rerun'; readonly change: RerunChange; readonly label: string; readonly jobId: string }
  | { readonly kind: 'remove'; readonly label: string; readonly jobId: string };

/** The result files that go with a finished job's message. */
export interface ResultFile {
  readonly kind: 'png' | 'gif' | 'mp4';
  readonly name: string;
  /** What it shows, for people who cannot see it: Discord's attachment description, Slack's alt text, the page's `alt`. */
  readonly description: string;
}

export interface JobMessage {
  /** One line of plain text: what is happening now. */
  readonly text: string;
  /** The parameters a finished picture was made with. */
  readonly details?: string | undefined;
  /** The image as it is now (a small JPEG), while painting. */
  readonly preview?: Uint8Array | undefined;
  readonly files: readonly ResultFile[];
  readonly actions: readonly JobAction[];
  /** The job is over: nothing will follow this message. */
  readonly final: boolean;
  /**
   * The user must see it even where the original reply can no longer be edited (a Discord token
   * expires after 15 minutes): the result and a failure are; progress is not.
   */
  readonly mustArrive: boolean;
}

/**
 * The buttons under a finished picture, in order: the same picture with less or more of the
 * painting, another seed, or (after a fast result) the optimisation started from it.
 */
export const RERUN_CHANGES = [
  { change: 'less', label: 'Less style' },
  { change: 'more', label: 'More style' },
  { change: 'seed', label: 'Again with another seed' },
  { change: 'best', label: 'Paint it properly' },
] as const;

/** What a result's button changes. */
export type RerunChange = (typeof RERUN_CHANGES)[number]['change'];

/** The change a button's id names, if any (platform ids carry it as text). */
export function rerunChangeNamed(text: string): RerunChange | undefined {
  return RERUN_CHANGES.find(({ change }) => change === text)?.change;
}

/**
 * The buttons a finished job offers: Less and More style only where a step is left (see
 * `stepStrength`), and a seed for the optimisation, where a fast picture offers the optimisation
 * itself instead.
 */
export function rerunChangesFor(job: Pick<Job, 'method' | 'options'>): RerunChange[] {
  if (job.method === 'train') return [];
  const changes: RerunChange[] = [];
  if (stepStrength(job, -1)) changes.push('less');
  if (stepStrength(job, 1)) changes.push('more');
  // A network has no seed; its picture can be painted properly instead.
  changes.push(job.method === 'fast' ? 'best' : 'seed');
  return changes;
}

/**
 * The job's options one step less (-1) or more (1) like the painting, or `undefined` where no step
 * is left: a step of strength is 2 on the 1–10 scale (at 10 a fast picture is the network alone);
 * with raw weights, the style weight × or ÷ 3, up to the most the engine takes (a style weight of 0
 * has no step).
 */
export function stepStrength(job: Pick<Job, 'method' | 'options'>, direction: 1 | -1): JobOptions | undefined {
  const { options } = job;
  if (hasRawWeights(options)) {
    const styleWeight = options.styleWeight ?? RAW_WEIGHT_DEFAULTS.style;
    const next = styleWeight * 3 ** direction;
    return styleWeight > 0 && next <= STYLIZE_OPTIONS.styleWeight.max ? { ...options, styleWeight: next } : undefined;
  }
  const strength = strengthOf(job);
  const next = Math.min(STRENGTH_RANGE.max, Math.max(STRENGTH_RANGE.min, strength + 2 * direction));
  return next === strength ? undefined : { ...options, strength: next };
}

/**
 * Remove, under a picture painted from someone else's posted photo: its owner (or the requester, or a
 * moderator) takes it down.
 */
export const removeAction = (job: Pick<Job, 'id'>): JobAction => ({ kind: 'remove', label: 'Remove', jobId: job.id });

/** The Cancel button of a waiting or running job. */
export const cancelAction = (job: Pick<Job, 'id'>): JobAction => ({ kind: 'cancel', label: 'Cancel', jobId: job.id });
const rerunActions = (job: Pick<Job, 'id' | 'method' | 'options'>): JobAction[] =>
  rerunChangesFor(job).map((change) => ({ kind: 'rerun', change, label: RERUN_CHANGES.find((entry) => entry.change === change)!.label, jobId: job.id }));

/** What a job event says. */
export function messageForEvent(event: JobEvent): JobMessage {
  const { job } = event;
  switch (event.type) {
    case 'queued':
      return waiting(queuedText(job, event), job);
    case 'resumed':
      return waiting(`The bot restarted while job ${job.id} ran; it starts again from the beginning. ${describePosition(event)}`, job);
    case 'started':
      return waiting(startedText(job), job);
    case 'progress':
      return { ...waiting(progressText(job, event.progress), job), preview: event.preview };
    case 'succeeded':
      return succeeded(job);
    case 'failed':
      return ended(`Job ${job.id} failed: ${event.message}`, true);
    case 'cancelled':
      return ended(`Job ${job.id} was cancelled${job.cancelledByModerator ? ' by a moderator' : ''}.`, false);
  }
}

/** What a job's current state says (a page opened after the events): `place` is its queue entry while it waits or runs. */
export function messageForJob(job: Job, place?: QueuePlace): JobMessage {
  const restarted = wasInterrupted(job) ? ' (The bot restarted while this job ran; it started again from the beginning.)' : '';
  switch (job.status) {
    case 'queued':
      return waiting(`${place ? queuedText(job, place) : `Job ${job.id} is waiting.`}${restarted}`, job);
    case 'running':
      return waiting(`${job.progress ? progressText(job, job.progress) : startedText(job)}${restarted}`, job);
    case 'succeeded':
      return succeeded(job);
    case 'failed':
      return ended(`Job ${job.id} failed: ${job.error ?? 'unknown error'}`, true);
    case 'cancelled':
      return ended(`Job ${job.id} was cancelled.`, false);
  }
}

/** The reply to a command that queued a job (the same words as its `queued` event). */
export function queuedText(job: Pick<Job, 'id' | 'styleLabel'>, place: QueuePlace): string {
  return `Queued job ${job.id} (${job.styleLabel}). ${describePosition(place)}`;
}

function startedText(job: Job): string {
  if (job.method === 'train') return `Training a fast network for ${job.styleLabel}… (job ${job.id}; interactive jobs go first)`;
  return `Painting with ${job.styleLabel}… (job ${job.id})`;
}

function progressText(job: Job, progress: JobProgress): string {
  if (job.method === 'train') return `Training ${job.styleLabel}: ${progressBar(progress)} · step ${progress.iteration}/${progress.totalIterations} · ${formatEta(progress.etaMs)} left`;
  // A clip counts frames; a picture, iterations.
  const inFrame = progress.inFrame && progress.inFrame.totalIterations > 1 && progress.iteration < progress.totalIterations ? ` (iteration ${progress.inFrame.iteration}/${progress.inFrame.totalIterations})` : '';
  const step = job.options.clipFrames ? `frame ${Math.min(progress.totalIterations, progress.iteration + 1)}/${progress.totalIterations}${inFrame}` : `iteration ${progress.iteration}/${progress.totalIterations}${describeScale(progress.size)}`;
  return `Painting with ${job.styleLabel}: ${progressBar(progress)} · ${step} · ${formatEta(progress.etaMs)} left`;
}

function waiting(text: string, job: Job): JobMessage {
  return { text, files: [], actions: [cancelAction(job)], final: false, mustArrive: false };
}

function succeeded(job: Job): JobMessage {
  return {
    text:
      job.method === 'train'
        ? `Trained in ${formatDuration(job.result?.elapsedMs ?? 0)}: "${job.styleLabel}" is now a fast style (seconds with /stylize). From the left: the painting, a photo it never saw, and the network's picture of it.`
        : `Done in ${formatDuration(job.result?.elapsedMs ?? 0)}`,
    details: describeParameters(job),
    files: resultFilesOf(job),
    actions: [...rerunActions(job), ...(job.photoOwner ? [removeAction(job)] : [])],
    final: true,
    mustArrive: true,
  };
}

/** A finished job's picture, its GIF and, for a video, its MP4 (a video is answered in kind), each described. */
function resultFilesOf(job: Job): ResultFile[] {
  const described = describeResultFiles(job);
  return [
    { kind: 'png', name: `impasto-${job.id}.png`, description: described.png },
    { kind: 'gif', name: `impasto-${job.id}.gif`, description: described.gif },
    ...(job.result?.mp4Path ? [{ kind: 'mp4' as const, name: `impasto-${job.id}.mp4`, description: described.mp4 }] : []),
  ];
}

/** What each of a finished job's files shows, in words. */
export function describeResultFiles(job: Pick<Job, 'method' | 'options' | 'styleLabel' | 'maskPath'>): Record<ResultFile['kind'], string> {
  const style = `in the style of ${job.styleLabel}`;
  if (job.method === 'train') {
    return {
      png: `From the left: the painting ${job.styleLabel}, a photo the network never saw, and the network's picture of it.`,
      gif: `The network's picture of that photo as it learned ${job.styleLabel}, step by step.`,
      mp4: `The network's picture of that photo as it learned ${job.styleLabel}, step by step.`,
    };
  }
  const only = whereOnly(job);
  if (job.options.clipFrames !== undefined) {
    return { png: `The clip's first frame, painted ${style}.${only}`, gif: `The clip, painted ${style}.${only}`, mp4: `The clip, painted ${style}.${only}` };
  }
  const gif = `${job.method === 'fast' ? `The photo wiped into its painting ${style}.` : `The photo turning into a painting ${style}, step by step.`}${only}`;
  return { png: `The photo, painted ${style}.${only}`, gif, mp4: gif };
}

/** What a target or a mask left as photographed, as a sentence for the files' descriptions (a screen reader's user cannot see it). */
function whereOnly(job: Pick<Job, 'options' | 'maskPath'>): string {
  if (job.maskPath) return ' Painted only where its mask is white; the rest is as photographed.';
  if (job.options.target === 'person') return ' Only the person is painted; the rest is as photographed.';
  if (job.options.target === 'background') return ' Only the background is painted; the person is as photographed.';
  return '';
}

function ended(text: string, mustArrive: boolean): JobMessage {
  return { text, files: [], actions: [], final: true, mustArrive };
}
