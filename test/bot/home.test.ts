import { describe, expect, it } from 'vitest';
import { describeHome, type HomeSources } from '../../src/bot/home.ts';
import type { Job } from '../../src/bot/jobs/store.ts';
import type { Style } from '../../src/bot/styles/library.ts';

/** The page's words from made-up sources: jobs and styles carry only the fields the page reads. */
const NOW = Date.UTC(2026, 11, 2, 12, 0);
const jobOf = (id: string, fields: Partial<Job>) => ({ id, method: 'optimise', styleLabel: 'starry-night', status: 'succeeded', createdAt: NOW - 3_600_000, finishedAt: NOW - 3_500_000, ...fields }) as Job;
const styleOf = (name: string, network?: string) => ({ name, title: name, path: `/${name}.png`, addedBy: 'x', createdAt: 0, network }) as Style;
const sources = (fields: Partial<HomeSources>): HomeSources => ({ help: 'Ways to ask: …', jobs: [], queuePlace: () => undefined, styles: [], contests: [], ...fields });
const section = (home: ReturnType<typeof describeHome>, heading: string) => home.find((part) => part.heading === heading)?.lines.map((line) => line.text);

describe('the bot’s home page', () => {
  it('says where each of the member’s latest jobs is, and counts the older ones', () => {
    const jobs = [
      jobOf('run', { status: 'running', progress: { iteration: 30, totalIterations: 60, etaMs: 10_000, elapsedMs: 10_000 } }),
      jobOf('wait', { status: 'queued' }),
      jobOf('train', { status: 'running', method: 'train' }),
      jobOf('bad', { status: 'failed', error: 'The photo is too small.' }),
      jobOf('done', {}),
      jobOf('old-1', {}),
      jobOf('old-2', {}),
    ];
    const home = describeHome(sources({ jobs, queuePlace: (id) => (id === 'wait' ? { position: 2, etaMs: 120_000, waitsForEngine: false } : undefined) }), NOW);
    expect(section(home, 'Your pictures')).toEqual([
      'Job run (starry-night): painting now, 50%.',
      'Job wait (starry-night): waiting. Position 2 in the queue; done in about 2 min.',
      'Training train (starry-night): starting.',
      'Job bad (starry-night): failed on 2 Dec, 11:01 UTC: The photo is too small.',
      'Job done (starry-night): done on 2 Dec, 11:01 UTC.',
      '…and 2 older jobs (pictures are kept for a while, then deleted).',
    ]);
  });

  it('names the library’s styles up to forty, counts the fast ones, and shows contests only when one is open', () => {
    const styles = Array.from({ length: 45 }, (_, index) => styleOf(`style-${index}`, index < 3 ? `net-${index}` : undefined));
    const home = describeHome(sources({ styles }), NOW);
    const [library] = section(home, 'The style library')!;
    expect(library).toMatch(/^45 styles \(3 fast: seconds with \/stylize\): style-0, style-1, .*, style-39 and 5 more\. \/styles shows them as a gallery\.$/);
    expect(home.map((part) => part.heading)).toEqual(['How to ask', 'Your pictures', 'Your saved style', 'The style library']);
    expect(section(describeHome(sources({}), NOW), 'The style library')).toEqual(['Empty: /style add puts a painting in it.']);
  });
});
