import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/bot/logger.ts';
import { EngineHost } from '../../src/bot/jobs/engine-host.ts';
import type { EngineWorkerData } from '../../src/bot/jobs/engine-protocol.ts';
import { CancelledError, WeightsError } from '../../src/engine/errors.ts';

describe('the engine host', () => {
  it('spawns a new worker for the next start after a failed one, even while the failed worker is still exiting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'impasto-host-'));
    const crashes: string[] = [];
    // A stand-in worker (no engine): the first start fails, and that process lingers 3 s before it exits.
    const host = new EngineHost({
      workerData: { startedMarker: join(dir, 'started') } as unknown as EngineWorkerData,
      logger: createLogger({ level: 'silent', secrets: [] }),
      workerUrl: new URL('../helpers/failing-start-worker.ts', import.meta.url),
      onCrash: (reason) => crashes.push(reason),
    });
    try {
      await expect(host.start()).rejects.toBeInstanceOf(WeightsError);
      // The weights are put in place: the next start finds them at once (it was handed the old failure until that process exited).
      await expect(host.start()).resolves.toMatchObject({ label: 'onnxruntime', availableLayers: ['conv1_1'] });
      // The failed worker's exit, when it comes, is not taken for the new one's crash.
      await expect.poll(() => crashes, { timeout: 10_000 }).toEqual(['exited (code 1)']);
      await expect(host.start()).resolves.toMatchObject({ label: 'onnxruntime' });
    } finally {
      await host.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never sends a job cancelled while the worker was starting (after a restart, the first job waits for it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'impasto-host-'));
    const runsFile = join(dir, 'runs');
    const host = new EngineHost({
      workerData: { runsFile } as unknown as EngineWorkerData,
      logger: createLogger({ level: 'silent', secrets: [] }),
      workerUrl: new URL('../helpers/recording-worker.ts', import.meta.url),
    });
    const runOf = (jobId: string) => host.run({ type: 'run', jobId, method: 'optimise', inputs: { contentPath: '', styles: [] }, options: {}, output: { pngPath: '', gifPath: '', mp4Path: '' } }, () => undefined);
    try {
      // The worker is not started: the run waits for it, and is cancelled meanwhile (the Cancel button, pressed at once).
      const cancelled = runOf('job-cancelled');
      host.cancel('job-cancelled');
      await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
      // The worker is up and takes the next job; the cancelled one never reached it (it would have painted it whole).
      await expect(runOf('job-next')).resolves.toMatchObject({ iterations: 1 });
      expect((await readFile(runsFile, 'utf8')).split('\n').filter(Boolean)).toEqual(['job-next']);
    } finally {
      await host.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts the engine process with glibc asking for transparent huge pages, keeping the tunables already set and a choice made', async () => {
    const tunablesOfEngineStartedWith = async (tunables: string | undefined) => {
      const before = process.env.GLIBC_TUNABLES;
      if (tunables === undefined) delete process.env.GLIBC_TUNABLES;
      else process.env.GLIBC_TUNABLES = tunables;
      const host = new EngineHost({ workerData: { runsFile: '' } as unknown as EngineWorkerData, logger: createLogger({ level: 'silent', secrets: [] }), workerUrl: new URL('../helpers/recording-worker.ts', import.meta.url) });
      try {
        // The stand-in says in its reasons what it was started with.
        return (await host.start()).reasons[1];
      } finally {
        await host.stop();
        if (before === undefined) delete process.env.GLIBC_TUNABLES;
        else process.env.GLIBC_TUNABLES = before;
      }
    };
    expect(await tunablesOfEngineStartedWith(undefined)).toBe('GLIBC_TUNABLES=glibc.malloc.hugetlb=1');
    expect(await tunablesOfEngineStartedWith('glibc.malloc.arena_max=2')).toBe('GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    expect(await tunablesOfEngineStartedWith('glibc.malloc.hugetlb=0')).toBe('GLIBC_TUNABLES=glibc.malloc.hugetlb=0');
  });

  it('starts the training lane on the engine that will train, and says which: onnxruntime here, TensorFlow.js when forced', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'impasto-host-'));
    const startTrainingLane = async (settings: Pick<EngineWorkerData, 'objectiveEngine' | 'backend'>) => {
      const host = new EngineHost({ workerData: { ...settings, trainOnly: true }, logger: createLogger({ level: 'silent', secrets: [] }), tempDir: dir });
      try {
        return await host.start();
      } finally {
        await host.stop();
      }
    };
    try {
      // No GPU here: auto trains on onnxruntime (the weights load at the first job, not at start).
      await expect(startTrainingLane({})).resolves.toMatchObject({ objectiveEngine: 'onnx', reasons: [expect.stringMatching(/^training: onnxruntime [\d.]+ on the CPU$/)] });
      const forced = await startTrainingLane({ objectiveEngine: 'tfjs', backend: 'cpu' });
      expect(forced).toMatchObject({ objectiveEngine: 'tfjs', backend: 'cpu' });
      expect(forced.reasons.at(-1)).toBe('training: TensorFlow.js (forced by IMPASTO_ENGINE)');
      // wasm cannot train: the lane refuses to start, saying why.
      await expect(startTrainingLane({ objectiveEngine: 'tfjs', backend: 'wasm' })).rejects.toThrow(/IMPASTO_BACKEND=wasm: training cannot run on that backend/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
