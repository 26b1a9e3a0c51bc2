import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runFfmpeg } from '../../src/engine/clip/decode.ts';
import type { RgbImage } from '../../src/engine/image.ts';

/** `use` with a fresh folder of its own, removed afterwards: where ffmpeg reads and writes the test's files. */
export async function inTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'impasto-media-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `mp4` written again by ffmpeg, as its first input, with `args` after it (more inputs, maps, codecs, filters). */
function rewrittenMp4(mp4: Uint8Array, args: readonly string[]): Promise<Buffer> {
  return inTempDir(async (dir) => {
    const [input, output] = [join(dir, 'input.mp4'), join(dir, 'output.mp4')];
    await writeFile(input, mp4);
    await runFfmpeg(['-v', 'error', '-i', input, ...args, '-y', output], 1024);
    return readFile(output);
  });
}

/**
 * The same MP4 stored as a phone stores a portrait video: its frames untouched, and a turn for players
 * to apply in its display matrix (Debian's ffmpeg 5.1 writes the `rotate` tag as a matrix that turns
 * the picture `degrees` counter-clockwise; ffprobe reports it as the stream's `rotation`).
 */
export function withTurnInMetadata(mp4: Uint8Array, degrees: 90 | 180 | 270): Promise<Buffer> {
  return rewrittenMp4(mp4, ['-c', 'copy', '-metadata:s:v:0', `rotate=${degrees}`]);
}

/**
 * The same MP4 with pixels `across` times as wide as high (an anamorphic or DV video's), its frames
 * otherwise the same: a player shows it that much wider.
 */
export function withPixelShape(mp4: Uint8Array, across: number, down: number): Promise<Buffer> {
  return rewrittenMp4(mp4, ['-vf', `setsar=${across}/${down}`, '-c:v', 'libx264', '-crf', '10', '-pix_fmt', 'yuv420p']);
}

/**
 * An HDR video as an iPhone records one by default: HLG transfer, BT.2020 primaries, 10-bit HEVC,
 * made from SDR frames with libzimg (their white at HLG's reference 203 nits). Frames of one even size.
 */
export function hlgVideo(frames: readonly RgbImage[], fps: number): Promise<Buffer> {
  return inTempDir(async (dir) => {
    const output = join(dir, 'hlg.mp4');
    const { width, height } = frames[0]!;
    const toHlg = 'format=gbrpf32le,zscale=tin=bt709:pin=bt709:min=gbr:rin=full:t=linear:p=bt709:m=gbr:npl=203,zscale=tin=linear:pin=bt709:min=gbr:p=bt2020:t=arib-std-b67:m=bt2020nc:r=tv:npl=1000,format=yuv420p10le';
    const tags = ['-color_primaries', 'bt2020', '-color_trc', 'arib-std-b67', '-colorspace', 'bt2020nc'];
    await runFfmpeg(['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0', '-vf', toHlg, '-c:v', 'libx265', '-x265-params', 'log-level=error', ...tags, '-y', output], 1024, Buffer.concat(frames.map((frame) => frame.data)));
    return readFile(output);
  });
}

/** The same MP4 with a sound track (a 440 Hz tone, AAC) as long as the video, as a phone's video has. */
export function withSound(mp4: Uint8Array): Promise<Buffer> {
  return rewrittenMp4(mp4, ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=10', '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', '-shortest']);
}

/**
 * An MP4 with `cover` (a JPEG) as its cover art, a video track of one still marked as an attached
 * picture, beside `video`'s moving pictures, or beside a second of sound alone (a song, as a phone shares one).
 */
export function withCoverArt(video: Uint8Array | undefined, cover: Uint8Array): Promise<Buffer> {
  return inTempDir(async (dir) => {
    const [input, art, output] = [join(dir, 'video.mp4'), join(dir, 'cover.jpg'), join(dir, 'covered.mp4')];
    await writeFile(art, cover);
    if (video) await writeFile(input, video);
    const moving = video ? ['-i', input] : ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1'];
    const codecs = video ? ['-c', 'copy'] : ['-c:a', 'aac', '-c:v', 'copy'];
    await runFfmpeg(['-v', 'error', ...moving, '-i', art, '-map', '0', '-map', '1', ...codecs, '-disposition:v:' + (video ? '1' : '0'), 'attached_pic', '-y', output], 1024);
    return readFile(output);
  });
}

/** A video's streams as ffprobe lists them: their kinds and durations in seconds. */
export function streamsOf(video: Uint8Array): Promise<{ kind: string; seconds: number }[]> {
  return inTempDir(async (dir) => {
    const path = join(dir, 'video.mp4');
    await writeFile(path, video);
    const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,duration', '-of', 'json', path]);
    return (JSON.parse(stdout) as { streams: { codec_type: string; duration?: string }[] }).streams.map((stream) => ({ kind: stream.codec_type, seconds: Number(stream.duration ?? 0) }));
  });
}
