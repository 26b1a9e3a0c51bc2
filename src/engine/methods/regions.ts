/**
 * Where a method paints, from the photo itself: the person, the background, or the person in one
 * style and the background in another. The mask comes from the person-segmentation model; every
 * method uses the same one, and shows it (the GIF's first frame, the first progress preview).
 */
import type { WeightedStyle } from '../engine.ts';
import type { RgbImage } from '../image.ts';
import type { Mask } from '../mask.ts';
import { parseOptions, schemaOf } from '../option-spec.ts';
import { checkRegionRequest, maskForTarget, REGION_OPTIONS, type Target } from '../segmentation/targets.ts';
import type { MethodContext, MethodInputs } from './method.ts';

const regionSchema = schemaOf(REGION_OPTIONS);

export interface Regions {
  /** White paints (with `background`: the first style), black keeps the photo (or: the background's style). */
  readonly mask?: RgbImage | undefined;
  readonly background?: readonly WeightedStyle[] | undefined;
  /** The photo with the found person outlined, when the mask came from segmentation. */
  readonly overlay?: RgbImage | undefined;
}

/** A method's options without `target`, and the target (validated). */
export function takeTarget(input: unknown): { target: Target; rest: Record<string, unknown> } {
  const { target, ...rest } = (input ?? {}) as Record<string, unknown>;
  return { target: parseOptions(regionSchema, { target }).target, rest };
}

/**
 * The mask and background styles a job paints with: an uploaded mask as it is, or the person found
 * in the photo for a target or a background style (`split`: the background has a style of its own,
 * given as styles or, for a network, by the caller).
 */
export async function regionsFor(context: Pick<MethodContext, 'segmenter'>, inputs: MethodInputs, target: Target, split = Boolean(inputs.background)): Promise<Regions> {
  checkRegionRequest({ mask: inputs.mask !== undefined, target, split });
  if (!split && target === 'everything') return { mask: inputs.mask };
  if (!context.segmenter) throw new Error('person segmentation is not available in this engine process');
  const segmentation = await (await context.segmenter()).segment(inputs.content);
  const mask = maskForTarget(segmentation, target === 'everything' ? 'person' : target);
  return { mask: maskImageOf(mask), background: inputs.background, overlay: overlayOf(inputs.content, segmentation.mask) };
}

/** A mask as a grey picture (white = 1), the form the engine and the blends take. */
export function maskImageOf(mask: Mask): RgbImage {
  const data = new Uint8Array(mask.values.length * 3);
  for (let p = 0; p < mask.values.length; p++) data.fill(Math.round(Math.min(1, Math.max(0, mask.values[p]!)) * 255), 3 * p, 3 * p + 3);
  return { width: mask.width, height: mask.height, data };
}

/** The photo with the person tinted and the rest dimmed: what the segmentation found, at a glance. */
export function overlayOf(photo: RgbImage, person: Mask): RgbImage {
  const data = new Uint8Array(photo.data.length);
  const tint = [255, 64, 160];
  for (let p = 0; p < person.values.length; p++) {
    const m = person.values[p]!;
    for (let c = 0; c < 3; c++) {
      const pixel = photo.data[3 * p + c]!;
      data[3 * p + c] = Math.round(m * (0.6 * pixel + 0.4 * tint[c]!) + (1 - m) * 0.45 * pixel);
    }
  }
  return { width: photo.width, height: photo.height, data };
}
