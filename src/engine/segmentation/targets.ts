/**
 * What a job paints: everything, only the person, or only the background (the person found by
 * segmentation). An option of every method, written once; no dependencies, so that the bot's
 * command definitions can import it without loading the model's runtime.
 */
import { InputError } from '../errors.ts';
import type { OptionSpecs } from '../option-spec.ts';

export const TARGETS = ['everything', 'person', 'background'] as const;
export type Target = (typeof TARGETS)[number];

export const REGION_OPTIONS = {
  target: { type: 'choice', choices: TARGETS, default: 'everything', help: 'what to paint: everything, only the person, or only the background (the rest stays the photo)' },
} as const satisfies OptionSpecs;

/**
 * The ways of saying where to paint exclude one another: an uploaded mask, a target, a background
 * style (which paints the person and the background each in its own style). Checked by the engine
 * and, before a job is queued, by the bot.
 */
export function checkRegionRequest(request: { readonly mask: boolean; readonly target: Target | undefined; readonly split: boolean }): void {
  const targeted = request.target !== undefined && request.target !== 'everything';
  if (request.split && targeted) throw new InputError('invalid_option', 'A background style already paints the person and the background each in its own style: leave target at everything.', 'target');
  if (request.mask && (targeted || request.split)) throw new InputError('invalid_option', 'Give either a mask or a target (or a background style), not both: the target draws its own mask.', 'mask');
}
