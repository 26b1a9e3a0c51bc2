import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/bot/database.ts';
import { createDataDirs, type DataDirs } from '../../src/bot/files.ts';
import { createLogger } from '../../src/bot/logger.ts';
import { BotQueue } from '../../src/bot/jobs/bot-queue.ts';
import type { Dispatch, DispatchHooks, Dispatched } from '../../src/bot/jobs/dispatch.ts';
import type { RunRequest } from '../../src/bot/jobs/engine-protocol.ts';
import type { JobEvent } from '../../src/bot/jobs/queue.ts';
import { SpeedModel } from '../../src/bot/jobs/speed.ts';
import { JobStore } from '../../src/bot/jobs/store.ts';
import { paintEngineOf } from '../../src/bot/jobs/redis/redis-dispatch.ts';
import type { WorkerInfo } from '../../src/bot/jobs/redis/remote-protocol.ts';

/**
 * The queue's contract with whatever runs its jobs (`Dispatch`), checked with a dispatch driven by
 * hand: a stand-in for the engine on purpose, because what is under test is the order of events and
 * states the queue keeps, including orders a real engine produces only by rare timing (a run that
 * ends just after its job was cancelled, a job reached twice after its worker died).
 */
interface HeldRun {
  readonly request: RunRequest;
  readonly hooks: DispatchHooks;
  readonly resolve: (ran: Dispatched | undefined) => void;
}

class HandDispatch implements Dispatch {
  readonly runs: HeldRun[] = [];
  readonly cancelled: string[] = [];
  constructor(private readonly engines = 1) {}
  capacity(): number {
    return this.engines;
  }
  run(request: RunRequest, _lane: unknown, hooks: DispatchHooks): Promise<Dispatched | undefined> {
    return new Promise((resolve) => this.runs.push({ request, hooks, resolve }));
  }
  cancel(jobId: string): void {
    this.cancelled.push(jobId);
  }
  async releaseNetwork(): Promise<void> {}
  pause(): void {}
  async stop(): Promise<void> {}
}

const outcome: Dispatched = { outcome: { width: 8, height: 8, iterations: 1, elapsedMs: 5, frames: 1, lossHistory: [] }, backend: 'hand' };
const requester = { platform: 'web' as const, community: 'web', userId: 'u1', userName: 'user-u1', isModerator: false };

let dirs: DataDirs;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'impasto-dispatch-'));
  dirs = createDataDirs(root);
});

afterAll(() => rm(root, { recursive: true, force: true }));

