import { throwIfAborted } from '../errors.ts';
import { resizeToLongSide } from '../image.ts';
import { defaultsFor, type StylizeOptionsInput } from '../options.ts';
import type { OptionSpecs } from '../option-spec.ts';
import { FAST_OPTIONS, networkNamed, paintSplitWithNetworks } from './fast.ts';
import type { EngineMethod } from './method.ts';
import { definedRegions, OPTIMISE_OPTIONS, resultWithOverlay } from './optimise.ts';
import { regionsFor, takeTarget } from './regions.ts';

/** The optimisation's options, and the network(s) whose picture it starts from. */
export const BEST_OPTIONS = { network: FAST_OPTIONS.network, backgroundNetwork: FAST_OPTIONS.backgroundNetwork, ...OPTIMISE_OPTIONS } as const satisfies OptionSpecs;

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
    const { network: named, backgroundNetwork, ...options } = rest as StylizeOptionsInput & { network?: unknown; backgroundNetwork?: unknown };
    const network = networkNamed(named);
    const background = backgroundNetwork === undefined ? undefined : networkNamed(backgroundNetwork, 'backgroundNetwork');
    const engine = await context.engine();
    const regions = await regionsFor(context, inputs, target);
    const size = options.size ?? defaultsFor(engine.backend).size;
    const start = await paintSplitWithNetworks(context, await resizeToLongSide(inputs.content, size), network, background, regions.background ? regions.mask : undefined);
    throwIfAborted(signal);
    // `engine.stylize` validates the rest against STYLIZE_OPTIONS.
    const result = await engine.stylize({ content: inputs.content, styles: inputs.styles, ...definedRegions(regions), start, options, ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
    return resultWithOverlay(result, regions);
  },
};
