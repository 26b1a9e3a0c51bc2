/**
 * What runs the fast networks, chosen like the optimisation's engine (`chooseObjectiveEngine`):
 * TensorFlow.js on a GPU, else onnxruntime on the CPU, else TensorFlow.js on whatever backend loads.
 */
import { chooseBackend, GPU_BACKENDS, isGpuBackend, type BackendName } from '../backend.ts';
import { cropImage, extendMirrored, type RgbImage } from '../image.ts';
import { runFastNetwork, type FastNetwork } from './network.ts';
import { runFastNetworkTfjs } from './tfjs.ts';

type Ort = typeof import('onnxruntime-node');

export interface FastRunner {
  readonly kind: 'onnx' | 'tfjs';
  /** What paints, for people: "onnxruntime" or "TensorFlow.js tensorflow-gpu". */
  readonly label: string;
  paint(network: FastNetwork, image: RgbImage): Promise<RgbImage>;
}

export interface ChosenFastRunner extends FastRunner {
  /** The TensorFlow.js backend that was started, if any. */
  readonly backend?: BackendName | undefined;
  readonly reasons: readonly string[];
}

/** onnxruntime, tiling pictures too large for one pass. */
export function onnxFastRunner(ort: Ort): FastRunner {
  return { kind: 'onnx', label: 'onnxruntime', paint: (network, image) => paintFramed(image, (framed) => runFastNetwork(ort, network, framed)) };
}

/** TensorFlow.js on its active backend, in one pass (a GPU has the memory for 2048 px). */
export function tfjsFastRunner(backend: BackendName): FastRunner {
  return { kind: 'tfjs', label: `TensorFlow.js ${backend}`, paint: (network, image) => paintFramed(image, (framed) => runFastNetworkTfjs(network, framed)) };
}

/**
 * Pixels of mirrored photo painted around the picture and cut off again. A network's convolutions
 * see zeros past the photo's edge, and it paints bands there: The Scream's an orange stripe a few
 * pixels inside every right edge. Measured against the same pixels painted inside a larger photo,
 * a picture's outer 16 px differed by 19.5 grey levels without the margin and by 13.4 with it
 * (means over the four networks on the four shared photos, each pair closer), for 7% more pixels
 * at 1024×768.
 */
export const PAINTED_MARGIN = 16;

async function paintFramed(image: RgbImage, paint: (framed: RgbImage) => Promise<RgbImage>): Promise<RgbImage> {
  const painted = await paint(await extendMirrored(image, PAINTED_MARGIN));
  return cropImage(painted, PAINTED_MARGIN, PAINTED_MARGIN, image.width, image.height);
}

/**
 * IMPASTO_ENGINE decides as for the optimisation: `tfjs` or `onnx` when forced; `auto` takes
 * TensorFlow.js where the GPU backend starts, else onnxruntime, else TensorFlow.js on any backend.
 */
export async function chooseFastRunner(options: { readonly backend?: BackendName | undefined; readonly engine?: 'auto' | 'onnx' | 'tfjs' | undefined }): Promise<ChosenFastRunner> {
  const engine = options.engine ?? 'auto';
  const onTfjs = async (forced: BackendName | undefined, why: string): Promise<ChosenFastRunner> => {
    const choice = await chooseBackend(forced);
    return { ...tfjsFastRunner(choice.name), backend: choice.name, reasons: [...choice.reasons, why] };
  };
  if (engine === 'tfjs') return onTfjs(options.backend, 'fast networks: TensorFlow.js (forced by IMPASTO_ENGINE)');
  const gpu = engine === 'auto' ? (options.backend ? (isGpuBackend(options.backend) ? options.backend : undefined) : await firstGpuThatStarts()) : undefined;
  if (gpu) return onTfjs(gpu, 'fast networks: TensorFlow.js on the GPU');
  try {
    const ort = (await import('onnxruntime-node')) as Ort;
    return { ...onnxFastRunner(ort), reasons: [`fast networks: onnxruntime ${ort.env.versions.common} on the CPU`] };
  } catch (error) {
    if (engine === 'onnx') throw new Error(`IMPASTO_ENGINE=onnx, but onnxruntime-node cannot load: ${error instanceof Error ? error.message : String(error)}`);
    return onTfjs(options.backend, 'fast networks: TensorFlow.js (onnxruntime-node is not available)');
  }
}

async function firstGpuThatStarts(): Promise<BackendName | undefined> {
  for (const name of GPU_BACKENDS) {
    try {
      return (await chooseBackend(name)).name;
    } catch {
      // not here: the next one
    }
  }
  return undefined;
}
