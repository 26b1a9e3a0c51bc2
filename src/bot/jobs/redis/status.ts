import { Queue } from 'bullmq';
import { JOB_LANES, type JobLane } from '../queue.ts';
import { connectOnce, countServing, keysFor, listWorkers, type RemoteJobData, type WorkerInfo } from './remote-protocol.ts';

export interface LaneStatus {
  readonly lane: JobLane;
  readonly waiting: number;
  readonly running: number;
  readonly finished: number;
  readonly failed: number;
  /** The running jobs and the first waiting ones, in order. */
  readonly jobs: readonly { readonly jobId: string; readonly method: string; readonly state: 'running' | 'waiting'; readonly worker?: string | undefined }[];
}

export interface ClusterStatus {
  readonly lanes: readonly LaneStatus[];
  readonly workers: readonly WorkerInfo[];
}

/** What `impasto status` shows with REDIS_URL set: BullMQ's queues and the workers alive now. */
export async function readClusterStatus(url: string, prefix: string, listed = 10): Promise<ClusterStatus> {
  const keys = keysFor(prefix);
  const redis = await connectOnce(url, 'impasto-status');
  try {
    const lanes = await Promise.all(
      JOB_LANES.map(async (lane): Promise<LaneStatus> => {
        const queue = new Queue<RemoteJobData>(lane, { connection: redis, prefix: keys.bullPrefix });
        const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'completed', 'failed');
        const active = await queue.getActive(0, listed - 1);
        const waiting = await queue.getWaiting(0, listed - 1);
        return {
          lane,
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
          running: counts.active ?? 0,
          finished: counts.completed ?? 0,
          failed: counts.failed ?? 0,
          jobs: [
            ...active.map((job) => ({ jobId: job.data.jobId, method: job.data.method, state: 'running' as const, worker: job.processedBy })),
            ...waiting.map((job) => ({ jobId: job.data.jobId, method: job.data.method, state: 'waiting' as const })),
          ],
        };
      }),
    );
    const workers = await listWorkers(redis, keys);
    return { lanes, workers };
  } finally {
    redis.disconnect();
  }
}

/** The status as a few lines for a terminal. */
export function formatClusterStatus({ lanes, workers }: ClusterStatus, now = Date.now()): string {
  const lines: string[] = [];
  for (const lane of lanes) {
    lines.push(`${lane.lane}: ${lane.running} running, ${lane.waiting} waiting (${lane.finished} finished and ${lane.failed} failed not yet collected by the bot)`);
    // Jobs that wait for a lane no worker serves wait for good (with no workers at all, the last line says so).
    if (lane.waiting > 0 && workers.length > 0 && countServing(workers, lane.lane) === 0) {
      lines.push(`  no worker takes ${lane.lane} jobs: start one whose IMPASTO_WORKER_LANES includes ${lane.lane}`);
    }
    for (const job of lane.jobs) lines.push(`  ${job.state === 'running' ? 'running' : 'waiting'} ${job.jobId} (${job.method})${job.worker ? ` on ${job.worker}` : ''}`);
  }
  lines.push(workers.length === 0 ? 'workers: none (start one with `impasto worker`)' : `workers: ${workers.length}`);
  for (const worker of workers) {
    const doing = worker.running.length > 0 ? `running ${worker.running.map((job) => `${job.jobId} (${job.lane})`).join(', ')}` : 'idle';
    lines.push(`  ${worker.name} on ${worker.host} (pid ${worker.pid}), lanes ${worker.lanes.join('+')}, ${worker.backend ?? 'engine starting'}: ${doing}; ${worker.finished} done, ${worker.failed} failed; up ${formatAge(now - worker.startedAt)}, seen ${formatAge(now - worker.seenAt)} ago`);
  }
  return lines.join('\n');
}

function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
