import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeClip, decodeFirstFrame, clipKindOf, DEFAULT_CLIP_LIMITS, type Clip } from '../../src/engine/clip/decode.ts';
import { encodeMp4 } from '../../src/engine/clip/encode.ts';
import { measureFlicker } from '../../src/engine/clip/flicker.ts';
import { consistency, opticalFlow, warp } from '../../src/engine/clip/flow.ts';
import { stylizeClip } from '../../src/engine/clip/stylize-clip.ts';
import { createClipClock } from '../../src/engine/clip/clip-clock.ts';
import { syntheticClip } from '../../src/engine/clip/synthetic.ts';
import { CancelledError } from '../../src/engine/errors.ts';
import { encodeGif, encodeGifFitting } from '../../src/engine/gif.ts';
import { decodeImage, DEFAULT_DECODE_LIMITS, resizeExactly, type RgbImage } from '../../src/engine/image.ts';
import type { MethodContext } from '../../src/engine/methods/method.ts';
import { animatedAvif } from '../helpers/avif.ts';
import { hlgVideo, streamsOf, withCoverArt, withPixelShape, withSound, withTurnInMetadata } from '../helpers/video.ts';
import { sharedEngine } from '../helpers/engine.ts';
import { loadSharedImage, SHARED_FAST_DIR, SHARED_SEGMENTATION_DIR, sharedImagePath } from '../helpers/shared.ts';
import { lazySegmenter } from '../../src/engine/segmentation/lazy.ts';

// Clips made here from the shared photos (no video files): a patch of the dog photo sliding over Tübingen.
let houses: RgbImage;
let clip: Clip;
let context: MethodContext;

beforeAll(async () => {
  houses = await loadSharedImage('content_tubingen.jpg');
  clip = await syntheticClip(houses, await loadSharedImage('content_dog.jpg'), { frames: 5, width: 96, height: 72 });
  context = { engine: () => sharedEngine('onnx'), fastWeightsDir: SHARED_FAST_DIR };
});

async function crop(image: RgbImage, left: number, top: number, width: number, height: number): Promise<RgbImage> {
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).extract({ left, top, width, height }).raw().toBuffer();
  return { width, height, data: new Uint8Array(data) };
}

describe('optical flow (pyramidal Lucas–Kanade)', () => {
  it('finds a known motion, and warping by it lines the frames up', async () => {
    const small = await sharp(houses.data, { raw: { width: houses.width, height: houses.height, channels: 3 } }).resize(200).raw().toBuffer({ resolveWithObject: true });
    const scene = { width: small.info.width, height: small.info.height, data: new Uint8Array(small.data) };
    // The camera moves: the second frame's pixel p shows what the first showed at p + (5, 2).
    const [first, second] = [await crop(scene, 20, 10, 128, 96), await crop(scene, 25, 12, 128, 96)];
    const flow = opticalFlow(first, second);
    let [u, v, count] = [0, 0, 0];
    for (let y = 16; y < 80; y++) for (let x = 16; x < 112; x++) [u, v, count] = [u + flow.u[y * 128 + x]!, v + flow.v[y * 128 + x]!, count + 1];
    expect(u / count).toBeCloseTo(5, 0);
    expect(v / count).toBeCloseTo(2, 0);
    expect(Math.abs(u / count - 5)).toBeLessThan(0.3);
    const error = (a: RgbImage) => {
      let sum = 0;
      for (let y = 16; y < 80; y++) for (let x = 16; x < 100; x++) for (let c = 0; c < 3; c++) sum += Math.abs(a.data[3 * (y * 128 + x) + c]! - second.data[3 * (y * 128 + x) + c]!);
      return sum;
    };
    expect(error(warp(first, flow))).toBeLessThan(error(first) / 5);
    // The strip that left the picture on the right cannot be trusted; the middle can.
    const trusted = consistency(flow, opticalFlow(second, first));
    expect(trusted[48 * 128 + 64]).toBe(1);
    expect(trusted[48 * 128 + 126]).toBe(0);
  });
});

