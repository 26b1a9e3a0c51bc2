/**
 * Where the command line writes a result, and in what format: `-o`'s extension decides, and a name
 * the result cannot be written as is refused before any work starts (it wrote PNG bytes into any name).
 */
import { extname } from 'node:path';
import { InputError } from '../engine/errors.ts';
import type { Clip } from '../engine/clip/decode.ts';
import { encodeGif } from '../engine/gif.ts';
import { encodePng, toSharp, type RgbImage } from '../engine/image.ts';
import { counted } from '../bot/format.ts';
import { assertWritable, writeOutput } from './files.ts';
import { formatDuration } from './progress-bar.ts';

/** A picture's formats by extension (sharp writes each). */
const PICTURE_FORMATS = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.webp': 'webp', '.avif': 'avif' } as const;
type PictureExtension = keyof typeof PICTURE_FORMATS;

/** A painted clip's formats by extension. */
const CLIP_EXTENSIONS = ['.gif', '.mp4'] as const;

/** Where the result goes: `clipOutputOf` for a clip, else `pictureOutputOf`. */
export function outputOf(output: string | undefined, clip: Clip | undefined): string {
  return clip ? clipOutputOf(output, clip) : pictureOutputOf(output);
}

/** The file a picture goes to: `-o`'s, named .png, .jpg, .webp or .avif, else `stylized.png`. */
function pictureOutputOf(output: string | undefined): string {
  if (output === undefined) return 'stylized.png';
  if (extname(output).toLowerCase() in PICTURE_FORMATS) return output;
  const gif = extname(output).toLowerCase() === '.gif' ? ' (the GIF of how it emerged goes to --gif)' : '';
  throw new InputError('invalid_option', `A picture is written as .png, .jpg, .webp or .avif, not ${output}${gif}.`, 'output');
}

/** The file a painted clip goes to: `-o`'s, which must name a GIF or an MP4, else `stylized.gif`. */
function clipOutputOf(output: string | undefined, clip: Clip): string {
  if (output === undefined) return 'stylized.gif';
  if ((CLIP_EXTENSIONS as readonly string[]).includes(extname(output).toLowerCase())) return output;
  const what = clip.kind === 'video' ? 'a video' : 'an animation';
  throw new InputError('invalid_option', `The photo is ${what} of ${counted(clip.frames.length, 'frame')}, painted frame by frame: name a .gif or .mp4 file to write it to (-o painted.gif), not ${output}.`, 'output');
}

/** The picture in the format its file's name says (`pictureOutputOf` has checked it). */
export async function encodePictureFor(path: string, image: RgbImage): Promise<Buffer> {
  const format = PICTURE_FORMATS[extname(path).toLowerCase() as PictureExtension];
  // Quality 92: a painting's strokes are fine detail, which JPEG's and WebP's defaults (80) smear.
  return format === 'png' ? encodePng(image) : toSharp(image).toFormat(format, { quality: 92 }).toBuffer();
}

/** Refuses, before any work, a result or GIF that could not be written where the flags say. */
export async function assertOutputs(output: string, flags: Record<string, unknown>): Promise<void> {
  await assertWritable(output, '--output');
  if (typeof flags.gif !== 'string') return;
  if (extname(flags.gif).toLowerCase() !== '.gif') throw new InputError('invalid_option', `--gif writes a GIF: name a .gif file, not ${flags.gif}.`, 'gif');
  await assertWritable(flags.gif, '--gif');
}

/** Writes the picture (and the GIF when asked for) and says so. */
export async function writeResult(output: string, flags: Record<string, unknown>, result: { image: RgbImage; frames: readonly RgbImage[]; elapsedMs: number }, how: string): Promise<void> {
  await writeOutput(output, await encodePictureFor(output, result.image), '--output');
  process.stderr.write(`wrote ${output} (${result.image.width}×${result.image.height}, ${how}, ${formatDuration(result.elapsedMs)})\n`);
  if (typeof flags.gif === 'string') {
    await writeOutput(flags.gif, await encodeGif(result.frames), '--gif');
    process.stderr.write(`wrote ${flags.gif} (${counted(result.frames.length, 'frame')})\n`);
  }
}
