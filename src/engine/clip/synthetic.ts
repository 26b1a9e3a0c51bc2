/**
 * A test clip made from a still photo, so that tests and benchmarks need no video files: a patch of a
 * second photo slides across the first, over a little sensor noise (as a real camera's, so that still
 * pixels change a little between frames, as in a real clip).
 */
import { resizeExactly, type RgbImage } from '../image.ts';
import { gaussianNoise } from '../random.ts';
import type { Clip } from './decode.ts';

export interface SyntheticClipOptions {
  readonly frames?: number;
  readonly width?: number;
  readonly height?: number;
  /** Pixels the patch moves per frame (rightwards). */
  readonly speed?: number;
  readonly noise?: number;
  readonly delayMs?: number;
  readonly seed?: number;
}

export async function syntheticClip(background: RgbImage, mover: RgbImage, options: SyntheticClipOptions = {}): Promise<Clip> {
  const { frames = 8, width = 128, height = 96, speed = 3, noise = 2, delayMs = 80, seed = 7 } = options;
  const scene = await resizeExactly(background, width, height);
  const patchSide = Math.round(height / 2);
  const patch = await resizeExactly(mover, patchSide, patchSide);
  const top = Math.round(height / 4);
  const out: RgbImage[] = [];
  for (let index = 0; index < frames; index++) {
    const data = Uint8Array.from(scene.data);
    const left = 4 + index * speed;
    for (let y = 0; y < patchSide; y++) {
      for (let x = 0; x < patchSide && left + x < width; x++) {
        for (let c = 0; c < 3; c++) data[3 * ((top + y) * width + left + x) + c] = patch.data[3 * (y * patchSide + x) + c]!;
      }
    }
    const grain = gaussianNoise(data.length, noise, seed + index);
    for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(data[i]! + grain[i]!)));
    out.push({ width, height, data });
  }
  return { frames: out, delaysMs: out.map(() => delayMs), kind: 'animation' };
}
