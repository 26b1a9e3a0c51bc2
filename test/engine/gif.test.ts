import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeGif } from '../../src/engine/gif.ts';
import { joinGifs } from '../../src/engine/gif-join.ts';
import type { RgbImage } from '../../src/engine/image.ts';

const [width, height] = [48, 32];

/** A frame of stripes in colours that shift with `index`: each part of a GIF gets its own palette. */
function frameOf(index: number, hue: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      data[at] = (hue + x * 5 + index * 20) % 256;
      data[at + 1] = (y * 7 + index * 30) % 256;
      data[at + 2] = (hue * 2 + (x ^ y) * 3) % 256;
    }
  }
  return { width, height, data };
}

async function gifOf(frames: readonly RgbImage[], delays: number[]): Promise<Buffer> {
  return sharp(Buffer.concat(frames.map((frame) => frame.data)), { raw: { width, height: height * frames.length, channels: 3, pageHeight: height } })
    .gif({ loop: 0, delay: delays, effort: 2 })
    .toBuffer();
}

/** Every page of a GIF, as decoded by libvips. */
async function pagesOf(gif: Uint8Array): Promise<Buffer> {
  return sharp(gif, { pages: -1 }).removeAlpha().raw().toBuffer();
}

describe('animated GIFs', () => {
  it('joins GIFs frame for frame: each part keeps its own colours, its delays, and the first part’s loop', async () => {
    const warm = [0, 1, 2].map((index) => frameOf(index, 0));
    const cold = [0, 1, 2, 3].map((index) => frameOf(index, 140));
    const [first, second] = [await gifOf(warm, [100, 100, 100]), await gifOf(cold, [100, 100, 100, 2000])];
    const joined = joinGifs([first, second]);
    const metadata = await sharp(joined, { animated: true }).metadata();
    expect([metadata.pages, metadata.pageHeight, metadata.loop]).toEqual([7, height, 0]);
    expect(metadata.delay).toEqual([100, 100, 100, 100, 100, 100, 2000]);
    // The second part's frames were coloured by its own global table: they must still be.
    expect((await pagesOf(joined)).equals(Buffer.concat([await pagesOf(first), await pagesOf(second)]))).toBe(true);
  });

  it('refuses parts of different sizes, and what is not a GIF', async () => {
    const small = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).gif().toBuffer();
    expect(() => joinGifs([small, Buffer.from('not a gif at all')])).toThrow(/not a GIF/);
    expect(() => joinGifs([small, Buffer.from(Buffer.from(small).fill(0, 6, 8))])).toThrow(/not the same size/);
  });

  it('encodes many frames in parts at once, and they show as one animation', async () => {
    const frames = Array.from({ length: 12 }, (_, index) => frameOf(index, index * 10));
    const gif = await encodeGif(frames, { frameDelayMs: 80, finalHoldMs: 1500 });
    const metadata = await sharp(gif, { animated: true }).metadata();
    expect([metadata.pages, metadata.loop]).toEqual([12, 0]);
    expect(metadata.delay).toEqual([...Array.from({ length: 11 }, () => 80), 1500]);
    // Each frame as quantised to a GIF palette: close to the frame itself.
    const pages = await pagesOf(gif);
    for (const [index, frame] of frames.entries()) {
      let total = 0;
      for (let at = 0; at < frame.data.length; at++) total += Math.abs(pages[index * frame.data.length + at]! - frame.data[at]!);
      expect(total / frame.data.length).toBeLessThan(12);
    }
  });
});
