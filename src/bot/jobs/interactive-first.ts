import type { LaneRunner } from './lane-runner.ts';
import type { JobLane } from './queue.ts';

/**
 * Interactive jobs go first: while one runs on this machine, the training lane's engine finishes
 * its current step and waits, so that a painting is never slowed by a training run sharing the
 * cores (and on a GPU, its memory).
 */
export class InteractiveFirst {
  private running = 0;

  constructor(private readonly training: Pick<LaneRunner, 'setHeld'> | undefined) {}

  /** Runs a job of `lane`, holding training for the time of an interactive one. */
  async around<T>(lane: JobLane, work: () => Promise<T>): Promise<T> {
    if (lane === 'train' || !this.training) return work();
    if (this.running++ === 0) this.training.setHeld(true);
    try {
      return await work();
    } finally {
      if (--this.running === 0) this.training.setHeld(false);
    }
  }
}
