import { throwIfAborted } from '../errors.ts';
import { resizeToLongSide } from '../image.ts';
import { defaultsFor, STYLIZE_OPTIONS, type StylizeOptionsInput } from '../options.ts';
import type { OptionSpecs } from '../option-spec.ts';
import { FAST_OPTIONS, networkNamed, paintWithNetwork } from './fast.ts';
import type { EngineMethod } from './method.ts';

/** The optimisation's options, and the network whose picture it starts from. */
export const BEST_OPTIONS = { network: FAST_OPTIONS.network, ...STYLIZE_OPTIONS } as const satisfies OptionSpecs;

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
    const { network: named, ...options } = (input ?? {}) as StylizeOptionsInput & { network?: unknown };
    const network = networkNamed(named);
    const engine = await context.engine();
    const size = options.size ?? defaultsFor(engine.backend).size;
    const start = await paintWithNetwork(context, network, await resizeToLongSide(inputs.content, size));
    throwIfAborted(signal);
    // `engine.stylize` validates the rest against STYLIZE_OPTIONS.
    const result = await engine.stylize({ content: inputs.content, styles: inputs.styles, ...(inputs.mask ? { mask: inputs.mask } : {}), start, options, ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
    return { image: result.image, frames: result.frames, iterations: result.iterations, elapsedMs: result.elapsedMs, history: result.history };
  },
};
