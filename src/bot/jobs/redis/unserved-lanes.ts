import { JOB_LANES, type JobLane } from '../queue.ts';

/** A line for the bot's log. */
export interface ServingNote {
  readonly level: 'info' | 'warn';
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string;
}

/**
 * What the bot's log says of the lanes no worker serves, count after count: which ones, as first
 * counted; a warning for a lane that has lost its last worker (its jobs wait, with no error
 * anywhere) once that has lasted `graceMs`, so that workers announcing themselves again after a
 * Redis restart are no alarm; and that a lane said to be unserved has a worker again.
 */
export class UnservedLanes {
  private counted = false;
  /** Lanes no worker serves: since when, and whether the log has said so. */
  private readonly unserved = new Map<JobLane, { readonly since: number; said: boolean }>();

  constructor(private readonly graceMs: number) {}

  /** The lines for the workers counted at `now`, lane by lane. */
  note(counted: Readonly<Record<JobLane, number>>, now: number): ServingNote[] {
    if (!this.counted) {
      this.counted = true;
      const unserved = JOB_LANES.filter((lane) => counted[lane] === 0);
      for (const lane of unserved) this.unserved.set(lane, { since: now, said: true });
      const lanes = new Intl.ListFormat('en', { type: 'disjunction' }).format(unserved);
      return unserved.length > 0 ? [{ level: 'info', fields: { lanes: unserved }, message: `no worker takes ${lanes} jobs yet: ${howToServe(lanes)}` }] : [];
    }
    return JOB_LANES.flatMap((lane): ServingNote[] => {
      const unserved = this.unserved.get(lane);
      if (counted[lane] > 0) {
        this.unserved.delete(lane);
        return unserved?.said ? [{ level: 'info', fields: { lane, workers: counted[lane] }, message: `${lane} jobs have a worker now` }] : [];
      }
      if (!unserved) this.unserved.set(lane, { since: now, said: false });
      else if (!unserved.said && now - unserved.since >= this.graceMs) {
        unserved.said = true;
        return [{ level: 'warn', fields: { lane }, message: `no worker takes ${lane} jobs any more: ${howToServe(lane)}` }];
      }
      return [];
    });
  }
}

function howToServe(lanes: string): string {
  return `they wait for an \`impasto worker\` whose IMPASTO_WORKER_LANES includes ${lanes}`;
}
