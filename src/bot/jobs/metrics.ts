import { createServer } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { FINAL_EVENTS, JOB_LANES, laneOf, type JobLane, type JobQueue } from './queue.ts';
import type { Platform } from './store.ts';
import { listenOn } from '../listen.ts';
import { freeBytesOf } from '../files.ts';

/**
 * Prometheus metrics (`/metrics`, text format) of the bot and of each `impasto worker`, fed by the
 * queue's events: a deployment's dashboards see the same jobs whichever process runs them.
 */

const DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200];

export interface EngineCrashCounter {
  /** An engine process of this lane died or was killed. */
  engineCrashed(lane: JobLane): void;
}

function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'impasto_process_' });
  return registry;
}

/** The room left where this process writes its pictures: alerting on it comes before a full disk refuses them. */
function diskFree(registry: Registry, dir: string): void {
  new Gauge({
    name: 'impasto_disk_free_bytes',
    help: 'Room left on the disk of the data directory (the bot) or of the scratch folder (a worker); a full one refuses new pictures',
    registers: [registry],
    collect() {
      // A folder gone (removed by hand) leaves the gauge out rather than failing the whole scrape.
      try {
        this.set(freeBytesOf(dir));
      } catch {
        this.reset();
      }
    },
  });
}

function engineRestarts(registry: Registry): Counter<'lane'> {
  return new Counter({ name: 'impasto_engine_restarts_total', help: 'Engine processes that died or were killed (a crash, or a job that ignored its time limit)', labelNames: ['lane'], registers: [registry] });
}

/**
 * The bot's view: jobs by method and state, how long they waited and ran (once it `observe`s its
 * queue), and whether each chat platform's live connection holds (as its adapter reports it).
 */
export function createBotMetrics(dataDir: string): EngineCrashCounter & { readonly registry: Registry; observe(queue: JobQueue): void; chatConnection(platform: Platform, connected: boolean): void } {
  const registry = createRegistry();
  diskFree(registry, dataDir);
  const chatConnected = new Gauge({
    name: 'impasto_chat_connected',
    help: "Whether the bot's live connection to a chat platform holds (1) or is lost and being re-established (0): Discord's gateway, Slack's Socket Mode; absent for Slack over HTTP",
    labelNames: ['platform'],
    registers: [registry],
  });
  const submitted = new Counter({ name: 'impasto_jobs_submitted_total', help: 'Jobs accepted into the queue', labelNames: ['method'], registers: [registry] });
  const finished = new Counter({ name: 'impasto_jobs_finished_total', help: 'Jobs that ended, by how (succeeded, failed, cancelled)', labelNames: ['method', 'outcome'], registers: [registry] });
  const duration = new Histogram({ name: 'impasto_job_duration_seconds', help: 'From start to result, of jobs that succeeded', labelNames: ['method'], buckets: DURATION_BUCKETS, registers: [registry] });
  const wait = new Histogram({ name: 'impasto_queue_wait_seconds', help: 'From acceptance to start', labelNames: ['lane'], buckets: DURATION_BUCKETS, registers: [registry] });
  let observed: JobQueue | undefined;
  new Gauge({
    name: 'impasto_jobs',
    help: 'Jobs waiting (queued) and running now, per lane',
    labelNames: ['lane', 'state'],
    registers: [registry],
    collect() {
      const entries = observed?.entries() ?? [];
      for (const lane of JOB_LANES) {
        const ofLane = entries.filter((entry) => entry.lane === lane);
        this.set({ lane, state: 'running' }, ofLane.filter((entry) => entry.position === 0).length);
        this.set({ lane, state: 'queued' }, ofLane.filter((entry) => entry.position > 0).length);
      }
    },
  });
  new Gauge({
    name: 'impasto_engines',
    help: "Engines taking a lane's jobs now: the bot's own, or the impasto workers serving it on Redis (0: none, and the lane's jobs wait)",
    labelNames: ['lane'],
    registers: [registry],
    collect() {
      if (!observed) return;
      for (const lane of JOB_LANES) this.set({ lane }, observed.engines(lane));
    },
  });
  const restarts = engineRestarts(registry);
  return {
    registry,
    engineCrashed: (lane) => restarts.inc({ lane }),
    chatConnection: (platform, connected) => chatConnected.set({ platform }, connected ? 1 : 0),
    observe(queue) {
      observed = queue;
      queue.onEvent((event) => {
        const { job } = event;
        if (event.type === 'queued') submitted.inc({ method: job.method });
        if (event.type === 'started' && job.startedAt) wait.observe({ lane: laneOf(job) }, (job.startedAt - job.createdAt) / 1000);
        if (FINAL_EVENTS.has(event.type)) finished.inc({ method: job.method, outcome: event.type });
        if (event.type === 'succeeded' && job.startedAt && job.finishedAt) duration.observe({ method: job.method }, (job.finishedAt - job.startedAt) / 1000);
      });
    },
  };
}

export type WorkerJobOutcome = 'succeeded' | 'failed' | 'cancelled';

/** A worker's view: the jobs it ran and how long they took. */
export function createWorkerMetrics(scratchDir: string): EngineCrashCounter & {
  readonly registry: Registry;
  jobStarted(lane: JobLane): void;
  jobEnded(lane: JobLane, outcome: WorkerJobOutcome, seconds: number): void;
} {
  const registry = createRegistry();
  diskFree(registry, scratchDir);
  const jobs = new Counter({ name: 'impasto_worker_jobs_total', help: 'Jobs this worker ran, by how they ended', labelNames: ['lane', 'outcome'], registers: [registry] });
  const duration = new Histogram({ name: 'impasto_worker_job_duration_seconds', help: 'From taking a job to handing back its result, files included', labelNames: ['lane'], buckets: DURATION_BUCKETS, registers: [registry] });
  const running = new Gauge({ name: 'impasto_worker_running', help: 'Jobs running on this worker now', labelNames: ['lane'], registers: [registry] });
  const restarts = engineRestarts(registry);
  return {
    registry,
    engineCrashed: (lane) => restarts.inc({ lane }),
    jobStarted: (lane) => running.inc({ lane }),
    jobEnded(lane, outcome, seconds) {
      running.dec({ lane });
      jobs.inc({ lane, outcome });
      if (outcome === 'succeeded') duration.observe({ lane }, seconds);
    },
  };
}

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` and nothing else. */
export async function serveMetrics(registry: Registry, options: { host: string; port: number }, logger: Logger): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => {
        logger.error({ err: error }, 'could not collect metrics');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('could not collect metrics\n');
      },
    );
  });
  const url = `${await listenOn(server, { port: options.port, host: options.host, portVariable: 'IMPASTO_METRICS_PORT', hostVariable: 'IMPASTO_METRICS_HOST' })}/metrics`;
  logger.info({ url }, 'metrics listening');
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
