import type { MethodName } from '../../engine/methods/index.ts';
import { BotError } from '../errors.ts';
import type { Style } from '../styles/library.ts';
import type { OptionDefinition } from './types.ts';

/**
 * How /stylize paints: `fast` (one pass of a network trained on the painting: seconds, only styles
 * marked fast), `optimise` (Gatys et al.: any painting, a minute) or `best` (the optimisation
 * started from the fast picture).
 */
export const STYLIZE_MODES = ['fast', 'best', 'optimise'] as const;
export type StylizeMode = (typeof STYLIZE_MODES)[number];

/** Chat options that only the optimisation reads: giving one (other than its default) asks for it. */
export const OPTIMISE_ONLY_OPTIONS = ['iterations', 'content_weight', 'style_weight', 'tv_weight', 'optimizer', 'init', 'style_scale', 'multi_scale'] as const;

export interface ModeRequest {
  /** The mode asked for, if any. */
  readonly asked: StylizeMode | undefined;
  /** The one library style named, or undefined for an upload or a blend (neither has a network). */
  readonly style: Style | undefined;
  /** The background's style when one was given (`style` then paints the person): its one library style, or undefined for a blend. */
  readonly background?: { readonly style: Style | undefined } | undefined;
  /** The chat arguments, to see which optimisation options were given. */
  readonly args: Readonly<Record<string, unknown>>;
  /** The command's options, for their defaults. */
  readonly options: Readonly<Record<string, OptionDefinition>>;
}

/**
 * The method that paints a /stylize: the fast network when the style has one and nothing asked for
 * the optimisation, else the optimisation; a mode asked for is checked against the style and options.
 */
export function chooseMethod({ asked, style, background, args, options }: ModeRequest): { method: MethodName; network?: string; backgroundNetwork?: string } {
  const network = style?.network;
  const backgroundNetwork = background?.style?.network;
  // A split is fast only when both sides have a network.
  const fastPossible = network !== undefined && (!background || backgroundNetwork !== undefined);
  const optimiseOnly = OPTIMISE_ONLY_OPTIONS.filter((name) => args[name] !== undefined && args[name] !== defaultOf(options[name]));
  if (asked === 'optimise' || (asked === undefined && (!fastPossible || optimiseOnly.length > 0))) return { method: 'optimise' };
  if (!network) {
    const which = style ? `"${style.name}" has no fast network` : 'an uploaded style or a blend has no fast network';
    throw new BotError('invalid_option', `mode ${asked} needs a style marked "fast" in the library (see /styles): ${which}. Leave mode empty to paint it by optimisation.`, 'mode');
  }
  if (background && !backgroundNetwork) {
    const which = background.style ? `"${background.style.name}" has no fast network` : 'a blend has no fast network';
    throw new BotError('invalid_option', `mode ${asked} needs a background style marked "fast" too: ${which}. Leave mode empty to paint it by optimisation.`, 'background_style');
  }
  if (asked === 'fast' && optimiseOnly.length > 0) {
    throw new BotError('invalid_option', `${optimiseOnly[0]} does not apply to mode fast (one pass of a network): leave it empty, or choose mode best or optimise.`, optimiseOnly[0]);
  }
  return { method: asked === 'best' ? 'best' : 'fast', network, ...(backgroundNetwork ? { backgroundNetwork } : {}) };
}

function defaultOf(option: OptionDefinition | undefined): unknown {
  return option && 'default' in option ? option.default : undefined;
}
