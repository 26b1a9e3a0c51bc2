import { preserveContentColors } from '../color.ts';
import { blendWithMask, checkMaskShape, maskFromImage } from '../mask.ts';
import { InputError, throwIfAborted } from '../errors.ts';
import { FAST_NETWORKS, loadFastNetwork, locateFastWeights, type FastNetwork, type FastNetworkName } from '../fast/network.ts';
import { hasTrainedNetwork, loadTrainedNetwork, trainedNetworksDirOf } from '../fast/trained.ts';
import { onnxFastRunner, type FastRunner } from '../fast/runner.ts';
import { GIF_MAX_SIDE } from '../gif.ts';
import { resizeExactly, resizeToLongSide, type RgbImage } from '../image.ts';
import { regionsFor } from './regions.ts';
import { namesNetwork, parseOptions, schemaOf, trainedNetworkName } from '../option-spec.ts';
import { STRENGTH_RANGE } from '../options.ts';
import { checkPaintableAt } from '../proportions.ts';
import type { EngineMethod, MethodContext, MethodInputs } from './method.ts';
import { FAST_OPTIONS } from './options.ts';
import { loadOnnxRuntime } from '../onnx/runtime.ts';
import { messageOf } from '../../error-message.ts';

const fastOptionsSchema = schemaOf(FAST_OPTIONS);

/**
 * Feed-forward networks (Johnson et al. 2016): one pass of a network trained for one painting.
 * About a second at 1024 px on a CPU; the painting is the network's, so no style image is used.
 */
export const fastMethod: EngineMethod = {
  name: 'fast',
  description: 'one pass of a network trained for one painting (Johnson et al.): seconds, four paintings',
  options: FAST_OPTIONS,
  async run(context, { inputs, options: input, onProgress, signal }) {
    const started = performance.now();
    const { image, photo, overlay, frames: count } = await paintPicture(context, inputs, input, signal);
    const elapsedMs = performance.now() - started;
    // The picture goes to the chat as the preview before its GIF's frames are made.
    onProgress?.({ iteration: 1, totalIterations: 1, elapsedMs, etaMs: 0, frame: image });
    // The wipe is made at the GIF's size: full-size frames would only be shrunk again, one by one.
    const gifSide = Math.min(GIF_MAX_SIDE, Math.max(photo.width, photo.height));
    const [before, after] = await Promise.all([resizeToLongSide(photo, gifSide), resizeToLongSide(image, gifSide)]);
    const overlayFrame = overlay ? [await resizeExactly(overlay, before.width, before.height)] : [];
    const frames = [...overlayFrame, ...wipe(before, after, count)];
    return { image, frames, iterations: 1, elapsedMs, history: [] };
  },
};

/** The fast method's picture without its GIF: each frame of a clip needs only this. */
export async function paintFastPicture(context: MethodContext, inputs: MethodInputs, options: unknown, signal?: AbortSignal): Promise<RgbImage> {
  return (await paintPicture(context, inputs, options, signal)).image;
}

/**
 * The picture, with the photo at its size (the wipe's first frame), the regions' overlay if the
 * person was found, and the GIF's frame count.
 */
async function paintPicture(context: MethodContext, inputs: MethodInputs, input: unknown, signal: AbortSignal | undefined): Promise<{ image: RgbImage; photo: RgbImage; overlay: RgbImage | undefined; frames: number }> {
  const options = parseOptions(fastOptionsSchema, input);
  // As the optimisation refuses it (engine.ts) and the bot before queueing: a strip is no photo.
  checkPaintableAt(inputs.content, options.size, 'content image', 'content');
  if (inputs.mask) checkMaskShape(inputs.mask, inputs.content);
  const network = networkNamed(options.network);
  const split = options.backgroundNetwork !== undefined;
  if (inputs.background && !split) throw new InputError('invalid_option', 'The background style has no fast network: paint it by optimisation (mode optimise), or choose a background style marked fast.', 'backgroundNetwork');
  const regions = await regionsFor(context, inputs, options.target, split);
  const photo = await resizeToLongSide(inputs.content, options.size);
  throwIfAborted(signal);
  const painted = await paintSplitWithNetworks(context, photo, network, options.backgroundNetwork, split ? regions.mask : undefined);
  let image = blend(photo, painted, options.strength / STRENGTH_RANGE.max);
  if (options.preserveColors) image = preserveContentColors(image, photo);
  // As the optimisation does: white paints, black keeps the photo, grey blends.
  if (regions.mask && !split) image = blendWithMask(image, photo, await maskFromImage(regions.mask, photo.width, photo.height));
  return { image, photo, overlay: regions.overlay, frames: options.frames };
}

