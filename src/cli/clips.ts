/**
 * `impasto stylize` and `impasto fast` with a clip for the photo (an animated GIF, WebP or AVIF, or a
 * video): painted frame by frame as the bot paints one (`stylizeClip`), and written as a GIF or an MP4
 * at the clip's own timing. Before, the command painted the first frame and said nothing of the rest.
 */
import { extname } from 'node:path';
import type { ClipEnvironment } from '../bot/config.ts';
import { decodeClipIfAny, DEFAULT_CLIP_LIMITS, type Clip } from '../engine/clip/decode.ts';
import { encodeMp4 } from '../engine/clip/encode.ts';
import type { ClipRequest } from '../engine/clip/stylize-clip.ts';
import { InputError } from '../engine/errors.ts';
import { encodeGif } from '../engine/gif.ts';
import type { MethodContext } from '../engine/methods/method.ts';
import { resultSizeFor } from '../engine/options.ts';
import { checkAspectRatio } from '../engine/proportions.ts';
import { writeOutput } from './files.ts';
import { createClipProgressBar, formatDuration } from './progress-bar.ts';
import { counted } from '../bot/format.ts';

/**
 * The content as a clip, or undefined for a still picture. The limits are the bot's settings (the
 * same variables); the file is the user's own, so its size in bytes is not limited.
 */
export async function readClip(bytes: Uint8Array, env: ClipEnvironment): Promise<Clip | undefined> {
  const limits = { ...DEFAULT_CLIP_LIMITS, maxFrames: env.IMPASTO_CLIP_MAX_FRAMES, maxSeconds: env.IMPASTO_CLIP_MAX_SECONDS, maxBytes: Number.MAX_SAFE_INTEGER };
  const clip = await decodeClipIfAny(bytes, limits).catch((error: unknown) => {
    // Here, unlike in a chat, the user can install it.
    if (error instanceof InputError && error.code === 'needs_ffmpeg') throw new InputError(error.code, 'Videos and animated AVIFs are read with ffmpeg, which is not on this machine: install it (on Debian or Ubuntu: apt-get install ffmpeg), or paint an animated GIF.', error.field);
    // Too long or too many frames: say which settings allow more.
    if (error instanceof InputError && error.code === 'invalid_option') throw new InputError(error.code, `${error.message} IMPASTO_CLIP_MAX_SECONDS (up to 120) and IMPASTO_CLIP_MAX_FRAMES (up to 600) allow more.`, error.field);
    throw error;
  });
  // A strip is refused now, not after the engine has started (and perhaps downloaded its weights).
  if (clip) checkAspectRatio(clip.frames[0]!, 'clip', 'content');
  return clip;
}

/** A clip's size when none is asked for: `IMPASTO_CLIP_SIZE`, or the clip's own if smaller (every frame costs as much as a picture). */
function clipSizeOf(clip: Clip, asked: unknown, env: ClipEnvironment): number {
  return resultSizeFor(clip.frames[0]!, typeof asked === 'number' ? asked : undefined, env.IMPASTO_CLIP_SIZE);
}

export interface CliClipJob extends Omit<ClipRequest, 'onProgress' | 'signal' | 'onFrame' | 'done'> {
  /** Where the clip goes (`outputOf` in outputs.ts), and where a GIF of it also goes (`--gif`). */
  readonly output: string;
  readonly gif?: string | undefined;
  /** The clip's file: an MP4 keeps its sound. */
  readonly source: Uint8Array;
}

/**
 * Paints the clip (at `IMPASTO_CLIP_SIZE` unless a size is asked for) with a progress bar (Ctrl-C
 * stops between frames, or within one), and writes it.
 */
export async function paintClip(context: MethodContext, job: CliClipJob, env: ClipEnvironment): Promise<void> {
  // Loaded here: it reaches both engines, which a command refusing its files need not wait for.
  const { stylizeClip } = await import('../engine/clip/stylize-clip.ts');
  const { output, gif, source, ...request } = job;
  const bar = createClipProgressBar();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const options = { ...request.options, size: clipSizeOf(request.clip, request.options.size, env) };
  const result = await stylizeClip(context, { ...request, options, signal: controller.signal, onProgress: (progress) => bar.update(progress) }).finally(() => bar.stop());
  const first = result.frames[0]!;
  // At the clip's size and timing, however large: it is not going to a chat's upload limit.
  const writeGif = async (path: string, option: string) => writeOutput(path, await encodeGif(result.frames, { delaysMs: result.delaysMs, maxSide: Math.max(first.width, first.height), maxBytes: Number.MAX_SAFE_INTEGER }), option);
  if (extname(output).toLowerCase() === '.mp4') await writeOutput(output, await encodeMp4(result.frames, result.delaysMs, { soundFrom: source }), '--output');
  else await writeGif(output, '--output');
  process.stderr.write(`wrote ${output} (${counted(result.frames.length, 'frame')}, ${first.width}×${first.height}, ${formatDuration(result.elapsedMs)})\n`);
  if (gif !== undefined && gif !== output) {
    await writeGif(gif, '--gif');
    process.stderr.write(`wrote ${gif}\n`);
  }
}
