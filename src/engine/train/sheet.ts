import sharp from 'sharp';
import { resizeToLongSide, rgbImageOf, toSharp, type RgbImage } from '../image.ts';

const GAP = 12;
const BACKGROUND = { r: 244, g: 241, b: 234 };

/**
 * What training made, at a glance: the painting, a photo the network never saw, and the network's
 * picture of it, side by side at the photo's height.
 */
export async function renderBeforeAfterSheet(painting: RgbImage, photo: RgbImage, painted: RgbImage): Promise<RgbImage> {
  const height = photo.height;
  const paintingThumb = await resizeToLongSide(painting, Math.round(Math.max(painting.width, painting.height) * (height / painting.height)));
  const parts = [paintingThumb, photo, painted];
  const width = parts.reduce((sum, part) => sum + part.width, 0) + GAP * (parts.length + 1);
  const lefts = parts.map((_, index) => GAP + parts.slice(0, index).reduce((sum, part) => sum + part.width + GAP, 0));
  const layers = await Promise.all(parts.map(async (part, index) => ({ input: await toSharp(part).png().toBuffer(), left: lefts[index]!, top: GAP })));
  return rgbImageOf(sharp({ create: { width, height: height + 2 * GAP, channels: 3, background: BACKGROUND } }).composite(layers).removeAlpha());
}
