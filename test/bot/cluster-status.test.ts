import { describe, expect, it } from 'vitest';
import { formatClusterStatus, type ClusterStatus, type LaneStatus } from '../../src/bot/jobs/redis/status.ts';
import type { WorkerInfo } from '../../src/bot/jobs/redis/remote-protocol.ts';

const NOW = 1_800_000_000_000;
const lane = (name: LaneStatus['lane'], waiting: number): LaneStatus => ({ lane: name, waiting, running: 0, finished: 0, failed: 0, jobs: [] });
const worker: WorkerInfo = { name: 'gpu-1', host: 'gpu-box', pid: 42, lanes: ['paint', 'fast'], backend: 'webgpu', startedAt: NOW - 600_000, seenAt: NOW - 2_000, running: [], finished: 3, failed: 0 };

// `impasto status` as an operator reads it: the workers started with the default lanes take no
// training, and a /style train job waited with nothing saying why.
describe('impasto status', () => {
  it('says which waiting lane no worker serves, and how to start one that does', () => {
    const status: ClusterStatus = { lanes: [lane('paint', 0), lane('fast', 0), lane('train', 1)], workers: [worker] };
    expect(formatClusterStatus(status, NOW).split('\n')).toEqual([
      'paint: 0 running, 0 waiting (0 finished and 0 failed not yet collected by the bot)',
      'fast: 0 running, 0 waiting (0 finished and 0 failed not yet collected by the bot)',
      'train: 0 running, 1 waiting (0 finished and 0 failed not yet collected by the bot)',
      '  no worker takes train jobs: start one whose IMPASTO_WORKER_LANES includes train',
      'workers: 1',
      '  gpu-1 on gpu-box (pid 42), lanes paint+fast, webgpu: idle; 3 done, 0 failed; up 10 min, seen 2 s ago',
    ]);
  });

  it('says nothing of a lane with nothing waiting, and with no worker at all, says that once', () => {
    expect(formatClusterStatus({ lanes: [lane('paint', 0), lane('train', 0)], workers: [worker] }, NOW)).not.toContain('no worker takes');
    expect(formatClusterStatus({ lanes: [lane('paint', 2)], workers: [] }, NOW).split('\n')).toEqual([
      'paint: 0 running, 2 waiting (0 finished and 0 failed not yet collected by the bot)',
      'workers: none (start one with `impasto worker`)',
    ]);
  });
});
