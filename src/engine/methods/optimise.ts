import { STYLIZE_OPTIONS, type StylizeOptionsInput } from '../options.ts';
import type { EngineMethod } from './method.ts';

/**
 * Gatys et al.: optimise the picture itself until its VGG features match the photo's content and
 * the painting's style. Slow (seconds to minutes) but works with any painting.
 */
export const optimiseMethod: EngineMethod = {
  name: 'optimise',
  description: 'optimise the picture against VGG-19 features (Gatys et al.): any painting, seconds to minutes',
  options: STYLIZE_OPTIONS,
  async run(context, { inputs, options, onProgress, signal }) {
    const engine = await context.engine();
    // `engine.stylize` validates the options against STYLIZE_OPTIONS (resolveOptions).
    const result = await engine.stylize({ content: inputs.content, styles: inputs.styles, ...(inputs.mask ? { mask: inputs.mask } : {}), options: options as StylizeOptionsInput, ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
    return { image: result.image, frames: result.frames, iterations: result.iterations, elapsedMs: result.elapsedMs, history: result.history };
  },
};