/**
 * The network's picture of `photo`; with a background network and the person's mask, the person in
 * the first and the rest in the second (each network paints the whole photo, then they are blended
 * along the feathered outline).
 */
export async function paintSplitWithNetworks(context: NetworkContext, photo: RgbImage, network: string, background: string | undefined, personMask: RgbImage | undefined): Promise<RgbImage> {
  const person = await paintWithNetwork(context, network, photo);
  if (!background || !personMask) return person;
  return blendWithMask(person, await paintWithNetwork(context, background, photo), await maskFromImage(personMask, photo.width, photo.height));
}

/** Where the networks are and what runs them. */
type NetworkContext = Pick<MethodContext, 'fastWeightsDir' | 'trainedNetworksDir' | 'libraryNetworksDir' | 'fastRunner'>;

/** The network a job names (pretrained, or `trained:<name>`), or an `InputError` that lists them (fast and best share it). */
export function networkNamed(value: unknown, field = 'network'): string {
  if (typeof value !== 'string' || !namesNetwork(value, FAST_NETWORKS)) {
    throw new InputError('invalid_option', `Name a network: ${FAST_NETWORKS.join(', ')}, or trained:<name> for one trained here.`, field);
  }
  return value;
}

/** A network by name: a pretrained one (checked against the manifest) or one trained here (against its description). */
export function loadNamedNetwork(context: NetworkContext, name: string): Promise<FastNetwork> {
  const trained = trainedNetworkName(name);
  if (trained) return loadTrainedNetwork(folderOfTrainedNetwork(context, trained), trained);
  return loadFastNetwork(locateFastWeights(context.fastWeightsDir), name as FastNetworkName);
}

/** The folder that holds trained network `name`: the context's own, else the library's where only that has it. */
function folderOfTrainedNetwork(context: NetworkContext, name: string): string {
  const own = trainedNetworksDirOf(context.trainedNetworksDir);
  const library = context.libraryNetworksDir;
  return library !== undefined && !hasTrainedNetwork(own, name) && hasTrainedNetwork(library, name) ? library : own;
}

/** The network's picture of `photo`, at the photo's size, on the context's runner (onnxruntime by default). */
export async function paintWithNetwork(context: NetworkContext, name: string, photo: RgbImage): Promise<RgbImage> {
  const [runner, network] = await Promise.all([context.fastRunner?.() ?? defaultRunner(), loadNamedNetwork(context, name)]);
  return runner.paint(network, photo);
}

async function defaultRunner(): Promise<FastRunner> {
  try {
    return onnxFastRunner(await loadOnnxRuntime());
  } catch (error) {
    throw new Error(`The fast method needs onnxruntime-node, which cannot load here: ${messageOf(error)}`);
  }
}

/** `share` of the painted image over the photo. */
function blend(photo: RgbImage, painted: RgbImage, share: number): RgbImage {
  if (share >= 1) return painted;
  const data = new Uint8Array(photo.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(share * painted.data[i]! + (1 - share) * photo.data[i]!);
  return { width: photo.width, height: photo.height, data };
}

/**
 * There is no optimisation to show: the GIF is a wipe from the photo to the painting, left to right,
 * held a moment at each end.
 */
function wipe(photo: RgbImage, painted: RgbImage, count: number): RgbImage[] {
  const frames: RgbImage[] = [photo];
  for (let index = 1; index < count - 1; index++) {
    const edge = Math.round((index / (count - 1)) * photo.width);
    const data = Uint8Array.from(photo.data);
    for (let row = 0; row < photo.height; row++) {
      const start = row * photo.width * 3;
      data.set(painted.data.subarray(start, start + edge * 3), start);
    }
    frames.push({ width: photo.width, height: photo.height, data });
  }
  frames.push(painted);
  return frames;
}
