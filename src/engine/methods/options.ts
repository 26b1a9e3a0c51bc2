/**
 * The methods' options, written once, without the methods' code (as `names.ts` holds their names):
 * the command line's flags and help derive from these tables, and what reads a job's options
 * (`trainedNetworksOf`: the bot's library, the Redis queue) need not load the engine for them.
 */
import { FAST_NETWORKS } from '../fast/manifest.ts';
import { trainedNetworkName, type OptionSpecs } from '../option-spec.ts';
import { STRENGTH_RANGE, STYLIZE_OPTIONS } from '../options.ts';
import { REGION_OPTIONS } from '../segmentation/targets.ts';
import { TRAIN_OPTIONS } from '../train/options.ts';
import type { MethodName } from './names.ts';

/** The optimisation's options and where it paints. */
export const OPTIMISE_OPTIONS = { ...STYLIZE_OPTIONS, ...REGION_OPTIONS } as const satisfies OptionSpecs;

/** The fast method's options (the CLI's `impasto fast` flags derive from them). */
export const FAST_OPTIONS = {
  network: { type: 'network', pretrained: FAST_NETWORKS, help: 'the trained network: one per painting' },
  backgroundNetwork: { type: 'network', pretrained: FAST_NETWORKS, help: "the background's network, while the person gets `network` (found by segmentation)" },
  size: { type: 'integer', min: 64, max: 2048, default: 1024, help: 'long side of the result in pixels' },
  // The optimisation's scale and direction; the top is the network's picture alone.
  strength: { type: 'number', min: STRENGTH_RANGE.min, max: STRENGTH_RANGE.max, default: STRENGTH_RANGE.max, help: 'how much it looks like the painting: below 10 the photo shows through' },
  preserveColors: { type: 'boolean', default: false, help: "keep the photo's colours (stylize the light and dark only)" },
  frames: { type: 'integer', min: 2, max: 60, default: 12, help: 'frames of the before/after GIF' },
  ...REGION_OPTIONS,
} as const satisfies OptionSpecs;

/** The optimisation's options, and the network(s) whose picture it starts from. */
export const BEST_OPTIONS = { network: FAST_OPTIONS.network, backgroundNetwork: FAST_OPTIONS.backgroundNetwork, ...OPTIMISE_OPTIONS } as const satisfies OptionSpecs;

/** Training's options, and the name the network is saved as. */
export const TRAIN_METHOD_OPTIONS = {
  ...TRAIN_OPTIONS,
  saveAs: { type: 'network', pretrained: [], made: true, help: 'the name the network is saved as: trained:<name>' },
} as const satisfies OptionSpecs;

/** Each method's table, by name (`index.ts` holds the methods, each with its table: a test ties the two). */
export const METHOD_OPTIONS = {
  optimise: OPTIMISE_OPTIONS,
  fast: FAST_OPTIONS,
  best: BEST_OPTIONS,
  train: TRAIN_METHOD_OPTIONS,
} as const satisfies Record<MethodName, OptionSpecs>;

/**
 * The networks trained here that a job names in its options (`trained:<name>` values of its
 * network options, without the prefix): those it paints with, and the one it makes (a training
 * job's). Machines that keep their own networks (Redis workers) copy these before and after a job.
 */
export function trainedNetworksOf(method: string, options: unknown): { readonly uses: readonly string[]; readonly makes?: string | undefined } {
  const specs: OptionSpecs = (METHOD_OPTIONS as Record<string, OptionSpecs>)[method] ?? {};
  const values = typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
  const uses: string[] = [];
  let makes: string | undefined;
  for (const [key, spec] of Object.entries(specs)) {
    const value = values[key];
    if (spec.type !== 'network' || typeof value !== 'string') continue;
    const name = trainedNetworkName(value);
    if (!name) continue;
    if (spec.made) makes = name;
    else if (!uses.includes(name)) uses.push(name);
  }
  return { uses, makes };
}