function queueOn(dispatch: Dispatch) {
  const store = new JobStore(openDatabase(':memory:'));
  const logger = createLogger({ level: 'silent', secrets: [], destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
  const limits = { maxQueuedPerUser: 5, maxQueuedPerCommunity: 5, maxQueue: 5, dailyJobsPerUser: 50, dailyJobsPerCommunity: 50, progressIntervalMs: 0 };
  const queue = new BotQueue({ store, dispatch, dirs, speed: new SpeedModel('onnx'), limits, logger });
  const events: JobEvent[] = [];
  queue.onEvent((event) => events.push(event));
  const submit = () => queue.submit(requester, () => ({ requester, origin: { platform: 'web', channelId: 'c' }, options: {}, contentPath: join(dirs.uploads, 'c.png'), stylePath: join(dirs.uploads, 's.png'), styleLabel: 's' }));
  return { queue, store, events, submit };
}

describe('the queue and its dispatch', () => {
  it('announces one ending per job: a run that finishes just after its cancellation is not announced as a success', async () => {
    const dispatch = new HandDispatch();
    const { queue, store, events, submit } = queueOn(dispatch);
    const { job } = await submit();
    const { hooks } = dispatch.runs[0]!;
    expect(hooks.begin()).toBe(true);
    hooks.progress({ iteration: 1, totalIterations: 3, etaMs: 20, elapsedMs: 10 });
    queue.cancel(job.id, requester);
    expect(dispatch.cancelled).toEqual([job.id]);
    // The engine's report sent before it heard of the cancellation is dropped: it would say
    // "Painting…" over "cancelled" in the chat.
    hooks.progress({ iteration: 2, totalIterations: 3, etaMs: 10, elapsedMs: 20 });
    dispatch.runs[0]!.resolve(outcome);
    await queue.onIdle();
    expect(events.map((event) => event.type)).toEqual(['queued', 'started', 'progress', 'cancelled']);
    expect(store.get(job.id)?.status).toBe('cancelled');
  });

  it('starts a job reached again after its worker died once, and finishes it once', async () => {
    const dispatch = new HandDispatch();
    const { queue, store, events, submit } = queueOn(dispatch);
    const { job } = await submit();
    const { hooks, resolve } = dispatch.runs[0]!;
    expect(hooks.begin()).toBe(true);
    expect(hooks.begin()).toBe(true);
    resolve(outcome);
    await queue.onIdle();
    expect(events.map((event) => event.type)).toEqual(['queued', 'started', 'succeeded']);
    expect(store.get(job.id)?.result?.backend).toBe('hand');
  });

  it('skips a job cancelled while it waited, and is idle afterwards', async () => {
    const dispatch = new HandDispatch();
    const { queue, store, events, submit } = queueOn(dispatch);
    const { job } = await submit();
    queue.cancel(job.id, requester);
    const { hooks, resolve } = dispatch.runs[0]!;
    expect(hooks.begin()).toBe(false);
    resolve(undefined);
    await queue.onIdle();
    expect(events.map((event) => event.type)).toEqual(['queued', 'cancelled']);
    expect(store.get(job.id)?.attempts).toBe(0);
  });

  it('counts on every engine of a lane for the waiting jobs\' ETAs', async () => {
    const estimates = async (engines: number) => {
      const { queue, submit } = queueOn(new HandDispatch(engines));
      for (let i = 0; i < 4; i++) await submit();
      return queue.entries().map((entry) => entry.etaMs);
    };
    const [one, two] = [await estimates(1), await estimates(2)];
    const each = one[0]!;
    expect(one).toEqual([each, 2 * each, 3 * each, 4 * each]);
    // Two engines: two jobs at a time, so the fourth is done when the second would be with one.
    expect(two).toEqual([each, each, 2 * each, 2 * each]);
  });
});

describe('what paints on the workers', () => {
  const worker = (name: string, lanes: WorkerInfo['lanes'], label?: string): WorkerInfo => ({
    name,
    host: 'h',
    pid: 1,
    lanes,
    paintEngine: label ? { label, backend: label === 'onnxruntime' ? 'wasm' : 'tensorflow-gpu', objectiveEngine: label === 'onnxruntime' ? 'onnx' : 'tfjs' } : undefined,
    startedAt: 0,
    seenAt: 0,
    running: [],
    finished: 0,
    failed: 0,
  });

  it('is the paint lane’s workers’ engines, the first one’s backend for the ETAs', () => {
    expect(paintEngineOf([])).toBeUndefined();
    // A worker still loading its engine, and one that serves only the fast lane, say nothing yet.
    expect(paintEngineOf([worker('a', ['paint']), worker('b', ['fast'], 'onnxruntime')])).toBeUndefined();
    expect(paintEngineOf([worker('a', ['paint', 'fast'], 'onnxruntime')])).toEqual({ label: 'onnxruntime on one worker', backend: 'wasm', objectiveEngine: 'onnx' });
    expect(paintEngineOf([worker('g', ['paint'], 'TensorFlow.js tensorflow-gpu'), worker('a', ['paint'], 'onnxruntime'), worker('c', ['paint'], 'onnxruntime')])).toEqual({
      label: 'TensorFlow.js tensorflow-gpu and onnxruntime on 3 workers',
      backend: 'tensorflow-gpu',
      objectiveEngine: 'tfjs',
    });
  });
});
