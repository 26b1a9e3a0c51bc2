/**
 * A stand-in engine worker for `EngineHost` tests: its first start fails for missing weights and the
 * process then takes a few seconds to exit (as a loaded machine's worker can); any later start is ready.
 */
import { existsSync, writeFileSync } from 'node:fs';

const { startedMarker } = JSON.parse(process.argv[2] ?? '{}') as { startedMarker: string };
const send = (message: unknown) => process.send!(message);

if (!existsSync(startedMarker)) {
  writeFileSync(startedMarker, 'failed once');
  send({ type: 'startup-failed', message: 'VGG-19 weights not found', missingWeights: true });
  setTimeout(() => process.exit(1), 3000);
} else {
  send({ type: 'ready', backend: 'wasm', objectiveEngine: 'onnx', reasons: ['a stand-in'], availableLayers: ['conv1_1'] });
  // Listening keeps the IPC channel, and so the process, alive until the host kills it.
  process.on('message', () => undefined);
}