describe('clips in and out', () => {
  it('reads an animated GIF’s frames and timing', async () => {
    const delays = [80, 80, 120, 80, 400];
    const gif = await encodeGif(clip.frames, { delaysMs: delays, maxSide: 96 });
    expect(await clipKindOf(gif)).toBe('animation');
    const read = await decodeClip(gif);
    expect(read.kind).toBe('animation');
    expect(read.frames).toHaveLength(5);
    expect(read.delaysMs).toEqual(delays);
    expect([read.frames[0]!.width, read.frames[0]!.height]).toEqual([96, 72]);
    expect(await clipKindOf(await sharp(clip.frames[0]!.data, { raw: { width: 96, height: 72, channels: 3 } }).png().toBuffer())).toBe('still');
    // An AVIF is an ISO media file, as an MP4 is ("ftyp" at offset 4), but a picture: taken for a
    // video, it was painted as a clip of one frame.
    expect(await clipKindOf(await sharp(clip.frames[0]!.data, { raw: { width: 96, height: 72, channels: 3 } }).avif().toBuffer())).toBe('still');
  });

  it('scales a GIF down until it fits the upload limit, and says how far', async () => {
    const noise = Array.from({ length: 6 }, (_, index) => ({ width: 160, height: 120, data: Uint8Array.from({ length: 160 * 120 * 3 }, (_, i) => ((i * 2654435761 + index * 40503) >>> 13) & 255) }));
    const full = await encodeGifFitting(noise, { maxSide: 160 });
    expect(full.width).toBe(160);
    const fitted = await encodeGifFitting(noise, { maxSide: 160, maxBytes: Math.round(full.bytes.byteLength / 3) });
    expect(fitted.width).toBeLessThan(160);
    expect(fitted.bytes.byteLength).toBeLessThanOrEqual(Math.round(full.bytes.byteLength / 3));
    expect((await sharp(fitted.bytes, { animated: true }).metadata()).pages).toBe(6);
  });

  it('refuses a clip past its limits before decoding a frame, naming the limit', async () => {
    const gif = await encodeGif(clip.frames, { delaysMs: [1000, 1000, 1000, 1000, 1000], maxSide: 96 });
    await expect(decodeClip(gif, { ...DEFAULT_CLIP_LIMITS, maxFrames: 4 })).rejects.toThrow('The clip has 5 frames; clips may have up to 4.');
    await expect(decodeClip(gif, { ...DEFAULT_CLIP_LIMITS, maxSeconds: 3 })).rejects.toThrow('The clip lasts 5.0 s; clips may last up to 3 s.');
    await expect(decodeClip(gif, { ...DEFAULT_CLIP_LIMITS, maxSourcePixels: 5000 })).rejects.toMatchObject({ code: 'too_many_pixels', message: 'The clip is 96×72 per frame; clips may have up to 0.005 megapixels per frame.' });
    await expect(decodeClip(gif, { ...DEFAULT_CLIP_LIMITS, maxBytes: 100 })).rejects.toMatchObject({ code: 'too_many_bytes', field: 'content' });
  });

  it('reads a video with ffmpeg, and writes one (frames and rate kept)', async () => {
    const mp4 = await encodeMp4(clip.frames, clip.frames.map(() => 80));
    expect(await clipKindOf(mp4)).toBe('video');
    const read = await decodeClip(mp4);
    expect(read.kind).toBe('video');
    expect(read.frames).toHaveLength(5);
    expect(read.delaysMs[0]).toBe(Math.round(1000 / 12));
    expect([read.frames[0]!.width, read.frames[0]!.height]).toEqual([96, 72]);
  });

  it('keeps a video’s sound in the painted MP4, cut to the painted frames (a phone video came back silent)', async () => {
    const silent = await encodeMp4(clip.frames, clip.frames.map(() => 200));
    const source = await withSound(silent);
    expect((await streamsOf(source)).map((stream) => stream.kind)).toEqual(['video', 'audio']);
    // Painted: 3 of its frames at 5 a second, so the sound is cut to about 0.6 s.
    const painted = await encodeMp4(clip.frames.slice(0, 3), [200, 200, 200], { soundFrom: source });
    const streams = await streamsOf(painted);
    expect(streams.map((stream) => stream.kind)).toEqual(['video', 'audio']);
    expect(streams[1]!.seconds).toBeGreaterThan(0.4);
    expect(streams[1]!.seconds).toBeLessThan(0.8);
    // A source without sound gives none, and no error.
    expect((await streamsOf(await encodeMp4(clip.frames, clip.frames.map(() => 200), { soundFrom: silent }))).map((stream) => stream.kind)).toEqual(['video']);
  });

  it('reads a video’s moving pictures beside its cover art, and refuses a song whose only picture is its cover', async () => {
    const cover = await sharp(sharedImagePath('content_dog.jpg')).resize(192, 144, { fit: 'fill' }).jpeg().toBuffer();
    const read = await decodeClip(await withCoverArt(await encodeMp4(clip.frames, clip.frames.map(() => 80)), cover));
    expect(read.frames.map((frame) => [frame.width, frame.height])).toEqual(clip.frames.map(() => [96, 72]));
    for (const [index, frame] of read.frames.entries()) expect(meanDifference(frame, clip.frames[index]!)).toBeLessThan(8);
    // Its cover was read as a video of no frames ("has no frames ffmpeg could decode").
    await expect(decodeClip(await withCoverArt(undefined, cover))).rejects.toThrow('The clip has no video track.');
  });

  it('reads a video of a single frame (shorter than one frame at the clip rate), which ffmpeg’s fps filter left empty', async () => {
    const mp4 = await encodeMp4(clip.frames.slice(0, 1), [40]);
    const read = await decodeClip(mp4);
    expect(read.frames).toHaveLength(1);
    expect([read.frames[0]!.width, read.frames[0]!.height]).toEqual([96, 72]);
  });

  it('scales frames larger than a clip’s down as it reads them (a phone’s 1080p video), shape kept', async () => {
    const small = { ...DEFAULT_CLIP_LIMITS, maxPixels: 48 * 36 };
    const gif = await encodeGif(clip.frames, { delaysMs: clip.frames.map(() => 100), maxSide: 96 });
    const mp4 = await encodeMp4(clip.frames, clip.frames.map(() => 80));
    for (const read of [await decodeClip(gif, small), await decodeClip(mp4, small)]) {
      expect(read.frames).toHaveLength(5);
      expect(read.frames.map((frame) => [frame.width, frame.height])).toEqual(clip.frames.map(() => [48, 36]));
      // The pictures themselves, smaller: each within a few grey levels of the frame sent, halved.
      for (const [index, frame] of read.frames.entries()) expect(meanDifference(frame, await resizeExactly(clip.frames[index]!, 48, 36))).toBeLessThan(8);
    }
  });

  it('reads a video stored on its side with a turn in its metadata (a phone’s portrait video) upright', async () => {
    const mp4 = await encodeMp4(clip.frames, clip.frames.map(() => 80));
    const read = await decodeClip(await withTurnInMetadata(mp4, 90));
    expect(read.frames).toHaveLength(5);
    expect([read.frames[0]!.width, read.frames[0]!.height]).toEqual([72, 96]);
    // Turned as the matrix says (a quarter counter-clockwise), as a player shows it; read as stored, its rows were cut at the wrong width.
    for (const [index, frame] of read.frames.entries()) expect(meanDifference(frame, await turnCounterClockwise(clip.frames[index]!))).toBeLessThan(8);
    const upsideDown = await decodeClip(await withTurnInMetadata(mp4, 180));
    expect([upsideDown.frames[0]!.width, upsideDown.frames[0]!.height]).toEqual([96, 72]);
  });

  it('reads a video of pixels that are not square (anamorphic, DV) in the shape a player shows, turned or not', async () => {
    const mp4 = await encodeMp4(clip.frames, clip.frames.map(() => 80));
    const square = await decodeClip(mp4);
    const wide = await decodeClip(await withPixelShape(mp4, 2, 1));
    // Read as stored, it was 96×72: squashed to half the width a player shows.
    expect(wide.frames.map((frame) => [frame.width, frame.height])).toEqual(clip.frames.map(() => [192, 72]));
    // Its own pictures, stretched: halved again, each within a few grey levels of the square video's (the next frame is 9 or more away).
    for (const [index, frame] of wide.frames.entries()) expect(meanDifference(await resizeExactly(frame, 96, 72), square.frames[index]!)).toBeLessThan(5);
    const narrow = await decodeClip(await withPixelShape(mp4, 8, 9));
    expect([narrow.frames[0]!.width, narrow.frames[0]!.height]).toEqual([85, 72]);
    const turned = await decodeClip(await withTurnInMetadata(await withPixelShape(mp4, 2, 1), 90));
    expect([turned.frames[0]!.width, turned.frames[0]!.height]).toEqual([72, 192]);
    for (const [index, frame] of turned.frames.entries()) expect(meanDifference(await resizeExactly(frame, 72, 96), await turnCounterClockwise(square.frames[index]!))).toBeLessThan(5);
  });

  it('reads a clip’s first frame alone as the whole clip reads it (the picture that stands for it until painted)', async () => {
    const gif = await encodeGif(clip.frames, { delaysMs: clip.frames.map(() => 100), maxSide: 96 });
    const turned = await withTurnInMetadata(await encodeMp4(clip.frames, clip.frames.map(() => 80)), 90);
    for (const bytes of [gif, turned]) {
      const [first, whole] = await Promise.all([decodeFirstFrame(bytes), decodeClip(bytes)]);
      expect([first.width, first.height]).toEqual([whole.frames[0]!.width, whole.frames[0]!.height]);
      expect(meanDifference(first, whole.frames[0]!)).toBeLessThan(1);
    }
  });

  it('reads an HDR video (HLG, as an iPhone records by default) in SDR colours, not washed out', async () => {
    const photo = await resizeExactly(await loadSharedImage('content_person.jpg'), 128, 84);
    const read = await decodeClip(await hlgVideo([photo, photo, photo], 12));
    expect(read.frames).toHaveLength(3);
    expect([read.frames[0]!.width, read.frames[0]!.height]).toEqual([128, 84]);
    // Read as SDR, its colours had half the photo's saturation and were 40 grey levels too bright; tone-mapped, close to it.
    const sent = saturationOf(photo);
    expect(Math.abs(saturationOf(read.frames[1]!) - sent) / sent).toBeLessThan(0.3);
    expect(Math.abs(meanOf(read.frames[1]!) - meanOf(photo))).toBeLessThan(15);
  });

  it('reads an animated AVIF’s frames with ffmpeg, as an animation (a GIF goes back, not an MP4)', async () => {
    const avif = await animatedAvif(clip.frames, 8);
    expect(String.fromCharCode(...avif.subarray(4, 12))).toBe('ftypavis');
    expect(await clipKindOf(avif)).toBe('animation');
    const read = await decodeClip(avif);
    expect(read.kind).toBe('animation');
    expect(read.frames).toHaveLength(5);
    expect(read.delaysMs).toEqual(read.frames.map(() => 125));
    // Its own pictures, not a first frame repeated: each frame within a few grey levels of the one sent.
    for (const [index, frame] of read.frames.entries()) {
      expect([frame.width, frame.height]).toEqual([96, 72]);
      expect(meanDifference(frame, clip.frames[index]!)).toBeLessThan(6);
    }
    expect(meanDifference(read.frames[0]!, read.frames[4]!)).toBeGreaterThan(10);
    // Where a still is needed (a painting, a mask), this one, which carries none, is refused by what it is.
    await expect(decodeImage(avif, DEFAULT_DECODE_LIMITS, 'style image')).rejects.toThrow('The style image is an animated AVIF with no still picture in it; send a still JPEG, PNG, WebP, HEIC, AVIF or GIF.');
  });
});

