import { throwIfAborted } from '../errors.ts';
import type { Engine } from '../engine.ts';
import { resizeToLongSide, type RgbImage } from '../image.ts';
import { defaultsFor, type StylizeOptionsInput } from '../options.ts';
import { networkNamed, paintSplitWithNetworks } from './fast.ts';
import type { EngineMethod, MethodContext } from './method.ts';
import { definedRegions, resultWithOverlay } from './optimise.ts';
import { BEST_OPTIONS } from './options.ts';
import { regionsFor, takeTarget, type Regions } from './regions.ts';

/**
 * The fast network's picture refined by optimisation: Gatys et al. started from a picture that
 * already looks like the painting rather than from the photo. Its result is the optimisation's, at
 * the optimisation's cost; see the README for how its loss compares with starting from the photo.
 */
export const bestMethod: EngineMethod = {
  name: 'best',
  description: "optimise (Gatys et al.) starting from the fast network's picture: any size, a minute or so",
  options: BEST_OPTIONS,
  async run(context, { inputs, options: input, onProgress, signal }) {
    const { target, rest } = takeTarget(input);
    const { network, backgroundNetwork, ...options } = rest as StylizeOptionsInput & { network?: unknown; backgroundNetwork?: unknown };
    const engine = await context.engine();
    const regions = await regionsFor(context, inputs, target);
    const start = await startFromNetworks(context, engine, inputs.content, { network, backgroundNetwork, size: options.size }, regions);
    throwIfAborted(signal);
    // `engine.stylize` validates the rest against STYLIZE_OPTIONS.
    const result = await engine.stylize({ content: inputs.content, styles: inputs.styles, ...definedRegions(regions), start, options, ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
    return resultWithOverlay(result, regions);
  },
};

/**
 * The picture `best` starts from, at the optimisation's size: the network's, or with a background
 * network and a split, the person in one network's picture and the rest in the other's.
 */
export async function startFromNetworks(
  context: Pick<MethodContext, 'fastWeightsDir' | 'trainedNetworksDir' | 'fastRunner'>,
  engine: Engine,
  content: RgbImage,
  options: { readonly network: unknown; readonly backgroundNetwork: unknown; readonly size: number | undefined },
  regions: Regions,
): Promise<RgbImage> {
  const network = networkNamed(options.network);
  const background = options.backgroundNetwork === undefined ? undefined : networkNamed(options.backgroundNetwork, 'backgroundNetwork');
  const photo = await resizeToLongSide(content, options.size ?? defaultsFor(engine.backend).size);
  return paintSplitWithNetworks(context, photo, network, background, regions.background ? regions.mask : undefined);
}
