import { hasRawWeights, RAW_WEIGHT_DEFAULTS, STYLIZE_OPTIONS } from '../engine/options.ts';
import { CLIP_GIF_MAX_BYTES } from '../engine/gif.ts';
import { formatMegabytes } from '../engine/image.ts';
import type { QueuePlace } from './jobs/queue.ts';
import { strengthOf, type Job, type JobProgress, type Platform } from './jobs/store.ts';

/** What members call the community the bot speaks of: a Discord server, a Slack workspace; the playground is its own. */
const COMMUNITY_NOUNS: Readonly<Record<Platform, string>> = { discord: 'server', slack: 'workspace', web: 'playground' };

/** The platform's word for a community ("This workspace already has 3 jobs waiting"): Slack's members have no servers. */
export function communityNoun(platform: Platform): string {
  return COMMUNITY_NOUNS[platform];
}

/** "1 job", "3 jobs", "1 contest entry", "2 contest entries": a count with its noun in the right number. */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

/**
 * A long list's lines as a chat shows them (/queue, a leaderboard): its first `shown` items, then how
 * many are left out (`more` words it), then the asker's own further back, which they look for.
 * Whole, a list of fifty passed Discord's 2000 characters. `lineOf` gets each item's index in `items`.
 */
export function shortenedList<T>(items: readonly T[], shown: number, isOwn: (item: T) => boolean, lineOf: (item: T, index: number) => string, more: (hidden: number) => string): string[] {
  const further = items.map((item, index) => ({ item, index })).slice(shown).filter(({ item }) => isOwn(item));
  const hidden = items.length - Math.min(shown, items.length) - further.length;
  return [...items.slice(0, shown).map(lineOf), ...(hidden > 0 ? [more(hidden)] : []), ...further.map(({ item, index }) => lineOf(item, index))];
}

/**
 * " at 256 px" after an optimisation's step count, in chats and on the command line alike: the size
 * tells why the preview sharpens and the loss jumps (each scale starts from the last, enlarged).
 * Empty for a method that does not paint coarse to fine.
 */
export function describeScale(size: number | undefined): string {
  return size ? ` at ${size} px` : '';
}

/** "about 40 s", "about 3 min", "about 1 h 5 min": ETAs are estimates and read as such. */
export function formatEta(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 90) return `about ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} min`;
  if (minutes < 48 * 60) return `about ${hoursAndMinutes(minutes)}`;
  // A contest may run 30 days: "550 h 0 min" said three weeks badly.
  const hours = Math.round(minutes / 60);
  return `about ${Math.floor(hours / 24)} d${hours % 24 === 0 ? '' : ` ${hours % 24} h`}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  // A training takes hours: "Trained in 2 h 5 min", not "125 min 3 s".
  return hoursAndMinutes(Math.round(seconds / 60));
}

/** 125 → "2 h 5 min". */
function hoursAndMinutes(minutes: number): string {
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * How far a job is, 0–1: by time where the engine estimates the time left, else by count. An
 * iteration at the finest scale costs many coarse ones: counting iterations, a default job showed 82%
 * with two thirds of its time still to come.
 */
export function progressFraction(progress: Pick<JobProgress, 'iteration' | 'totalIterations' | 'elapsedMs' | 'etaMs'>): number {
  if (progress.iteration >= progress.totalIterations) return 1;
  if (progress.etaMs > 0 && progress.elapsedMs > 0) return progress.elapsedMs / (progress.elapsedMs + progress.etaMs);
  return progress.iteration / Math.max(1, progress.totalIterations);
}

/** A text progress bar: `▰▰▰▰▱▱▱▱▱▱ 40%`. */
export function progressBar(progress: Pick<JobProgress, 'iteration' | 'totalIterations' | 'elapsedMs' | 'etaMs'>, width = 10): string {
  const fraction = progressFraction(progress);
  const filled = Math.round(fraction * width);
  return `${'▰'.repeat(filled)}${'▱'.repeat(width - filled)} ${Math.round(fraction * 100)}%`;
}

/** Why a job waits with no estimate (`QueuePlace.waitsForEngine`): no machine that paints takes its kind of job now. */
export const NO_ENGINE_NOW = 'no engine is taking these jobs right now';

/** A waiting job's place and when it should be done, or that it waits for an engine. */
export function describePosition({ position, etaMs, waitsForEngine }: QueuePlace): string {
  if (waitsForEngine) return `${position <= 1 ? 'It is next' : `Position ${position} in the queue`}, but ${NO_ENGINE_NOW}: it starts when one is.`;
  return position <= 1 ? `It starts next; done in ${formatEta(etaMs)}.` : `Position ${position} in the queue; done in ${formatEta(etaMs)}.`;
}

/** The parameters a result was made with, for the reply that carries it. */
export function describeParameters(job: Job): string {
  const p = job.options;
  const size = job.result ? `${job.result.width}×${job.result.height}` : `size ${p.size}`;
  if (job.method === 'fast') {
    const networks = p.backgroundNetwork ? `the ${p.network} and ${p.backgroundNetwork} networks` : `the ${p.network} network`;
    return [`style ${job.styleLabel}`, size, `one pass of ${networks}`, describeWeights(job), ...(p.preserveColors ? ['colours preserved'] : []), ...describeWhere(job)].join(' · ');
  }
  const parts = [
    `style ${job.styleLabel}`,
    size,
    `${p.iterations === undefined ? 'the default iterations' : counted(p.iterations, 'iteration')} of ${p.optimizer === 'adam' ? 'Adam' : 'L-BFGS'}`,
    describeWeights(job),
    // A contest's entries are stored with its fixed options only: the rest are the engine's defaults.
    job.method === 'best' ? `started from the ${p.network} network's picture` : `init ${p.init ?? STYLIZE_OPTIONS.init.default}`,
    `seed ${p.seed}`,
    ...(p.preserveColors ? ['colours preserved'] : []),
    ...(p.styleScale !== undefined && p.styleScale !== 1 ? [`style scale ${p.styleScale}`] : []),
    ...(p.multiScale === false ? ['single-scale'] : []),
    ...describeWhere(job),
  ];
  return parts.join(' · ');
}