async function turnCounterClockwise(image: RgbImage): Promise<RgbImage> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).rotate(270).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function meanOf(image: RgbImage): number {
  return image.data.reduce((sum, value) => sum + value, 0) / image.data.length;
}

/** Mean saturation (a pixel's largest channel less its smallest), in grey levels. */
function saturationOf(image: RgbImage): number {
  let sum = 0;
  for (let i = 0; i < image.data.length; i += 3) sum += Math.max(image.data[i]!, image.data[i + 1]!, image.data[i + 2]!) - Math.min(image.data[i]!, image.data[i + 1]!, image.data[i + 2]!);
  return sum / (image.data.length / 3);
}

/** Mean absolute difference of two pictures of one size, in grey levels. */
function meanDifference(a: RgbImage, b: RgbImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}

describe('painting a clip', () => {
  it('flickers much less with the temporal loss than frame by frame (Gatys)', async () => {
    const styles = [{ image: await loadSharedImage('style_starry_night.jpg'), weight: 1 }];
    const options = { size: 96, iterations: 30, seed: 1 };
    const [alone, temporal] = [
      await stylizeClip(context, { clip, styles, method: 'optimise', options, temporal: false }),
      await stylizeClip(context, { clip, styles, method: 'optimise', options }),
    ];
    const [flickerAlone, flickerTemporal] = [await measureFlicker(clip.frames, alone.frames), await measureFlicker(clip.frames, temporal.frames)];
    console.log('flicker (stylized change on still pixels ÷ the input’s)', { frameByFrame: flickerAlone, temporal: flickerTemporal });
    expect(flickerTemporal.ratio).toBeLessThan(0.6 * flickerAlone.ratio);
    expect(temporal.delaysMs).toEqual(clip.delaysMs);
  });

  it('paints only the person, found in every frame, by optimisation too', async () => {
    const segmenter = lazySegmenter(SHARED_SEGMENTATION_DIR);
    const walk = await syntheticClip(await loadSharedImage('content_person.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 3, width: 192, height: 128, speed: 6 });
    const styles = [{ image: await loadSharedImage('style_the_scream.jpg'), weight: 1 }];
    const result = await stylizeClip({ ...context, segmenter }, { clip: walk, styles, method: 'optimise', options: { size: 192, iterations: 8, seed: 1, target: 'person' } });
    // The sky (no person there) stays the photo in every frame; the person changes.
    for (const [index, frame] of result.frames.entries()) {
      let change = 0;
      for (let i = 0; i < 20 * 192 * 3; i++) change += Math.abs(frame.data[i]! - walk.frames[index]!.data[i]!);
      expect(change / (20 * 192 * 3)).toBeLessThan(1);
    }
    await expect(stylizeClip({ ...context, segmenter }, { clip, styles, method: 'optimise', options: { size: 96, iterations: 2, target: 'person' } })).rejects.toMatchObject({ code: 'no_person' });
  });

  it('resumes after the last finished frame, and stops between frames when cancelled', async () => {
    const options = { network: 'udnie', size: 96 };
    const whole = await stylizeClip(context, { clip, styles: [], method: 'fast', options });
    const saved: number[] = [];
    const resumed = await stylizeClip(context, { clip, styles: [], method: 'fast', options, done: whole.frames.slice(0, 2), onFrame: async (index) => void saved.push(index) });
    expect(saved).toEqual([2, 3, 4]);
    expect(resumed.frames).toHaveLength(5);
    expect(Buffer.compare(Buffer.from(resumed.frames[4]!.data), Buffer.from(whole.frames[4]!.data))).toBe(0);

    const controller = new AbortController();
    const painted: number[] = [];
    const run = stylizeClip(context, { clip, styles: [], method: 'fast', options, signal: controller.signal, onFrame: async (index) => {
      painted.push(index);
      controller.abort();
    } });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(painted).toEqual([0]);
  });
});

describe('the time left in a clip', () => {
  // As measured on the playground: 8 frames at 256 px, the first 15 s, each later one 7.5 s (a third
  // of the iterations, plus the flow and the temporal loss). Counting frames alike said 112 s left
  // halfway through the first, with 60 s to go.
  it('expects later frames to cost what finished later frames cost, or what the one being painted is on course to', () => {
    let now = 0;
    const clock = createClipClock(8, 1 / 3, () => now);
    expect(clock.etaMs(0, 0)).toBe(0); // nothing known yet
    now = 7_500;
    // Before any later frame: the first's course, and later frames at a third of it.
    expect(clock.etaMs(0, 0.5)).toBeCloseTo(7_500 + 7 * 5_000);
    now = 15_000;
    clock.frameDone(0);
    expect(clock.etaMs(1, 0)).toBeCloseTo(5_000 + 6 * 5_000);
    now = 18_750;
    // Halfway through the first later frame, its course (7.5 s) and the first's share (5 s) count half each.
    expect(clock.etaMs(1, 0.5)).toBeCloseTo(6_250 - 3_750 + 6 * 6_250);
    // Near its end, mostly its course.
    now = 22_125;
    expect(clock.etaMs(1, 0.95)).toBeCloseTo(0.95 * 7_500 + 0.05 * 5_000 - 7_125 + 6 * (0.95 * 7_500 + 0.05 * 5_000));
    now = 22_500;
    clock.frameDone(1);
    expect(clock.etaMs(2, 0)).toBeCloseTo(45_000);
    // Its first iteration (0.5 s of 20, with the flow: 1.5 s) does not make the frame look 30 s long.
    now = 24_000;
    expect(clock.etaMs(2, 0.05)).toBeCloseTo(0.05 * 30_000 + 0.95 * 7_500 - 1_500 + 5 * 7_500);
    now = 30_000;
    clock.frameDone(2);
    expect(clock.etaMs(8, 0)).toBe(0);
  });

  it('takes a resumed clip’s first frame in this run for a later one, and every frame alike at a share of 1', () => {
    let now = 0;
    const resumed = createClipClock(8, 1 / 3, () => now);
    now = 6_000;
    expect(resumed.etaMs(5, 0.5)).toBeCloseTo(6_000 + 2 * 12_000);
    const alike = createClipClock(4, 1, () => now);
    now = 10_000;
    alike.frameDone(0);
    expect(alike.etaMs(1, 0)).toBeCloseTo(3 * 4_000);
  });

  it('takes the frame’s own optimisation’s estimate of its time left where it gives one', () => {
    let now = 0;
    const clock = createClipClock(4, 1 / 3, () => now);
    // 3 s into the first frame at 1 iteration of 60 (its stages' setup in those 3 s), which expects 12 s more.
    now = 3_000;
    expect(clock.etaMs(0, 1 / 60, 12_000)).toBeCloseTo(12_000 + 3 * 5_000);
    // Without it, the 3 s would count as one iteration's time: 3 minutes for the frame.
    expect(clock.etaMs(0, 1 / 60)).toBeCloseTo(180_000 - 3_000 + 3 * 60_000);
  });
});
