import type { Contest } from './contests/types.ts';
import { counted, describePosition, formatWhen, progressFraction } from './format.ts';
import type { QueuePlace } from './jobs/queue.ts';
import type { Job } from './jobs/store.ts';
import type { Style } from './styles/library.ts';

/**
 * What a member sees on the bot's own page in a chat (Slack's Home tab): how to ask, their latest
 * pictures, their saved style, the library and the community's open contests. The words are the
 * bot's; the adapter only lays the sections out.
 */
export interface HomeSection {
  readonly heading: string;
  readonly lines: readonly HomeLine[];
}

/** A line of a section; a contest's names the channel it runs in, which only the platform can write as a link. */
export interface HomeLine {
  readonly text: string;
  readonly channelId?: string | undefined;
}

/** What the page is made from, gathered by the bot for one member of one community. */
export interface HomeSources {
  /** The help command's answer (the ways to ask and one line per command). */
  readonly help: string;
  /** The member's jobs in this community, newest first. */
  readonly jobs: readonly Job[];
  /** A waiting job's place in the queue and its ETA. */
  readonly queuePlace: (jobId: string) => QueuePlace | undefined;
  readonly savedStyle?: { readonly savedAt: number } | undefined;
  /** The library as this community sees it. */
  readonly styles: readonly Style[];
  readonly contests: readonly { readonly contest: Contest; readonly entries: number }[];
}

/** How many of the member's jobs the page lists, and of the library's names. */
const JOBS_SHOWN = 5;
const STYLES_NAMED = 40;

export function describeHome(sources: HomeSources, now = Date.now()): HomeSection[] {
  return [
    { heading: 'How to ask', lines: sources.help.split('\n').map((text) => ({ text })) },
    { heading: 'Your pictures', lines: describeJobs(sources, now) },
    { heading: 'Your saved style', lines: [{ text: describeSavedStyle(sources.savedStyle, now) }] },
    { heading: 'The style library', lines: [{ text: describeLibrary(sources.styles) }] },
    ...(sources.contests.length > 0 ? [{ heading: 'Contests', lines: sources.contests.map(({ contest, entries }) => describeContest(contest, entries, now)) }] : []),
  ];
}

function describeJobs(sources: HomeSources, now: number): HomeLine[] {
  if (sources.jobs.length === 0) return [{ text: 'None yet: /stylize starry-night paints the latest picture you shared.' }];
  const lines = sources.jobs.slice(0, JOBS_SHOWN).map((job) => ({ text: `${job.method === 'train' ? 'Training' : 'Job'} ${job.id} (${job.styleLabel}): ${describeState(job, sources, now)}` }));
  const more = sources.jobs.length - lines.length;
  return more > 0 ? [...lines, { text: `…and ${counted(more, 'older job')} (pictures are kept for a while, then deleted).` }] : lines;
}

function describeState(job: Job, sources: HomeSources, now: number): string {
  switch (job.status) {
    case 'queued': {
      const place = sources.queuePlace(job.id);
      return place ? `waiting. ${describePosition(place)}` : 'waiting.';
    }
    case 'running':
      return job.progress ? `${job.method === 'train' ? 'training' : 'painting'} now, ${Math.round(progressFraction(job.progress) * 100)}%.` : 'starting.';
    case 'succeeded':
      return `done ${formatWhen(job.finishedAt ?? job.createdAt, now)}.`;
    case 'failed':
      return `failed ${formatWhen(job.finishedAt ?? job.createdAt, now)}${job.error ? `: ${job.error}` : '.'}`;
    case 'cancelled':
      return `cancelled ${formatWhen(job.finishedAt ?? job.createdAt, now)}.`;
  }
}

function describeSavedStyle(saved: HomeSources['savedStyle'], now: number): string {
  if (!saved) return 'None yet: Use as style, on a message with a picture, saves that picture as your style.';
  return `Saved ${formatWhen(saved.savedAt, now)}: /stylize my-style paints with it, and Stylize with… offers it first.`;
}

function describeLibrary(styles: readonly Style[]): string {
  if (styles.length === 0) return 'Empty: /style add puts a painting in it.';
  const fast = styles.filter((style) => style.network !== undefined).length;
  const named = styles.slice(0, STYLES_NAMED).map((style) => style.name);
  const rest = styles.length - named.length;
  return `${counted(styles.length, 'style')}${fast > 0 ? ` (${fast} fast: seconds with /stylize)` : ''}: ${named.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}. /styles shows them as a gallery.`;
}

function describeContest(contest: Contest, entries: number, now: number): HomeLine {
  return { text: `"${contest.title}", painted in ${contest.styleLabel}: ends ${formatWhen(contest.endsAt, now)}, ${counted(entries, 'entry', 'entries')} so far.`, channelId: contest.channelId };
}
