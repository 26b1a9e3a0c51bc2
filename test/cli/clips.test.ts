import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeClip, type Clip } from '../../src/engine/clip/decode.ts';
import { encodeMp4 } from '../../src/engine/clip/encode.ts';
import { syntheticClip } from '../../src/engine/clip/synthetic.ts';
import { encodeGif } from '../../src/engine/gif.ts';
import { runImpasto } from '../helpers/app.ts';
import { loadSharedImage, SHARED_FAST_DIR, sharedImagePath } from '../helpers/shared.ts';

// `impasto stylize` and `impasto fast` run as a user runs them, on clips made from the shared photos.
let dir: string;
let clip: Clip;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'impasto-cli-clips-'));
  clip = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 4, width: 96, height: 72 });
  await writeFile(join(dir, 'street.gif'), await encodeGif(clip.frames, { delaysMs: [150, 150, 150, 600], maxSide: 96 }));
  await writeFile(join(dir, 'street.mp4'), await encodeMp4(clip.frames, clip.frames.map(() => 100)));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function impasto(args: readonly string[], env: Record<string, string> = {}) {
  return runImpasto(args, { cwd: dir, env: { IMPASTO_FAST_WEIGHTS_DIR: SHARED_FAST_DIR, ...env }, timeoutMs: 180_000 });
}

describe('the command line with a clip for the photo', () => {
  it('paints an animated GIF frame by frame with a network, at its timing (it painted the first frame alone)', async () => {
    const run = await impasto(['fast', 'street.gif', '--network', 'wave']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^wrote stylized\.gif \(4 frames, 96×72, /m);
    const painted = await decodeClip(await readFile(join(dir, 'stylized.gif')));
    expect(painted.frames).toHaveLength(4);
    expect(painted.delaysMs).toEqual([150, 150, 150, 600]);
    // Painted, and each frame its own: the patch moves.
    expect(meanDifference(painted.frames[0]!, clip.frames[0]!)).toBeGreaterThan(20);
    expect(meanDifference(painted.frames[0]!, painted.frames[3]!)).toBeGreaterThan(3);
  });

  it('paints a video by optimisation into an MP4, and a GIF of it beside', async () => {
    const run = await impasto(['stylize', 'street.mp4', sharedImagePath('style_starry_night.jpg'), '-o', 'painted.mp4', '--gif', 'painted.gif', '--iterations', '3', '--size', '64']);
    expect(run.code).toBe(0);
    const video = await decodeClip(await readFile(join(dir, 'painted.mp4')));
    expect(video.kind).toBe('video');
    expect(video.frames).toHaveLength(4);
    expect([video.frames[0]!.width, video.frames[0]!.height]).toEqual([64, 48]);
    expect((await decodeClip(await readFile(join(dir, 'painted.gif')))).frames).toHaveLength(4);
  });

  it('refuses a PNG for a clip before painting, and a clip past the limits naming the settings', async () => {
    const png = await impasto(['fast', 'street.gif', '--network', 'wave', '-o', 'painted.png']);
    expect(png).toEqual({ code: 2, stderr: 'impasto: The photo is an animation of 4 frames, painted frame by frame: name a .gif or .mp4 file to write it to (-o painted.gif), not painted.png.\n' });
    const long = await impasto(['fast', 'street.gif', '--network', 'wave'], { IMPASTO_CLIP_MAX_FRAMES: '3' });
    expect(long).toEqual({ code: 2, stderr: 'impasto: The animation has 4 frames; clips may have up to 3. IMPASTO_CLIP_MAX_SECONDS (up to 120) and IMPASTO_CLIP_MAX_FRAMES (up to 600) allow more.\n' });
  });

  it('says how to get ffmpeg when a video is given on a machine without it (the bot says to send a GIF)', async () => {
    // node is started by its full path; ffmpeg and ffprobe are looked up on PATH, here an empty folder.
    const run = await impasto(['fast', 'street.mp4', '--network', 'wave', '-o', 'painted.mp4'], { PATH: dir });
    expect(run).toEqual({ code: 2, stderr: 'impasto: Videos and animated AVIFs are read with ffmpeg, which is not on this machine: install it (on Debian or Ubuntu: apt-get install ffmpeg), or paint an animated GIF.\n' });
  });

  it('writes a still picture in the format its name says, and refuses one it cannot be (it wrote PNG bytes under any name)', async () => {
    for (const [name, format] of [['dog.png', 'png'], ['dog.jpg', 'jpeg'], ['dog.webp', 'webp']] as const) {
      const run = await impasto(['fast', sharedImagePath('content_dog.jpg'), '--network', 'wave', '--size', '128', '-o', name]);
      expect(run.code).toBe(0);
      expect(await sharp(join(dir, name)).metadata()).toMatchObject({ format, width: 128, height: 96 });
    }
    const gif = await impasto(['fast', sharedImagePath('content_dog.jpg'), '--network', 'wave', '-o', 'dog.gif']);
    expect(gif).toEqual({ code: 2, stderr: 'impasto: A picture is written as .png, .jpg, .webp or .avif, not dog.gif (the GIF of how it emerged goes to --gif).\n' });
  });
});

/** Mean absolute difference of two pictures of one size, in grey levels. */
function meanDifference(a: Clip['frames'][number], b: Clip['frames'][number]): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}
