import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticClip } from '../../src/engine/clip/synthetic.ts';
import { encodeGif } from '../../src/engine/gif.ts';
import { runImpasto } from '../helpers/app.ts';
import { loadSharedImage, SHARED_FAST_DIR, sharedImagePath } from '../helpers/shared.ts';

// `impasto stylize`, `fast` and `train-style` as a user runs them, with the files mistyped: each is
// refused in one line naming the file, before the engine starts (the engine's first line, "backend:
// …", is never printed), so no minute of painting is lost to a folder that does not exist.
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'impasto-cli-files-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function impasto(args: readonly string[]) {
  return runImpasto(args, { cwd: dir, env: { IMPASTO_FAST_WEIGHTS_DIR: SHARED_FAST_DIR } });
}

const photo = sharedImagePath('content_dog.jpg');
const painting = sharedImagePath('style_udnie.jpg');

describe('the command line with files it cannot read or write', () => {
  it('refuses a content file that is not an image before the engine starts', async () => {
    const notes = join(dirname(photo), 'README.md');
    const refusal = 'impasto: The content image is not an image; send a JPEG, PNG, WebP, HEIC, AVIF or GIF.\n';
    expect(await impasto(['stylize', notes, painting])).toEqual({ code: 2, stderr: refusal });
    expect(await impasto(['fast', notes, '--network', 'wave'])).toEqual({ code: 2, stderr: refusal });
  });

  it('refuses a photo, clip, painting or mask it cannot paint before the engine starts, by its own size (it named the shrunk one: "128×1")', async () => {
    await sharp({ create: { width: 3000, height: 2, channels: 3, background: '#c33' } }).png().toFile(join(dir, 'strip.png'));
    const strip = 'impasto: The content image is 3000×2: too narrow to paint. Its long side may be at most 16 times its short side; crop it.\n';
    expect(await impasto(['stylize', 'strip.png', painting, '--size', '128'])).toEqual({ code: 2, stderr: strip });
    expect(await impasto(['fast', 'strip.png', '--network', 'wave'])).toEqual({ code: 2, stderr: strip });
    // Within the limit, but too thin at the size asked for.
    await sharp(photo).resize(1600, 100, { fit: 'fill' }).png().toFile(join(dir, 'wide.png'));
    expect(await impasto(['stylize', 'wide.png', painting, '--size', '128'])).toEqual({ code: 2, stderr: 'impasto: At size 128 the content image would be only 8 px across; ask for size 256 or more, or crop it.\n' });
    const frames = (await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 2, width: 1600, height: 80 })).frames;
    await writeFile(join(dir, 'strip.gif'), await encodeGif(frames, { delaysMs: [100, 100], maxSide: 1600 }));
    expect(await impasto(['stylize', 'strip.gif', painting, '-o', 'strip-painted.gif'])).toEqual({
      code: 2,
      stderr: 'impasto: The clip is 1600×80: too narrow to paint. Its long side may be at most 16 times its short side; crop it.\n',
    });
    // A painting, or a mask, likewise, naming the file; the mask against the photo as it is (512×384), not as shrunk to be painted.
    expect(await impasto(['stylize', photo, 'strip.png'])).toEqual({ code: 2, stderr: 'impasto: The style image strip.png is 3000×2: too narrow to paint. Its long side may be at most 16 times its short side; crop it.\n' });
    expect(await impasto(['stylize', photo, painting, '--background-style', 'strip.png'])).toEqual({ code: 2, stderr: 'impasto: The background style strip.png is 3000×2: too narrow to paint. Its long side may be at most 16 times its short side; crop it.\n' });
    expect(await impasto(['train-style', 'strip.png', '--photos', dirname(photo), '--out', 'trained', '--steps', '1'])).toEqual({ code: 2, stderr: 'impasto: The painting strip.png is 3000×2: too narrow to paint. Its long side may be at most 16 times its short side; crop it.\n' });
    expect(await impasto(['stylize', photo, painting, '--mask', 'strip.png', '--size', '96'])).toEqual({ code: 2, stderr: "impasto: The mask is 3000×2 but the photo is 512×384: give a mask of the photo's shape (white = stylize, black = keep).\n" });
    await Promise.all(['strip.png', 'wide.png', 'strip.gif'].map((name) => rm(join(dir, name))));
  });

  it('says the person model is missing before the engine starts, where a target or a background style needs it', async () => {
    const missing = `impasto: The person-segmentation model is not in ${dir} (selfie.json is missing). Run \`impasto weights download\` with internet, or set IMPASTO_SEGMENTATION_WEIGHTS_DIR.\n`;
    const run = (args: readonly string[]) => runImpasto(args, { cwd: dir, env: { IMPASTO_FAST_WEIGHTS_DIR: SHARED_FAST_DIR, IMPASTO_SEGMENTATION_WEIGHTS_DIR: dir } });
    expect(await run(['stylize', photo, painting, '--target', 'person'])).toEqual({ code: 2, stderr: missing });
    expect(await run(['stylize', photo, painting, '--background-style', painting])).toEqual({ code: 2, stderr: missing });
    expect(await run(['fast', photo, '--network', 'wave', '--target', 'background'])).toEqual({ code: 2, stderr: missing });
  });

  it('names an input that is missing or a folder', async () => {
    expect(await impasto(['stylize', photo, 'no-such-painting.jpg'])).toEqual({ code: 2, stderr: 'impasto: Cannot read the style image no-such-painting.jpg: there is no such file or folder.\n' });
    expect(await impasto(['stylize', 'no-such-photo.jpg', painting])).toEqual({ code: 2, stderr: 'impasto: Cannot read the content image no-such-photo.jpg: there is no such file or folder.\n' });
    expect(await impasto(['stylize', photo, painting, '--mask', '.'])).toEqual({ code: 2, stderr: 'impasto: Cannot read the mask .: it is a folder.\n' });
    // A device is no picture: /dev/zero was read until memory ran out (9 GB in 30 s).
    expect(await impasto(['stylize', '/dev/zero', painting])).toEqual({ code: 2, stderr: 'impasto: The content image is a device, not a saved picture.\n' });
    expect(await impasto(['fast', '/dev/zero', '--network', 'wave'])).toEqual({ code: 2, stderr: 'impasto: The content image is a device, not a saved picture.\n' });
    expect(await impasto(['stylize', photo, '/dev/zero'])).toEqual({ code: 2, stderr: 'impasto: The style image /dev/zero is a device, not a saved picture.\n' });
    expect(await impasto(['train-style', 'gone.jpg', '--photos', '.'])).toEqual({ code: 2, stderr: 'impasto: Cannot read the painting gone.jpg: there is no such file or folder.\n' });
    // A link copied from a browser was "no such file or folder", as if the file's name had been mistyped.
    const fromTheWeb = (what: string, address: string) => `impasto: Cannot read the ${what} ${address}: that is a web address, and impasto reads files only (it downloads nothing): save the picture, then name its file.\n`;
    expect(await impasto(['stylize', 'https://example.com/cat.jpg', painting])).toEqual({ code: 2, stderr: fromTheWeb('content image', 'https://example.com/cat.jpg') });
    expect(await impasto(['stylize', photo, 'HTTP://example.com/painting'])).toEqual({ code: 2, stderr: fromTheWeb('style image', 'HTTP://example.com/painting') });
    // A folder of photos given as one was read as a folder named "https:" in this one.
    expect(await impasto(['train-style', painting, '--photos', 'https://example.com/photos/'])).toEqual({
      code: 2,
      stderr: "impasto: option '--photos <folder>' argument 'https://example.com/photos/' is invalid. expected a folder, not a web address: impasto reads files only (it downloads nothing), so save the pictures in a folder and name that\n(add --help for how to use it)\n",
    });
    // A name is a file name: "../../evil" wrote a checkpoint and a samples folder two levels up.
    expect(await impasto(['train-style', painting, '--photos', dirname(photo), '--name', '../../evil', '--out', 'trained', '--steps', '1'])).toEqual({
      code: 2,
      stderr: 'impasto: "../../evil" cannot name a trained network: use lowercase letters, digits, - and _.\n',
    });
    expect((await readdir(dirname(dir))).filter((file) => file.startsWith('evil'))).toEqual([]);
    // Without --name, the painting's file name names the network: this one has no letter a name may have.
    const unnamed = await mkdtemp(join(tmpdir(), 'impasto-cli-unnamed-'));
    try {
      await writeFile(join(unnamed, '星月夜.jpg'), await readFile(painting));
      expect(await impasto(['train-style', join(unnamed, '星月夜.jpg'), '--photos', dirname(photo), '--out', join(unnamed, 'trained'), '--steps', '1'])).toEqual({
        code: 2,
        stderr: "impasto: The painting's file name, 星月夜.jpg, makes no network name: give one with --name (lowercase letters, digits, - and _).\n",
      });
      // A name of what is left once the rest is dashes, trimmed ("my-painting-" before).
      await writeFile(join(unnamed, 'My Painting!.jpg'), await readFile(painting));
      const trained = await impasto(['train-style', join(unnamed, 'My Painting!.jpg'), '--photos', dirname(photo), '--out', join(unnamed, 'trained'), '--steps', '1', '--size', '64', '--batch', '1']);
      expect(trained.code).toBe(0);
      expect(trained.stderr).toContain(`the network is ${join(unnamed, 'trained', 'my-painting.f32.bin')}`);
      // Without TensorFlow.js's banner (its cpu backend decodes the weights) advising tfjs-node.
      expect(trained.stderr).not.toContain('tfjs-node');
      expect(trained.stderr).toMatch(/^1 step in \d+s; /m);
      // Again: its checkpoint has every step ("resumed at step 1; 0 steps in 0s" before).
      const again = await impasto(['train-style', join(unnamed, 'My Painting!.jpg'), '--photos', dirname(photo), '--out', join(unnamed, 'trained'), '--steps', '1', '--size', '64', '--batch', '1']);
      expect(again.stderr).toContain(`the checkpoint was at step 1 already: nothing to train; the network is ${join(unnamed, 'trained', 'my-painting.f32.bin')}`);
    } finally {
      await rm(unnamed, { recursive: true, force: true });
    }
  });

  it('refuses a result, GIF or training folder where none can be, or a GIF not named .gif, before painting', async () => {
    expect(await impasto(['stylize', photo, painting, '-o', 'results/out.png'])).toEqual({ code: 2, stderr: 'impasto: Cannot write results/out.png (--output): the folder results does not exist.\n' });
    expect(await impasto(['fast', photo, '--network', 'wave', '--gif', 'gifs/out.gif'])).toEqual({ code: 2, stderr: 'impasto: Cannot write gifs/out.gif (--gif): the folder gifs does not exist.\n' });
    expect(await impasto(['stylize', photo, painting, '--gif', 'emerging.png'])).toEqual({ code: 2, stderr: 'impasto: --gif writes a GIF: name a .gif file, not emerging.png.\n' });
    await writeFile(join(dir, 'a-file'), 'not a folder');
    expect(await impasto(['fast', photo, '--network', 'wave', '-o', 'a-file/out.png'])).toEqual({ code: 2, stderr: 'impasto: Cannot write a-file/out.png (--output): a-file is not a folder.\n' });
    // Training makes its folder before the engine starts (it threw a stack trace after loading it).
    const trained = await impasto(['train-style', painting, '--photos', dirname(photo), '--name', 'udnie', '--out', 'a-file', '--steps', '1']);
    expect(trained).toEqual({ code: 2, stderr: `impasto: Cannot make the folder ${join(dir, 'a-file', 'udnie-samples')} (--out): it is not a folder.\n` });
    // Nothing was written.
    expect(await readdir(dir)).toEqual(['a-file']);
  });

  it('says which result it could not write when the write fails after the painting', async () => {
    // /proc passes the checks made before the work (for root it is a writable folder), yet takes no file.
    const failed = await impasto(['fast', photo, '--network', 'wave', '--size', '64', '-o', '/proc/impasto-result.png']);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/^impasto: Cannot write \/proc\/impasto-result\.png \(--output\): [^\n]+\.\n$/);
  });

  it('refuses an option out of its range before the engine starts, naming it as it was typed', async () => {
    expect(await impasto(['stylize', photo, painting, '--iterations', '0'])).toEqual({ code: 2, stderr: 'impasto: --iterations must be at least 1.\n' });
    expect(await impasto(['stylize', photo, painting, '--style-scale', '0'])).toEqual({ code: 2, stderr: 'impasto: --style-scale must be at least 0.1.\n' });
    expect(await impasto(['stylize', photo, painting, '--content-layers', 'conv3_2,conv9'])).toEqual({ code: 2, stderr: 'impasto: --content-layers: layer names look like conv3_2.\n' });
    // Named twice, a layer crashed the engine as it built its graph.
    expect(await impasto(['stylize', photo, painting, '--style-layers', 'conv1_1,conv1_1'])).toEqual({ code: 2, stderr: 'impasto: --style-layers names conv1_1 twice.\n' });
    expect(await impasto(['fast', photo, '--network', 'wave', '--strength', '11'])).toEqual({ code: 2, stderr: 'impasto: --strength must be at most 10.\n' });
    expect(await impasto(['train-style', painting, '--photos', '.', '--steps', '0'])).toEqual({ code: 2, stderr: 'impasto: --steps must be at least 1.\n' });
    // Options that exclude one another were refused by the engine, after it had started.
    expect(await impasto(['stylize', photo, painting, '--mask', painting, '--target', 'person'])).toEqual({ code: 2, stderr: 'impasto: Give either a mask or a target (or a background style), not both: the target draws its own mask.\n' });
    expect(await impasto(['stylize', photo, painting, '--background-style', painting, '--target', 'background'])).toEqual({
      code: 2,
      stderr: 'impasto: A background style already paints the person and the background each in its own style: leave target at everything.\n',
    });
  });

  it('refuses what is not a number or not an option in one line and a hint, not the whole help', async () => {
    expect(await impasto(['stylize', photo, painting, '--size', '512px'])).toEqual({ code: 2, stderr: "impasto: option '--size <value>' argument '512px' is invalid. expected a number\n(add --help for how to use it)\n" });
    // Read as JavaScript reads numbers, 0x100 was 256.
    expect(await impasto(['fast', photo, '--network', 'wave', '--size', '0x100'])).toEqual({ code: 2, stderr: "impasto: option '--size <value>' argument '0x100' is invalid. expected a number\n(add --help for how to use it)\n" });
    expect(await impasto(['fast', photo, '--colour', 'blue'])).toEqual({ code: 2, stderr: "impasto: unknown option '--colour'\n(add --help for how to use it)\n" });
    // A style weighted 0 or less was refused by the engine, after it had started.
    expect(await impasto(['stylize', photo, painting, painting, '--style-weights', '1,-1'])).toEqual({ code: 2, stderr: "impasto: option '--style-weights <list>' argument '1,-1' is invalid. expected numbers above 0, such as 0.7,0.3\n(add --help for how to use it)\n" });
  });

  it("refuses an empty file, folder or style name, as a script's unset variable makes it, in one line naming it", async () => {
    const before = await readdir(dir);
    const refusal = (message: string, expected: string) => ({ code: 2, stderr: `impasto: ${message} expected ${expected}, not an empty one\n(add --help for how to use it)\n` });
    // It looked "" up in the library and suggested three paintings.
    expect(await impasto(['stylize', photo, painting, ''])).toEqual(refusal("command-argument value '' is invalid for argument 'styles'.", "a file or a library style's name"));
    expect(await impasto(['fast', '', '--network', 'wave'])).toEqual(refusal("command-argument value '' is invalid for argument 'content'.", 'a file'));
    expect(await impasto(['stylize', photo, painting, '--background-style', painting, ' ', '--target', 'person'])).toEqual(refusal("option '--background-style <files...>' argument ' ' is invalid.", "a file or a library style's name"));
    expect(await impasto(['fast', photo, '--network', 'wave', '-o', ''])).toEqual(refusal("option '-o, --output <file>' argument '' is invalid.", 'a file name'));
    // An empty folder was the current one, and an empty --sample none.
    for (const option of ['--photos', '--out']) expect(await impasto(['train-style', painting, '--photos', dir, option, ''])).toEqual(refusal(`option '${option} <folder>' argument '' is invalid.`, 'a folder'));
    expect(await impasto(['train-style', painting, '--photos', dir, '--sample', ''])).toEqual(refusal("option '--sample <photo>' argument '' is invalid.", 'a file'));
    expect(await readdir(dir)).toEqual(before);
  });

  it('paints a small photo at its own size unless a size is asked for, as the bot does (it enlarged a 512-px photo to 1024)', async () => {
    await sharp(photo).resize(96).toFile(join(dir, 'small.png'));
    expect((await impasto(['fast', 'small.png', '--network', 'wave', '-o', 'small-painted.png'])).code).toBe(0);
    expect(await sharp(join(dir, 'small-painted.png')).metadata()).toMatchObject({ width: 96, height: 72 });
    expect((await impasto(['fast', 'small.png', '--network', 'wave', '--size', '128', '-o', 'small-enlarged.png'])).code).toBe(0);
    expect(await sharp(join(dir, 'small-enlarged.png')).metadata()).toMatchObject({ width: 128, height: 96 });
    await Promise.all(['small.png', 'small-painted.png', 'small-enlarged.png'].map((name) => rm(join(dir, name))));
  });

  it('paints a photo within 16:1 by a hair whose short side rounds down as it is shrunk (1599×100 at 260 px is 260×16: the engine refused it after the command accepted it)', async () => {
    await sharp({ create: { width: 1599, height: 100, channels: 3, background: '#3a6' } }).png().toFile(join(dir, 'banner.png'));
    const run = await impasto(['fast', 'banner.png', '--network', 'wave', '--size', '260', '-o', 'banner-painted.png']);
    expect(run.stderr).not.toMatch(/too narrow/);
    expect(run.code).toBe(0);
    expect(await sharp(join(dir, 'banner-painted.png')).metadata()).toMatchObject({ width: 260, height: 16 });
    await Promise.all(['banner.png', 'banner-painted.png'].map((name) => rm(join(dir, name))));
  });

  it('paints a 108-megapixel photo (a phone camera\'s largest mode), shrunk as it is decoded, where the bot refuses past 70', async () => {
    await sharp(photo).resize(12_000, 9_000, { fit: 'fill', kernel: 'nearest' }).jpeg({ quality: 80 }).toFile(join(dir, 'huge.jpg'));
    const run = await impasto(['fast', 'huge.jpg', '--network', 'wave', '--size', '128', '-o', 'huge-painted.png']);
    expect(run.stderr).not.toMatch(/limit/);
    expect(run.code).toBe(0);
    expect(await sharp(join(dir, 'huge-painted.png')).metadata()).toMatchObject({ width: 128, height: 96 });
    await Promise.all(['huge.jpg', 'huge-painted.png'].map((name) => rm(join(dir, name))));
  }, 120_000);

  it('writes where it was told once the folder is there', async () => {
    const run = await impasto(['fast', photo, '--network', 'wave', '--size', '64', '-o', 'out.png', '--gif', 'out.gif']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^wrote out\.png \(64×\d+, one pass, /m);
    expect((await readdir(dir)).sort()).toEqual(['a-file', 'out.gif', 'out.png']);
  });
});
