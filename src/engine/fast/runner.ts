/**
 * What runs the fast networks, chosen like the optimisation's engine (`chooseObjectiveEngine`):
 * TensorFlow.js on a GPU, else onnxruntime on the CPU, else TensorFlow.js on whatever backend loads.
 */
import { chooseBackend, gpuBackendFor, type BackendChoice, type BackendName, type ObjectiveEngineSetting } from '../backend.ts';
import { loadOnnxRuntimeOnWebGpu, type OnnxDevice } from '../onnx/sessions.ts';
import { cropImage, extendMirrored, type Margins, type RgbImage } from '../image.ts';
import { runFastNetwork, type FastNetwork } from './network.ts';
import { runFastNetworkTfjs } from './tfjs.ts';
import { loadOnnxRuntime, onnxRuntimeCannotLoad } from '../onnx/runtime.ts';

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

/** onnxruntime (on its CPU, or its WebGPU provider), tiling pictures too large for one pass. */
export function onnxFastRunner(ort: Ort, device: OnnxDevice = 'cpu'): FastRunner {
  const label = device === 'cpu' ? 'onnxruntime' : 'onnxruntime on the GPU';
  return { kind: 'onnx', label, paint: (network, image) => paintFramed(image, (framed) => runFastNetwork(ort, network, framed, { device })) };
}

/** TensorFlow.js on its active backend, in one pass (a GPU has the memory for 2048 px). */
export function tfjsFastRunner(backend: BackendName): FastRunner {
  return { kind: 'tfjs', label: `TensorFlow.js ${backend}`, paint: (network, image) => paintFramed(image, (framed) => runFastNetworkTfjs(network, framed)) };
}

/**
 * Mirrored photo painted around the picture and cut off again. A network's convolutions see zeros
 * past the photo's edge, and it paints bands there: Udnie a dark stripe down the right edge, the
 * Great Wave a lighter band along the bottom, and The Scream a bright stripe about 5 px and a dark
 * one about 22 px inside the right edge. Those two reach furthest, so the right margin is twice
 * the others. Measured against the same pixels painted inside a larger photo, a picture's outer
 * 16 px differed by 19.5 grey levels without margins and by 12.6 with these (means over the four
 * networks on the four shared photos; each pair closer, the right edges 24.6 → 10.9), for 9% more
 * pixels at 1024×768 (18% at 512 px).
 */
export const PAINTED_MARGINS: Margins = { top: 16, right: 32, bottom: 16, left: 16 };

/** `paint` of the picture with `PAINTED_MARGINS` around it, cut back to the picture. */
export async function paintFramed(image: RgbImage, paint: (framed: RgbImage) => Promise<RgbImage>): Promise<RgbImage> {
  const painted = await paint(await extendMirrored(image, PAINTED_MARGINS));
  return cropImage(painted, PAINTED_MARGINS.left, PAINTED_MARGINS.top, image.width, image.height);
}

/**
 * IMPASTO_ENGINE decides as for the optimisation: `tfjs`, `onnx` or `onnx-webgpu` when forced; `auto`
 * takes TensorFlow.js where the GPU backend starts, else onnxruntime, else TensorFlow.js on any backend.
 */
export async function chooseFastRunner(options: { readonly backend?: BackendName | undefined; readonly engine?: ObjectiveEngineSetting | undefined }): Promise<ChosenFastRunner> {
  const engine = options.engine ?? 'auto';
  if (engine === 'onnx-webgpu') {
    const ort = await loadOnnxRuntimeOnWebGpu();
    return { ...onnxFastRunner(ort, 'webgpu'), reasons: [`fast networks: onnxruntime ${ort.env.versions.common} on the GPU (WebGPU provider, forced by IMPASTO_ENGINE)`] };
  }
  const onTfjs = (choice: BackendChoice, why: string): ChosenFastRunner => ({ ...tfjsFastRunner(choice.name), backend: choice.name, reasons: [...choice.reasons, why] });
  if (engine === 'tfjs') return onTfjs(await chooseBackend(options.backend), 'fast networks: TensorFlow.js (forced by IMPASTO_ENGINE)');
  const gpu = engine === 'auto' ? await gpuBackendFor(options.backend) : undefined;
  if (gpu) return onTfjs(gpu, 'fast networks: TensorFlow.js on the GPU');
  try {
    const ort = await loadOnnxRuntime();
    return { ...onnxFastRunner(ort), reasons: [`fast networks: onnxruntime ${ort.env.versions.common} on the CPU`] };
  } catch (error) {
    if (engine === 'onnx') throw onnxRuntimeCannotLoad(engine, error);
    return onTfjs(await chooseBackend(options.backend), 'fast networks: TensorFlow.js (onnxruntime-node is not available)');
  }
}
