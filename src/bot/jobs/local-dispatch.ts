import PQueue from 'p-queue';
import type { EngineHost } from './engine-host.ts';
import type { Dispatch, DispatchHooks, Dispatched } from './dispatch.ts';
import type { RunRequest } from './engine-protocol.ts';
import { InteractiveFirst } from './interactive-first.ts';
import { LaneRunner } from './lane-runner.ts';
import { byLane, JOB_LANES, type JobLane } from './queue.ts';

/** One lane: its order (p-queue, one job at a time) and its engine process. */
interface Lane {
  readonly order: PQueue;
  readonly runner: LaneRunner;
}

/** The embedded default: each lane runs its jobs one at a time, in order, on an engine process of this machine. */
export class LocalDispatch implements Dispatch {
  private readonly lanes: Readonly<Record<JobLane, Lane>>;
  private readonly interactiveFirst: InteractiveFirst;

  /** `timeoutsMs`: each lane's time limit for one job (training's is hours). */
  constructor(hosts: Readonly<Record<JobLane, EngineHost>>, timeoutsMs: Readonly<Record<JobLane, number>>) {
    const laneOn = (lane: JobLane): Lane => ({ order: new PQueue({ concurrency: 1 }), runner: new LaneRunner(hosts[lane], timeoutsMs[lane]) });
    this.lanes = byLane(laneOn);
    this.interactiveFirst = new InteractiveFirst(this.lanes.train.runner);
  }

  async run(request: RunRequest, laneName: JobLane, hooks: DispatchHooks): Promise<Dispatched | undefined> {
    const { order, runner } = this.lanes[laneName];
    const ran = await order.add(async () => {
      if (!hooks.begin()) return undefined;
      const outcome = await this.interactiveFirst.around(laneName, () => runner.run(request, hooks.progress));
      return { outcome, backend: (await runner.start()).label };
    });
    return ran ?? undefined;
  }

  capacity(): number {
    return 1;
  }

  cancel(jobId: string, lane: JobLane): void {
    // A waiting job is skipped by `begin`; only a running one needs its engine told.
    this.lanes[lane].runner.cancel(jobId);
  }

  async releaseNetwork(): Promise<void> {
    // The engines here read the bot's own trained-networks folder: nothing of theirs to drop.
  }

  pause(): void {
    for (const lane of JOB_LANES) this.lanes[lane].order.pause();
  }

  async stop(): Promise<void> {
    this.pause();
    await Promise.all(JOB_LANES.map((lane) => this.lanes[lane].runner.stop()));
  }
}
