/**
 * Clips in: animated GIF and WebP (sharp reads their frames and timing), and MP4 / WebM / MOV and
 * animated AVIF (decoded by ffmpeg, found on PATH when one arrives). Every limit is checked from the
 * header, before any frame is decoded; frames larger than a clip's are scaled down as they are read.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { InputError } from '../errors.ts';
import { AVIF_SEQUENCE_BRAND, DEFAULT_DECODE_LIMITS, formatMegapixels, isoBrandOf, tooManyBytes, type RgbImage } from '../image.ts';

export interface Clip {
  readonly frames: readonly RgbImage[];
  /** How long each frame is shown, in milliseconds (the input's own timing). */
  readonly delaysMs: readonly number[];
  /** Where it came from: an animation (GIF, WebP) or a video (then an MP4 can go back). */
  readonly kind: 'animation' | 'video';
}

export interface ClipLimits {
  readonly maxFrames: number;
  readonly maxSeconds: number;
  /**
   * Per frame as read, width × height: larger frames are scaled down to it as they are decoded (a
   * phone's 1080p or 4K video; the picture is painted at a few hundred pixels anyway).
   */
  readonly maxPixels: number;
  /** Per frame as sent: past it the clip is refused before decoding (as a still past its limit is). */
  readonly maxSourcePixels: number;
  readonly maxBytes: number;
  /** A video is sampled at this many frames per second at most. */
  readonly maxFps: number;
}

/** Enough for a few seconds of a chat GIF; a CPU paints them within minutes (see the README). */
export const DEFAULT_CLIP_LIMITS: ClipLimits = {
  maxFrames: 48,
  maxSeconds: 6,
  maxPixels: 1_000_000,
  // As a still's: the same upload.
  maxSourcePixels: DEFAULT_DECODE_LIMITS.maxPixels,
  maxBytes: DEFAULT_DECODE_LIMITS.maxBytes,
  maxFps: 12,
};

/**
 * For reading again a clip that was accepted when it came (the engine's worker, its first frame
 * for the playground): its frames come out as they did then, and nothing is refused.
 */
export const ACCEPTED_CLIP_LIMITS: ClipLimits = { ...DEFAULT_CLIP_LIMITS, maxFrames: Number.MAX_SAFE_INTEGER, maxSeconds: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER, maxSourcePixels: Number.MAX_SAFE_INTEGER };

const execFileAsync = promisify(execFile);

/** What a file is, from its first bytes and header: a still image, an animation, or a video. */
export async function clipKindOf(bytes: Uint8Array): Promise<Clip['kind'] | 'still'> {
  return ffmpegClipKindOf(bytes) ?? ((await pageCountOf(bytes)) > 1 ? 'animation' : 'still');
}

/**
 * Frames in an image file, 1 for anything libvips cannot read: such a file is refused, with its own
 * message, when it is decoded as a still. (sharp throws at once, not in its promise, on empty bytes.)
 */
async function pageCountOf(bytes: Uint8Array): Promise<number> {
  try {
    return (await sharp(bytes, { animated: true }).metadata()).pages ?? 1;
  } catch {
    return 1;
  }
}

/**
 * The major brands of HEIF stills (AVIF, HEIC): ISO media files like an MP4, but pictures, for
 * `decodeImage`. Taken for videos, an AVIF photo was painted as a one-frame clip.
 */
