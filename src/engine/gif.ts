import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { joinGifs } from './gif-join.ts';
import { MEBIBYTE, resizeExactly, type RgbImage } from './image.ts';

export interface GifOptions {
  /** Milliseconds each frame but the last is shown. */
  readonly frameDelayMs?: number;
  /** Milliseconds the final frame is held before the loop restarts. */
  readonly finalHoldMs?: number;
  /** The GIF is shrunk until it fits (chat platforms cap uploads; the default 8 MB is within Discord's 10 MB without boosts). */
  readonly maxBytes?: number;
  /**
   * Long side of the GIF at most. The PNG carries the full resolution; the GIF shows the picture
   * emerging, and at 1024 px it took tens of seconds to encode and came out over the upload limit.
   */
  readonly maxSide?: number;
  /** Each frame's own delay (a clip's timing); overrides `frameDelayMs` and `finalHoldMs`. */
  readonly delaysMs?: readonly number[];
}

/** The GIF's long side at most, unless asked otherwise: the PNG carries the full resolution. */
export const GIF_MAX_SIDE = 512;

/**
 * A clip's GIF at most: Discord's upload limit on a server at boost level 2, within the 64 MB a
 * job's file may be as it travels through Redis. It is made so once, and each delivery scales it
 * to fit where it goes (`fitUploadLimit`): on Slack, the playground and a boosted server it is
 * shown as made.
 */
export const CLIP_GIF_MAX_BYTES = 50 * MEBIBYTE;

/** Which iterations to keep as frames: about `budget` of them, evenly spaced, always the last. */
export function frameInterval(iterations: number, budget: number): number {
  return Math.max(1, Math.ceil(iterations / Math.max(1, budget - 1)));
}

/**
 * Encodes frames (all the same size) as a looping animated GIF with sharp/libvips, at most `maxSide`
 * on its long side: in parts, one per core, joined after (`gif-join.ts`). When the result is over
 * `maxBytes`, the frames are scaled down by 3/4 and encoded again.
 */
export async function encodeGif(frames: readonly RgbImage[], options: GifOptions = {}): Promise<Buffer> {
  return (await encodeGifFitting(frames, options)).bytes;
}

/** `encodeGif`, saying the size it came out at (smaller than asked when it had to fit `maxBytes`). */
export async function encodeGifFitting(frames: readonly RgbImage[], options: GifOptions = {}): Promise<{ bytes: Buffer; width: number; height: number }> {
  const { frameDelayMs = 120, finalHoldMs = 2000, maxBytes = 8 * 1024 * 1024, maxSide = GIF_MAX_SIDE, delaysMs } = options;
  const first = frames[0];
  if (!first) throw new Error('encodeGif needs at least one frame');
  let scale = Math.min(1, maxSide / Math.max(first.width, first.height));
  const delays = delaysMs ? [...delaysMs] : frames.map((_, index) => (index === frames.length - 1 ? finalHoldMs : frameDelayMs));
  for (;;) {
    const width = Math.max(16, Math.round(first.width * scale));
    const height = Math.max(16, Math.round(first.height * scale));
    const scaled = await Promise.all(frames.map((frame) => resizeExactly(frame, width, height)));
    // libvips encodes a GIF on one thread: the frames go in parts, one per core, joined after.
    const parts = splitEvenly(scaled.length, Math.min(availableParallelism(), Math.floor(scaled.length / MIN_FRAMES_PER_PART)));
    const encoded = await Promise.all(parts.map(({ start, end }) => encodeFrames(scaled.slice(start, end), delays.slice(start, end), width, height)));
    const gif = encoded.length === 1 ? encoded[0]! : joinGifs(encoded);
    if (gif.byteLength <= maxBytes || width <= 16) return { bytes: gif, width, height };
    scale *= 0.75;
  }
}

/**
 * Each part's first frame is stored whole, where libvips stores later frames as what changed: the
 * 12-frame before/after wipe of a fast picture took 0.8–1.0 s instead of 1.3–1.8 s in two parts,
 * and 478 KB instead of 327 KB. Parts of fewer frames would pay that for little time.
 */
const MIN_FRAMES_PER_PART = 4;

/**
 * One GIF of `frames`. Quantiser effort 2: 30 frames at 512 px took about 5 s on one thread and came
 * out within 5% of the size of effort 7's, which took 35 s.
 */
function encodeFrames(frames: readonly RgbImage[], delays: number[], width: number, height: number): Promise<Buffer> {
  const strip = Buffer.concat(frames.map((frame) => frame.data));
  return sharp(strip, { raw: { width, height: height * frames.length, channels: 3, pageHeight: height } })
    .gif({ loop: 0, delay: delays, effort: 2 })
    .toBuffer();
}

/** `count` items as at most `parts` runs of nearly equal length (at least one run). */
function splitEvenly(count: number, parts: number): { start: number; end: number }[] {
  const runs = Math.max(1, Math.min(parts, count));
  return Array.from({ length: runs }, (_, index) => ({ start: Math.round((index * count) / runs), end: Math.round(((index + 1) * count) / runs) }));
}
