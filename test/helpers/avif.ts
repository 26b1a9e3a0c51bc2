import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from '../../src/engine/clip/decode.ts';
import type { RgbImage } from '../../src/engine/image.ts';

/**
 * An animated AVIF ("avis": AV1 frames as a track) made by Debian's ffmpeg, as a browser or libavif
 * would make one; ffmpeg's muxer writes no still picture beside the frames. Frames of one size.
 */
export async function animatedAvif(frames: readonly RgbImage[], fps: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'impasto-avis-'));
  try {
    const path = join(dir, 'clip.avif');
    const { width, height } = frames[0]!;
    const raw = Buffer.concat(frames.map((frame) => frame.data));
    await runFfmpeg(['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0', '-c:v', 'libaom-av1', '-cpu-used', '8', '-crf', '10', '-y', path], 1024, raw);
    return await readFile(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
