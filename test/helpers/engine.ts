import { chooseBackend, type BackendName } from '../../src/engine/backend.ts';
import { createEngineFromWeights, type Engine } from '../../src/engine/engine.ts';
import { loadVggWeights } from '../../src/engine/weights.ts';
import { SHARED_VGG_DIR } from './shared.ts';

let engine: Promise<Engine> | undefined;

/** One engine per test file (per worker process), on the shared partial VGG-19 weights. */
export function sharedEngine(backend: BackendName = 'wasm'): Promise<Engine> {
  engine ??= (async () => createEngineFromWeights(await chooseBackend(backend), await loadVggWeights(SHARED_VGG_DIR)))();
  return engine;
}
