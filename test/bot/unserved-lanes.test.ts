import { describe, expect, it } from 'vitest';
import { UnservedLanes } from '../../src/bot/jobs/redis/unserved-lanes.ts';

/** What the bot's log says of lanes no `impasto worker` serves, count after count (times in ms, given). */
const counts = (paint: number, fast: number, train: number) => ({ paint, fast, train });
const messagesOf = (notes: ReturnType<UnservedLanes['note']>) => notes.map(({ level, message }) => `${level}: ${message}`);

describe('the lanes no worker serves, in the log', () => {
  it('names them as first counted, and says when each has a worker', () => {
    const lanes = new UnservedLanes(5000);
    expect(messagesOf(lanes.note(counts(0, 0, 0), 0))).toEqual(['info: no worker takes paint, fast, or train jobs yet: they wait for an `impasto worker` whose IMPASTO_WORKER_LANES includes paint, fast, or train']);
    expect(messagesOf(lanes.note(counts(0, 0, 0), 2000))).toEqual([]);
    expect(messagesOf(lanes.note(counts(1, 1, 0), 4000))).toEqual(['info: paint jobs have a worker now', 'info: fast jobs have a worker now']);
    expect(messagesOf(lanes.note(counts(2, 1, 0), 6000))).toEqual([]);
  });

  it('says nothing of lanes served from the first count', () => {
    expect(messagesOf(new UnservedLanes(5000).note(counts(1, 1, 1), 0))).toEqual([]);
  });

  it('warns of a lane that lost its last worker once that has lasted the grace, once, and not of one back within it', () => {
    const lanes = new UnservedLanes(5000);
    lanes.note(counts(1, 1, 1), 0);
    // Both gone (a Redis restart that dropped their heartbeats, or a deploy): nothing said yet.
    expect(messagesOf(lanes.note(counts(0, 0, 1), 2000))).toEqual([]);
    expect(messagesOf(lanes.note(counts(0, 0, 1), 4000))).toEqual([]);
    // The paint worker announced itself again within the grace: no alarm, and no "now" either.
    expect(messagesOf(lanes.note(counts(1, 0, 1), 6000))).toEqual([]);
    expect(messagesOf(lanes.note(counts(1, 0, 1), 7000))).toEqual(['warn: no worker takes fast jobs any more: they wait for an `impasto worker` whose IMPASTO_WORKER_LANES includes fast']);
    expect(messagesOf(lanes.note(counts(1, 0, 1), 9000))).toEqual([]);
    expect(messagesOf(lanes.note(counts(1, 1, 1), 11000))).toEqual(['info: fast jobs have a worker now']);
  });
});