const STILL_IMAGE_BRANDS = new Set(['avif', 'heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

/**
 * A clip ffmpeg decodes, from its first bytes: a video (ISO media other than a HEIF still, or
 * Matroska / WebM by its EBML magic), or an animated AVIF, an animation all the same (a GIF goes
 * back, not an MP4); undefined for what sharp reads.
 */
function ffmpegClipKindOf(bytes: Uint8Array): Clip['kind'] | undefined {
  const brand = isoBrandOf(bytes);
  if (brand === AVIF_SEQUENCE_BRAND) return 'animation';
  if ((brand !== undefined && !STILL_IMAGE_BRANDS.has(brand)) || (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3)) return 'video';
  return undefined;
}

/** The file as a clip within `limits`, or undefined for a still picture (for `decodeImage`). */
export async function decodeClipIfAny(bytes: Uint8Array, limits: ClipLimits): Promise<Clip | undefined> {
  const kind = await clipKindOf(bytes);
  return kind === 'still' ? undefined : decodeClip(bytes, limits, kind === 'video' ? 'video' : 'animation');
}

/**
 * The frames and timing of an animated GIF / WebP / AVIF or a video, within `limits`; `take`: only
 * the first frames (all that the limits allow by default).
 */
export async function decodeClip(bytes: Uint8Array, limits: ClipLimits = DEFAULT_CLIP_LIMITS, label = 'clip', take?: number): Promise<Clip> {
  if (bytes.byteLength > limits.maxBytes) throw tooManyBytes(label, bytes.byteLength, limits.maxBytes, 'content');
  const viaFfmpeg = ffmpegClipKindOf(bytes);
  return viaFfmpeg ? decodeVideo(bytes, limits, label, viaFfmpeg, take) : decodeAnimation(bytes, limits, label, take);
}

/**
 * An accepted clip's first frame as `decodeClip` reads it (turned upright, tone-mapped, scaled),
 * decoding no more: the picture that stands for a clip until it is painted.
 */
export async function decodeFirstFrame(bytes: Uint8Array): Promise<RgbImage> {
  return (await decodeClip(bytes, ACCEPTED_CLIP_LIMITS, 'clip', 1)).frames[0]!;
}

/** `take`: frames to decode, all by default (the first alone for `decodeFirstFrame`). */
async function decodeAnimation(bytes: Uint8Array, limits: ClipLimits, label: string, take = Number.MAX_SAFE_INTEGER): Promise<Clip> {
  const metadata = await sharp(bytes, { animated: true }).metadata();
  const pages = metadata.pages ?? 1;
  const source = { width: metadata.width ?? 0, height: metadata.pageHeight ?? metadata.height ?? 0 };
  // GIFs often say 0 or 10 ms and mean "as fast as the viewer allows": browsers show those at 100 ms.
  const delaysMs = Array.from({ length: pages }, (_, index) => normaliseDelay(metadata.delay?.[index]));
  checkLimits(label, { frames: pages, seconds: delaysMs.reduce((sum, delay) => sum + delay, 0) / 1000, ...source }, limits);
  const { width, height } = fitWithin(source, limits.maxPixels);
  const count = Math.min(pages, take);
  // sharp resizes an animation page by page.
  const read = sharp(bytes, { pages: count, limitInputPixels: false });
  if (width !== source.width || height !== source.height) read.resize({ width, height, fit: 'fill' });
  const { data, info } = await read.flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const frameBytes = width * height * 3;
  const frames = Array.from({ length: count }, (_, index) => ({ width, height, data: new Uint8Array(data.buffer, data.byteOffset + index * frameBytes, frameBytes) }));
  if (info.height !== height * count) throw new InputError('corrupt_image', `The ${label} could not be read frame by frame.`, 'content');
  return { frames, delaysMs: delaysMs.slice(0, count), kind: 'animation' };
}

function normaliseDelay(delay: number | undefined): number {
  return delay === undefined || delay <= 10 ? 100 : delay;
}

/** ffmpeg, or an error (`needs_ffmpeg`) that the bot and the command line each word for their user. */
async function checkFfmpeg(): Promise<void> {
  try {
    await execFileAsync('ffmpeg', ['-version']);
  } catch {
    throw new InputError('needs_ffmpeg', 'Videos and animated AVIFs are read with ffmpeg, which is not installed on this machine.', 'content');
  }
}

/** `take`: frames to decode, the limit's by default (the first frame alone for `decodeFirstFrame`). */
async function decodeVideo(bytes: Uint8Array, limits: ClipLimits, label: string, kind: Clip['kind'], take = limits.maxFrames): Promise<Clip> {
  await checkFfmpeg();
  const dir = await mkdtemp(join(tmpdir(), 'impasto-clip-'));
  try {
    const input = join(dir, 'input');
    await writeFile(input, bytes);
    // The first video track of moving pictures (`V`, probed and decoded alike): a song's cover art is
    // a video track of one still, which was read as a clip of no frames.
    const probe = await execFileAsync('ffprobe', ['-v', 'error', '-select_streams', 'V:0', '-show_entries', 'stream=width,height,sample_aspect_ratio,avg_frame_rate,duration,color_transfer:stream_side_data=rotation:stream_tags=rotate:format=duration', '-of', 'json', input]).catch(() => {
      throw new InputError('corrupt_image', `The ${label} is not ${kind === 'video' ? 'a video' : 'an animated AVIF'} ffmpeg can read.`, 'content');
    });
    const info = JSON.parse(probe.stdout) as { streams?: ProbedStream[]; format?: { duration?: string } };
    const stream = info.streams?.[0];
    if (!stream?.width || !stream.height) throw new InputError('corrupt_image', `The ${label} has no video track.`, 'content');
    const [numerator = 0, denominator = 1] = (stream.avg_frame_rate ?? '0/1').split('/').map(Number);
    const sourceFps = denominator > 0 && numerator > 0 ? numerator / denominator : limits.maxFps;
    const fps = Math.min(sourceFps, limits.maxFps);
    const seconds = Number(stream.duration ?? info.format?.duration ?? 0);
    const source = shownSizeOf(stream, { width: stream.width, height: stream.height });
    checkLimits(label, { frames: Math.round(seconds * fps), seconds, ...source }, limits);
    const { width, height } = fitWithin(source, limits.maxPixels);
    // ffmpeg turns the frames upright first (a phone's portrait video is stored on its side, with the
    // turn in its metadata); the last scale gives exactly the size the bytes are cut by, and the
    // shape a player shows (pixels that are not square are made so).
    const toneMap = HDR_TRANSFERS.has(stream.color_transfer ?? '') && (await canToneMap());
    const decodeFrames = (fpsFilter: string) => {
      const filters = [fpsFilter, ...(toneMap ? [`scale=${2 * Math.ceil(width / 2)}:${2 * Math.ceil(height / 2)}:flags=area`, TONE_MAP] : []), `scale=${width}:${height}:flags=area`];
      return runFfmpeg(['-v', 'error', '-i', input, '-map', '0:V:0', '-vf', filters.join(','), '-frames:v', String(take), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], width * height * 3 * (take + 2));
    };
    const frameBytes = width * height * 3;
    // A video shorter than one frame at `fps` (a single frame, 40 ms) gets none from the fps filter,
    // which drops what is left at the end: then its last frame is passed on.
    let raw = await decodeFrames(`fps=${fps}`);
    if (raw.byteLength < frameBytes) raw = await decodeFrames(`fps=${fps}:eof_action=pass`);
    const count = Math.min(take, Math.floor(raw.byteLength / frameBytes));
    if (count === 0) throw new InputError('corrupt_image', `The ${label} has no frames ffmpeg could decode.`, 'content');
    const frames = Array.from({ length: count }, (_, index) => ({ width, height, data: new Uint8Array(raw.buffer, raw.byteOffset + index * frameBytes, frameBytes) }));
    return { frames, delaysMs: frames.map(() => Math.round(1000 / fps)), kind };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * HDR transfers: PQ, and HLG, which iPhones record by default. Read as if they were SDR, the frames
 * come out washed out (an HLG test clip at half its photo's saturation).
 */
const HDR_TRANSFERS = new Set(['smpte2084', 'arib-std-b67']);

/**
 * HDR to SDR: linear light with SDR's white at HDR's reference white (203 nits, ITU-R BT.2408),
 * BT.709 primaries, Hable's tone curve, BT.709's transfer, 8-bit RGB (libzimg's `zscale`; it wants
 * even sizes in 4:2:0, hence the scale before it). The HLG test clip comes out within 5% of its
 * photo's saturation and 6 grey levels of its brightness; with white at 100 nits (the common
 * recipe), 21% more saturated and 31 levels brighter.
 */
const TONE_MAP = 'zscale=t=linear:npl=203,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709,format=gbrp';

let toneMapping: Promise<boolean> | undefined;

/** Whether this ffmpeg has the filters `TONE_MAP` needs (Debian's does; a build without libzimg reads HDR as SDR). */
function canToneMap(): Promise<boolean> {
  toneMapping ??= execFileAsync('ffmpeg', ['-hide_banner', '-filters']).then(
    ({ stdout }) => /\szscale\s/.test(stdout) && /\stonemap\s/.test(stdout),
    () => false,
  );
  return toneMapping;
}

interface ProbedStream {
  readonly width?: number;
  readonly height?: number;
  /** "2:1" where a pixel is shown twice as wide as high; "1:1", "0:1" (unknown) or absent where square. */
  readonly sample_aspect_ratio?: string;
  readonly avg_frame_rate?: string;
  readonly duration?: string;
  readonly color_transfer?: string;
  readonly side_data_list?: readonly { readonly rotation?: number }[];
  readonly tags?: { readonly rotate?: string };
}

/**
 * A video's frame as a player shows it. Pixels that are not square (an anamorphic or DV video's: its
 * sample aspect ratio) are widened or narrowed to square ones, as players do: a 320×240 video of
 * 2:1 pixels is shown 640×240 (it was painted squashed, at 4:3). Stored sideways with a quarter turn
 * in its display matrix (or older files' `rotate` tag), it is then shown with width and height swapped.
 */
function shownSizeOf(stream: ProbedStream, stored: { width: number; height: number }): { width: number; height: number } {
  const [across = 1, down = 1] = (stream.sample_aspect_ratio ?? '1:1').split(':').map(Number);
  const pixelShape = across > 0 && down > 0 ? across / down : 1;
  const shown = { width: Math.max(1, Math.round(stored.width * pixelShape)), height: stored.height };
  const rotation = stream.side_data_list?.find((data) => data.rotation !== undefined)?.rotation ?? Number(stream.tags?.rotate ?? 0);
  const sideways = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  return sideways ? { width: shown.height, height: shown.width } : shown;
}

/** `size`, or scaled down (shape kept) to `maxPixels`. */
function fitWithin(size: { width: number; height: number }, maxPixels: number): { width: number; height: number } {
  const scale = Math.min(1, Math.sqrt(maxPixels / (size.width * size.height)));
  return scale === 1 ? size : { width: Math.max(1, Math.floor(size.width * scale)), height: Math.max(1, Math.floor(size.height * scale)) };
}

/** Runs ffmpeg and collects its stdout, stopping it past `maxBytes`. */
export function runFfmpeg(args: readonly string[], maxBytes: number, stdin?: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let total = 0;
    let errors = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) child.kill('SIGKILL');
      else chunks.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 || total > maxBytes ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg failed: ${errors.trim().slice(0, 300)}`))));
    if (stdin) child.stdin?.end(stdin);
  });
}

function checkLimits(label: string, clip: { frames: number; seconds: number; width: number; height: number }, limits: ClipLimits): void {
  if (clip.width * clip.height > limits.maxSourcePixels) {
    throw new InputError('too_many_pixels', `The ${label} is ${clip.width}×${clip.height} per frame; clips may have up to ${formatMegapixels(limits.maxSourcePixels)} per frame.`, 'content');
  }
  if (clip.seconds > limits.maxSeconds + 0.05) throw new InputError('invalid_option', `The ${label} lasts ${clip.seconds.toFixed(1)} s; clips may last up to ${limits.maxSeconds} s.`, 'content');
  if (clip.frames > limits.maxFrames) throw new InputError('invalid_option', `The ${label} has ${clip.frames} frames; clips may have up to ${limits.maxFrames}.`, 'content');
}
