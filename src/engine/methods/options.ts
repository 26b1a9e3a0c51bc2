/**
 * The methods' options, written once, without the methods' code (as `names.ts` holds their names):
 * the command line's flags and help derive from these tables, and `impasto stylize --help` need not
 * load the engine for them.
 */
import { FAST_NETWORKS } from '../fast/manifest.ts';
import type { OptionSpecs } from '../option-spec.ts';
import { STRENGTH_RANGE, STYLIZE_OPTIONS } from '../options.ts';
import { REGION_OPTIONS } from '../segmentation/targets.ts';

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
