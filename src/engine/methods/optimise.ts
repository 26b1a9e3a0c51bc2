import { resizeExactly } from '../image.ts';
import type { StylizeOptionsInput } from '../options.ts';
import type { EngineMethod, MethodResult } from './method.ts';
import { OPTIMISE_OPTIONS } from './options.ts';
import { regionsFor, takeTarget, type Regions } from './regions.ts';
import type { StylizeResult } from '../engine.ts';

/**
 * Gatys et al.: optimise the picture itself until its VGG features match the photo's content and
 * the painting's style. Slow (seconds to minutes) but works with any painting.
 */
export const optimiseMethod: EngineMethod = {
  name: 'optimise',
  description: 'optimise the picture against VGG-19 features (Gatys et al.): any painting, seconds to minutes',
  options: OPTIMISE_OPTIONS,
  async run(context, { inputs, options: input, onProgress, signal }) {
    const { target, rest } = takeTarget(input);
    const engine = await context.engine();
    const regions = await regionsFor(context, inputs, target);
    // `engine.stylize` validates the rest against STYLIZE_OPTIONS (resolveOptions).
    const result = await engine.stylize({ content: inputs.content, styles: inputs.styles, ...definedRegions(regions), options: rest as StylizeOptionsInput, ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
    return resultWithOverlay(result, regions);
  },
};

/** What the engine takes of the regions: the mask and the background's styles, when there are any. */
export function definedRegions(regions: Regions): { mask?: Regions['mask'] & object; background?: Regions['background'] & object } {
  return { ...(regions.mask ? { mask: regions.mask } : {}), ...(regions.background ? { background: regions.background } : {}) };
}

/** The optimisation's result, its GIF opening on the segmentation's overlay when there is one. */
export async function resultWithOverlay(result: StylizeResult, regions: Regions): Promise<MethodResult> {
  const overlay = regions.overlay ? [await resizeExactly(regions.overlay, result.image.width, result.image.height)] : [];
  return { image: result.image, frames: [...overlay, ...result.frames], iterations: result.iterations, elapsedMs: result.elapsedMs, history: result.history };
}
