/**
 * A stand-in engine worker for `EngineHost` tests: ready at once, and each job it is sent is written
 * down in `runsFile` (one job id a line) and done at once, with a made-up outcome.
 */
import { appendFileSync } from 'node:fs';

const { runsFile } = JSON.parse(process.argv[2] ?? '{}') as { runsFile: string };
const send = (message: unknown) => process.send!(message);

// Its reasons say what it was started with, for the tests of how the host starts it.
send({ type: 'ready', backend: 'wasm', objectiveEngine: 'onnx', reasons: ['a stand-in', `GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES ?? ''}`], availableLayers: ['conv1_1'] });
process.on('message', (message: { type: string; jobId?: string }) => {
  if (message.type !== 'run') return;
  appendFileSync(runsFile, `${message.jobId}\n`);
  send({ type: 'done', jobId: message.jobId, outcome: { width: 1, height: 1, iterations: 1, elapsedMs: 1, frames: 1, lossHistory: [] } });
});
