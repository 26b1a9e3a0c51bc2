import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelledError } from '../../src/engine/errors.ts';
import type { EngineHost } from '../../src/bot/jobs/engine-host.ts';
import type { RunOutcome, RunRequest } from '../../src/bot/jobs/engine-protocol.ts';
import { JobTimedOut, LaneRunner } from '../../src/bot/jobs/lane-runner.ts';

/**
 * The time limit's clock, on fake timers. The engine process is a stand-in here (a real one is
 * exercised by the training and resilience tests): what is checked is when the runner cancels.
 */
function standInEngine() {
  let rejectRun: ((error: Error) => void) | undefined;
  const calls: string[] = [];
  const host = {
    run: () => new Promise<RunOutcome>((_resolve, reject) => (rejectRun = reject)),
    cancel: (jobId: string) => {
      calls.push(`cancel ${jobId}`);
      rejectRun?.(new CancelledError());
    },
    setHeld: (held: boolean) => calls.push(held ? 'hold' : 'go'),
    restart: async () => undefined,
  };
  return { host: host as unknown as EngineHost, calls };
}

const request = { type: 'run', jobId: 'job-1' } as unknown as RunRequest;

afterEach(() => {
  vi.useRealTimers();
});

describe('a lane’s time limit', () => {
  it('stops a job at its limit, not counting the time its engine was held for interactive jobs', async () => {
    vi.useFakeTimers();
    const { host, calls } = standInEngine();
    const runner = new LaneRunner(host, 1_000);
    const ran = runner.run(request, () => undefined);
    const failure = ran.catch((error: unknown) => error);
    vi.advanceTimersByTime(600);
    runner.setHeld(true);
    // Held for far longer than the limit: not stopped.
    vi.advanceTimersByTime(10_000);
    expect(calls).toEqual(['hold']);
    runner.setHeld(false);
    vi.advanceTimersByTime(399);
    expect(calls).toEqual(['hold', 'go']);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['hold', 'go', 'cancel job-1']);
    expect(await failure).toBeInstanceOf(JobTimedOut);
  });

  it('starts counting only when a job that began held is let go', async () => {
    vi.useFakeTimers();
    const { host, calls } = standInEngine();
    const runner = new LaneRunner(host, 1_000);
    runner.setHeld(true);
    const failure = runner.run(request, () => undefined).catch((error: unknown) => error);
    vi.advanceTimersByTime(5_000);
    expect(calls).toEqual(['hold']);
    runner.setHeld(false);
    vi.advanceTimersByTime(1_000);
    expect(calls).toEqual(['hold', 'go', 'cancel job-1']);
    expect(await failure).toBeInstanceOf(JobTimedOut);
  });
});
