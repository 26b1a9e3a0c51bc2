/** Clips out: an MP4 of the stylized frames (H.264 by ffmpeg) when the input was a video. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resizeExactly, type RgbImage } from '../image.ts';
import { runFfmpeg } from './decode.ts';

export interface Mp4Options {
  /**
   * The video the frames were painted from: its sound goes with them (AAC), cut to the frames'
   * length. A painted phone video came back silent. One without sound gives none.
   */
  readonly soundFrom?: Uint8Array | undefined;
}

/** H.264 in MP4 at the frames' mean rate; sides rounded down to even numbers, as yuv420p needs. */
export async function encodeMp4(frames: readonly RgbImage[], delaysMs: readonly number[], options: Mp4Options = {}): Promise<Buffer> {
  const first = frames[0];
  if (!first) throw new Error('encodeMp4 needs at least one frame');
  const [width, height] = [first.width - (first.width % 2), first.height - (first.height % 2)];
  const even = await Promise.all(frames.map((frame) => resizeExactly(frame, width, height)));
  const fps = 1000 / (delaysMs.reduce((sum, delay) => sum + delay, 0) / delaysMs.length);
  const dir = await mkdtemp(join(tmpdir(), 'impasto-mp4-'));
  try {
    const output = join(dir, 'out.mp4');
    const source = join(dir, 'source');
    if (options.soundFrom) await writeFile(source, options.soundFrom);
    // The source's first audio track if it has one (`?`), ending with the frames.
    const sound = options.soundFrom ? ['-i', source, '-map', '0:v', '-map', '1:a:0?', '-c:a', 'aac', '-b:a', '128k', '-shortest'] : [];
    const args = ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-framerate', fps.toFixed(3), '-i', 'pipe:0', ...sound, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', output];
    await runFfmpeg(args, 1, Buffer.concat(even.map((frame) => frame.data)));
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
