/**
 * What a job paints: everything, only the person, or only the background (the person found by
 * segmentation). An option of every method, written once; no dependencies, so that the bot's
 * command definitions can import it without loading the model's runtime.
 */
import type { OptionSpecs } from '../option-spec.ts';

export const TARGETS = ['everything', 'person', 'background'] as const;
export type Target = (typeof TARGETS)[number];

export const REGION_OPTIONS = {
  target: { type: 'choice', choices: TARGETS, default: 'everything', help: 'what to paint: everything, only the person, or only the background (the rest stays the photo)' },
} as const satisfies OptionSpecs;
