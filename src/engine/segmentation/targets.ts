/**
 * What a job paints: everything, only the person, or only the background (the person found by
 * segmentation), and the mask each paints from a segmentation. An option of every method, written
 * once; no dependencies, so that the bot's command definitions and the methods' option tables (the
 * command line's flags) can import it without loading the model's runtime.
 */
import { InputError } from '../errors.ts';
import type { Mask } from '../mask.ts';
import type { OptionSpecs } from '../option-spec.ts';

export const TARGETS = ['everything', 'person', 'background'] as const;
export type Target = (typeof TARGETS)[number];

export const REGION_OPTIONS = {
  target: { type: 'choice', choices: TARGETS, default: 'everything', help: 'what to paint: everything, only the person, or only the background (the rest stays the photo)' },
} as const satisfies OptionSpecs;

export interface RegionRequest {
  readonly mask: boolean;
  readonly target: Target | undefined;
  readonly split: boolean;
}

function isTargeted(target: Target | undefined): boolean {
  return target !== undefined && target !== 'everything';
}

/** Whether a (checked) request paints from a segmentation: a target or a background style, and no mask of its own. */
export function needsSegmentation(request: RegionRequest): boolean {
  return !request.mask && (request.split || isTargeted(request.target));
}

/**
 * The ways of saying where to paint exclude one another: an uploaded mask, a target, a background
 * style (which paints the person and the background each in its own style). Checked by the engine
 * and, before a job is queued, by the bot.
 */
export function checkRegionRequest(request: RegionRequest): void {
  const targeted = isTargeted(request.target);
  if (request.split && targeted) throw new InputError('invalid_option', 'A background style already paints the person and the background each in its own style: leave target at everything.', 'target');
  if (request.mask && (targeted || request.split)) throw new InputError('invalid_option', 'Give either a mask or a target (or a background style), not both: the target draws its own mask.', 'mask');
}

/**
 * A photo "has a person" when at least this share of its pixels is above 0.5. Measured on the shared
 * photos (letterboxed): the small standing person 5.0%, the dog 9.4% (the model counts pets), the
 * Tübingen houses 0.26% (a few specks).
 */
export const MIN_PERSON_SHARE = 0.01;

export interface Segmentation {
  /** 1 = person, 0 = background, at the photo's size, feathered. */
  readonly mask: Mask;
  /** The share of the photo's pixels the model is sure are a person (above 0.5). */
  readonly personShare: number;
}

/**
 * The mask that paints `target` (white = paint): the person, or everything but the person. A photo
 * with no person cannot have either, and says so rather than coming back unchanged.
 */
export function maskForTarget(segmentation: Segmentation, target: Exclude<Target, 'everything'>): Mask {
  if (segmentation.personShare < MIN_PERSON_SHARE) {
    throw new InputError(
      'no_person',
      `I couldn't find a person in this photo (under ${MIN_PERSON_SHARE * 100}% of it looks like one), so there is no ${target} to paint on its own. Use target everything, or a photo with someone in it.`,
      'target',
    );
  }
  const { mask } = segmentation;
  return target === 'person' ? mask : { ...mask, values: mask.values.map((value) => 1 - value) };
}