/** Where it painted, when not everywhere alike; and for a clip, its frames. */
function describeWhere(job: Job): string[] {
  const where = job.maskPath ? ['masked'] : job.options.target === 'person' ? ['the person only'] : job.options.target === 'background' ? ['the background only'] : [];
  if (!job.options.clipFrames) return where;
  const frames = `${counted(job.options.clipFrames, 'frame')}${job.method === 'fast' ? '' : ', each from the one before (temporally consistent)'}`;
  const shrunk = job.result?.gifWidth ? [`the GIF made ${job.result.gifWidth} px wide to stay within ${formatMegabytes(CLIP_GIF_MAX_BYTES)}`] : [];
  return [...where, frames, ...shrunk];
}

/**
 * How a message writes a moment, `now` being when it is sent: `formatWhen` (in UTC) by default;
 * Discord and Slack have markup that shows a moment in each reader's own time zone.
 */
export type MomentWriter = (at: number, now: number) => string;

/**
 * "in 2 h (27 Nov, 20:30 UTC)": a moment in the future, readable on every platform. `clock` writes
 * the moment itself (`formatUtcClock` by default; a platform's post may show the reader's own time).
 */
export function formatWhen(at: number, now = Date.now(), clock: (at: number, now: number) => string = formatUtcClock): string {
  return at > now ? `in ${formatEta(at - now).replace(/^about /, '')} (${clock(at, now)})` : `on ${clock(at, now)}`;
}

/** "27 Nov, 20:30 UTC", with the year only when it is not `now`'s (a contest in /contest history may be a year old). */
export function formatUtcClock(at: number, now = Date.now()): string {
  const date = new Date(at);
  const year = date.getUTCFullYear() === new Date(now).getUTCFullYear() ? '' : ` ${date.getUTCFullYear()}`;
  return `${date.getUTCDate()} ${date.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' })}${year}, ${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')} UTC`;
}

/** `strength 5`, or the raw weights when they were set (which override strength; a fast network has none). */
export function describeWeights(job: Pick<Job, 'method' | 'options'>): string {
  const p = job.options;
  if (job.method === 'fast' || !hasRawWeights(p)) return `strength ${strengthOf(job)}`;
  return `weights content ${p.contentWeight ?? RAW_WEIGHT_DEFAULTS.content} / style ${p.styleWeight ?? RAW_WEIGHT_DEFAULTS.style} / TV ${p.tvWeight ?? RAW_WEIGHT_DEFAULTS.tv}`;
}

/**
 * `sentence` (a message has no picture), and, when the message shows one from a link (a GIF from
 * Tenor, a pasted image address), why that one is not taken: the bot fetches only files attached to
 * the platform's own messages, never from hosts it did not choose. To the member it looked like a picture.
 */
export function noPictureText(sentence: string, linkedFrom: string | undefined): string {
  return linkedFrom ? `${sentence} The picture it shows is a link to ${linkedFrom}, and I only paint files attached to a message: save it and attach it.` : sentence;
}

/** The host of a link, for `noPictureText`; undefined for anything that is not a web address. */
export function hostOfLink(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const { protocol, hostname } = new URL(url);
    return protocol === 'https:' || protocol === 'http:' ? hostname.replace(/^www\./, '') : undefined;
  } catch {
    return undefined;
  }
}

/** Where a member asked the bot for a picture by writing to it: in a mention, or in a direct message. */
export type WhereAsked = 'mention' | 'direct';

/** How to name a style, where the member asked (the same on every platform). */
const HOW_TO_NAME_A_STYLE: Readonly<Record<WhereAsked, string>> = {
  mention: 'Mention me with a style name, e.g. @impasto starry-night',
  direct: 'Write a style name with the picture, e.g. starry-night',
};

/**
 * A message to the bot that names no style, from a member with no saved style: how to name one
 * (`stylesCommand`: the platform's way to list them), in the words of where they asked.
 */
export function whichStyleHint(stylesCommand: string, where: WhereAsked): string {
  return `Which style? ${HOW_TO_NAME_A_STYLE[where]} (see ${stylesCommand}), or save a painting with Use as style (on its message) to be painted with it by default.`;
}

/**
 * A request refused while painting the pictures of one message, `left` of them after the one it was
 * refused at: said with the refusal, so that none goes unmentioned.
 */
export function withPicturesLeft(refusal: string, left: number): string {
  return left > 0 ? `${refusal} (The ${counted(left, 'picture')} after it in that message ${left === 1 ? 'was' : 'were'} not painted either.)` : refusal;
}

/** "Use as style" on a message with several pictures: the question above the menu of them. */
export function whichPictureToKeepText(count: number): string {
  return `Which of the message's ${count} pictures as your style?`;
}

/** A message's picture in a menu of them: its place and its file's name ("2. dog.jpg"). */
export function pictureChoiceLabel(index: number, name: string): string {
  return `${index + 1}. ${name}`;
}
