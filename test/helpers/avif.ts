import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runFfmpeg } from '../../src/engine/clip/decode.ts';
import type { RgbImage } from '../../src/engine/image.ts';
import { inTempDir } from './video.ts';

/**
 * An animated AVIF ("avis": AV1 frames as a track) made by Debian's ffmpeg, as a browser or libavif
 * would make one; ffmpeg's muxer writes no still picture beside the frames. Frames of one size.
 */
export function animatedAvif(frames: readonly RgbImage[], fps: number): Promise<Buffer> {
  return inTempDir(async (dir) => {
    const path = join(dir, 'clip.avif');
    const { width, height } = frames[0]!;
    const raw = Buffer.concat(frames.map((frame) => frame.data));
    await runFfmpeg(['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0', '-c:v', 'libaom-av1', '-cpu-used', '8', '-crf', '10', '-y', path], 1024, raw);
    return readFile(path);
  });
}
