import { chooseBackend, type BackendName } from '../../src/engine/backend.ts';
import { chooseObjectiveEngine, createEngineFromWeights, type Engine, type ObjectiveEngine } from '../../src/engine/engine.ts';
import { createFeatureNetwork, type FeatureNetwork } from '../../src/engine/vgg.ts';
import { loadVggWeights, type VggWeights } from '../../src/engine/weights.ts';
import { SHARED_VGG_DIR } from './shared.ts';

const engines = new Map<ObjectiveEngine, Promise<Engine>>();

/** One engine of each kind per test file (per worker process), on the shared partial VGG-19 weights. */
export function sharedEngine(kind: ObjectiveEngine = 'tfjs', backend: BackendName = 'wasm'): Promise<Engine> {
  let engine = engines.get(kind);
  if (!engine) {
    engine = (async () => {
      const choice = await chooseBackend(backend);
      const { ort } = await chooseObjectiveEngine(kind, choice.name);
      return createEngineFromWeights(choice, await loadVggWeights(SHARED_VGG_DIR), ort);
    })();
    engines.set(kind, engine);
  }
  return engine;
}

/** The shared partial VGG-19 weights and a max-pooling feature network on them, on the wasm backend (the caller disposes the network). */
export async function loadSharedFeatureNetwork(): Promise<{ weights: VggWeights; network: FeatureNetwork }> {
  await chooseBackend('wasm');
  const weights = await loadVggWeights(SHARED_VGG_DIR);
  return { weights, network: createFeatureNetwork(weights, 'max') };
}
