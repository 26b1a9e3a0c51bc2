import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/engine/errors.ts';
import { decodeImage, formatRefusal, inspectImage, readImageFile, resizeToLongSide, type RgbImage } from '../../src/engine/image.ts';
import { resolveOptions } from '../../src/engine/options.ts';
import { heicFromPng, heicOf, heifOfPictures, turnedHeic } from '../helpers/heic.ts';
import { sharedImagePath } from '../helpers/shared.ts';

/** A test picture's pure colour at (x, y), as its name. */
function colourAt(image: RgbImage, x: number, y: number): 'red' | 'blue' | 'other' {
  const [r = 0, , b = 0] = image.data.subarray((y * image.width + x) * 3);
  return r > 200 && b < 50 ? 'red' : b > 200 && r < 50 ? 'blue' : 'other';
}

async function expectInputError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).code).toBe(code);
  expect((error as InputError).message).toMatch(message);
}

function meanDifference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += Math.abs(a[index]! - b[index]!);
  return sum / a.length;
}

/** The mean spread between a pixel's largest and smallest channel. */
function saturationOf(image: { readonly data: Uint8Array }): number {
  let sum = 0;
  for (let index = 0; index < image.data.length; index += 3) {
    const [red, green, blue] = [image.data[index]!, image.data[index + 1]!, image.data[index + 2]!];
    sum += Math.max(red, green, blue) - Math.min(red, green, blue);
  }
  return sum / (image.data.length / 3);
}

/** A real PNG whose header claims `width`×`height`: a decompression bomb's calling card. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).png().toBuffer();
  const ihdr = png.subarray(12, 29); // chunk type + 13 data bytes
  ihdr.writeUInt32BE(width, 4);
  ihdr.writeUInt32BE(height, 8);
  png.writeUInt32BE(crc32(ihdr), 29);
  return png;
}

describe('decoding uploads', () => {
  it('decodes JPEG, PNG, WebP and GIF to RGB', async () => {
    const jpeg = await readFile(sharedImagePath('content_dog.jpg'));
    const image = await decodeImage(jpeg);
    expect([image.width, image.height, image.data.length]).toEqual([512, 384, 512 * 384 * 3]);
    for (const format of ['png', 'webp', 'gif'] as const) {
      const converted = await sharp(jpeg).resize(64, 48).toFormat(format).toBuffer();
      const decoded = await decodeImage(converted);
      expect([decoded.width, decoded.height]).toEqual([64, 48]);
    }
  });

  it('decodes AVIF (a HEIF file with AV1 inside), and names another codec in a HEIF file it cannot read', async () => {
    const jpeg = await readFile(sharedImagePath('content_dog.jpg'));
    const avif = await sharp(jpeg).resize(64, 48).avif().toBuffer();
    expect((await sharp(avif).metadata()).format).toBe('heif');
    const decoded = await decodeImage(avif);
    expect([decoded.width, decoded.height]).toEqual([64, 48]);
    // The dog's photo, not a blank: within a few grey levels of the JPEG at that size.
    const reference = await decodeImage(await sharp(jpeg).resize(64, 48).png().toBuffer());
    expect(meanDifference(decoded.data, reference.data)).toBeLessThan(8);
    expect(formatRefusal({ format: 'heif', compression: 'av1' }, 'photo')).toBeUndefined();
    expect(formatRefusal({ format: 'heif', compression: 'hevc' }, 'photo')).toBeUndefined();
    // What libvips reports for a HEIF with a JPEG inside (no encoder here makes one).
    expect(formatRefusal({ format: 'heif', compression: 'jpeg' } as unknown as Parameters<typeof formatRefusal>[0], 'photo')).toBe('The photo is a HEIF file in a form I cannot read (JPEG); send a JPEG, PNG, WebP, HEIC, AVIF or GIF.');
    expect(formatRefusal({ format: 'tiff' }, 'photo')).toBe('The photo is a TIFF file; send a JPEG, PNG, WebP, HEIC, AVIF or GIF.');
    // With the article its name takes: "a SVG file" read wrong.
    expect(formatRefusal({ format: 'svg' }, 'photo')).toBe('The photo is an SVG file; send a JPEG, PNG, WebP, HEIC, AVIF or GIF.');
    expect(formatRefusal({ format: 'jxl' }, 'photo')).toBe('The photo is a JPEG XL file; send a JPEG, PNG, WebP, HEIC, AVIF or GIF.');
  });

  it('decodes HEIC (HEVC inside a HEIF file: an iPhone’s photos), at its size or shrunk, and refuses a damaged one in words', async () => {
    const jpeg = await sharp(await readFile(sharedImagePath('content_dog.jpg'))).resize(320, 240).jpeg({ quality: 95 }).toBuffer();
    const heic = await heicOf(jpeg);
    expect(await sharp(heic).metadata()).toMatchObject({ format: 'heif', compression: 'hevc', width: 320, height: 240 });
    expect(await inspectImage(heic)).toEqual({ width: 320, height: 240 });
    const decoded = await decodeImage(heic, undefined, 'photo');
    expect([decoded.width, decoded.height, decoded.data.length]).toEqual([320, 240, 320 * 240 * 3]);
    // The dog, in its colours: within a few grey levels of the JPEG it was made from.
    const reference = await decodeImage(jpeg);
    expect(meanDifference(decoded.data, reference.data)).toBeLessThan(6);
    const shrunk = await decodeImage(heic, undefined, 'photo', 160);
    expect([shrunk.width, shrunk.height]).toEqual([160, 120]);
    // Its header is read as any picture's, before a pixel is decoded: the pixel limit holds.
    await expectInputError(decodeImage(heic, { maxBytes: 10_000_000, maxPixels: 320 * 239 }, 'photo'), 'too_many_pixels', /^The photo is 320×240/);
    // An iPhone's photo is in Display P3: converted to sRGB, as a JPEG in P3 is (read as sRGB, it lost a seventh of its saturation).
    const p3 = await decodeImage(await heicOf(await sharp(jpeg).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer()), undefined, 'photo');
    expect(meanDifference(p3.data, reference.data)).toBeLessThan(4);
    expect(Math.abs(saturationOf(p3) / saturationOf(reference) - 1)).toBeLessThan(0.05);
    // With transparency (an alpha picture beside the primary one): flattened onto white, as a transparent PNG is.
    const halfClear = await sharp({ create: { width: 64, height: 32, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } })
      .composite([{ input: { create: { width: 32, height: 32, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 1 } } }, left: 32, top: 0 }])
      .png()
      .toBuffer();
    const flattened = await decodeImage(await heicFromPng(halfClear), undefined, 'photo');
    expect([...flattened.data.subarray((2 * 64 + 2) * 3, (2 * 64 + 2) * 3 + 3)].every((level) => level > 245)).toBe(true);
    expect([...flattened.data.subarray((20 * 64 + 50) * 3, (20 * 64 + 50) * 3 + 3)]).toEqual([0, 0, expect.any(Number)]);
    // Cut short (the header intact, the picture's data not): refused, not a crash.
    await expectInputError(decodeImage(heic.subarray(0, Math.floor(heic.length * 0.6)), undefined, 'photo'), 'corrupt_image', /^The photo .*damaged/);
  });

  it('turns a HEIC as its own irot says (an iPhone’s portrait photo), once, even with an EXIF orientation beside it', async () => {
    // Red on the left half, blue on the right, stored 64×32; and the same stored pixels with EXIF orientation 6 (turn clockwise).
    const halves = sharp({ create: { width: 64, height: 32, channels: 3, background: '#ff0000' } })
      .composite([{ input: { create: { width: 32, height: 32, channels: 3, background: '#0000ff' } }, left: 32, top: 0 }]);
    const stored = await halves.clone().jpeg().toBuffer();
    const withExifTurn = await halves.clone().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const cases = [
      { heic: turnedHeic(await heicOf(stored), 1), size: [32, 64], top: 'blue' }, // a quarter anticlockwise: the right half goes up
      { heic: turnedHeic(await heicOf(stored), 2), size: [64, 32], top: 'blue' }, // a half: the right half comes left
      { heic: turnedHeic(await heicOf(stored), 3), size: [32, 64], top: 'red' }, // a quarter clockwise: the left half goes up
      // As an iPhone writes it: irot and an EXIF orientation saying the same turn. Applied twice, it would come out 64×32.
      { heic: turnedHeic(await heicOf(withExifTurn), 3), size: [32, 64], top: 'red' },
    ];
    for (const { heic, size, top } of cases) {
      expect(Object.values(await inspectImage(heic))).toEqual(size);
      const decoded = await decodeImage(heic, undefined, 'photo');
      expect([decoded.width, decoded.height, colourAt(decoded, 2, 2), colourAt(decoded, decoded.width - 3, decoded.height - 3)]).toEqual([...size, top, top === 'red' ? 'blue' : 'red']);
      // Shrunk while decoding, to the size the header promised, turned.
      const shrunk = await decodeImage(heic, undefined, 'photo', 32);
      expect([shrunk.width, shrunk.height]).toEqual(size.map((side) => side / 2));
    }
  });

  it('paints a HEIC or AVIF holding several pictures (a burst, an edit beside its original) from its primary one, wherever it is stored', async () => {
    const red = await sharp({ create: { width: 48, height: 32, channels: 3, background: '#ff0000' } }).jpeg().toBuffer();
    const blue = await sharp({ create: { width: 32, height: 48, channels: 3, background: '#0000ff' } }).jpeg().toBuffer();
    const colourOf = (image: RgbImage) => colourAt(image, image.width >> 1, image.height >> 1);
    for (const format of ['heic', 'avif'] as const) {
      for (const [primary, size, colour] of [[0, [48, 32], 'red'], [1, [32, 48], 'blue']] as const) {
        const file = await heifOfPictures([red, blue], primary, format);
        // The size checked before the picture is decoded (its limits, its shape) is the primary's too.
        expect([format, ...Object.values(await inspectImage(file))]).toEqual([format, ...size]);
        const decoded = await decodeImage(file, undefined, 'photo');
        expect([format, decoded.width, decoded.height, colourOf(decoded)]).toEqual([format, ...size, colour]);
        // Shrunk while decoding: to the primary's shape (by the first one's, a 32×48 primary came out 24×16).
        const shrunk = await decodeImage(file, undefined, 'photo', 24);
        expect([format, shrunk.width, shrunk.height, colourOf(shrunk)]).toEqual([format, ...size.map((side) => side / 2), colour]);
      }
    }
  });

  it('takes the first frame of an animated GIF', async () => {
    const frames = Buffer.concat([Buffer.alloc(10 * 8 * 3, 255), Buffer.alloc(10 * 8 * 3, 0)]);
    const gif = await sharp(frames, { raw: { width: 10, height: 16, channels: 3, pageHeight: 8 } }).gif().toBuffer();
    const decoded = await decodeImage(gif);
    expect([decoded.width, decoded.height]).toEqual([10, 8]);
    expect(decoded.data[0]).toBeGreaterThan(200);
  });

  it('honours EXIF orientation', async () => {
    const rotated = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#ff0000' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const decoded = await decodeImage(rotated);
    expect([decoded.width, decoded.height]).toEqual([20, 40]);
  });

  it('flattens transparency onto white', async () => {
    const transparent = await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const decoded = await decodeImage(transparent);
    expect(Array.from(decoded.data.slice(0, 3))).toEqual([255, 255, 255]);
  });

  it('rejects an empty file', async () => {
    await expectInputError(decodeImage(new Uint8Array()), 'empty_file', /empty/);
  });

  it('rejects a file that is not an image', async () => {
    await expectInputError(decodeImage(new TextEncoder().encode('hello, this is a text file')), 'not_an_image', /not an image; send a JPEG, PNG, WebP, HEIC, AVIF or GIF/);
  });

  it('rejects formats it does not accept, such as SVG (which may reference other hosts)', async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    await expectInputError(decodeImage(svg), 'not_an_image', /is an SVG file; send a JPEG/);
  });

  it('rejects a truncated JPEG', async () => {
    const jpeg = await readFile(sharedImagePath('content_dog.jpg'));
    await expectInputError(decodeImage(jpeg.subarray(0, jpeg.length / 2)), 'corrupt_image', /damaged or truncated/);
  });

  it('rejects a file over the byte limit before decoding it', async () => {
    const jpeg = await readFile(sharedImagePath('content_dog.jpg'));
    await expectInputError(decodeImage(jpeg, { maxBytes: 10_000, maxPixels: 1e9 }, 'content image'), 'too_many_bytes', /content image is 0\.\d MB; the limit is 0 MB/);
  });

  it('reads a picture file up to the byte limit: a larger file is refused by its size, a device unread, a pipe once past the limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'impasto-read-'));
    try {
      const jpeg = await readFile(sharedImagePath('content_dog.jpg'));
      await writeFile(join(dir, 'dog.jpg'), jpeg);
      expect(Buffer.compare(await readImageFile(join(dir, 'dog.jpg'), jpeg.length, 'photo'), jpeg)).toBe(0);
      await expectInputError(readImageFile(join(dir, 'dog.jpg'), jpeg.length - 1, 'photo'), 'too_many_bytes', /^The photo is 0\.\d MB; the limit is 0\.\d MB\.$/);
      // A sparse file: its 3 GB are never read (Node's own readFile refuses past 2 GB).
      await writeFile(join(dir, 'huge.jpg'), '');
      await truncate(join(dir, 'huge.jpg'), 3 * 1024 ** 3);
      await expectInputError(readImageFile(join(dir, 'huge.jpg'), 25 * 1024 ** 2, 'photo'), 'too_many_bytes', /^The photo is 3072 MB; the limit is 25 MB\.$/);
      // A link to /dev/zero was read for as long as memory lasted.
      await symlink('/dev/zero', join(dir, 'endless.jpg'));
      await expectInputError(readImageFile(join(dir, 'endless.jpg'), 25 * 1024 ** 2, 'photo'), 'not_an_image', /^The photo is a device, not a saved picture\.$/);
      // A pipe (`impasto stylize <(curl …)`) is read as it comes, and no further than the limit.
      execFileSync('mkfifo', [join(dir, 'pipe')]);
      const [piped] = await Promise.all([readImageFile(join(dir, 'pipe'), jpeg.length, 'photo'), writeFile(join(dir, 'pipe'), jpeg)]);
      expect(Buffer.compare(piped, jpeg)).toBe(0);
      const writing = writeFile(join(dir, 'pipe'), Buffer.alloc(3 * 1024 ** 2)).catch(() => undefined);
      await expectInputError(readImageFile(join(dir, 'pipe'), 1024 ** 2, 'photo'), 'too_many_bytes', /^The photo is over the 1 MB limit\.$/);
      await writing;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a decompression bomb from its header, without decoding it', async () => {
    await expectInputError(decodeImage(await pngClaiming(60_000, 60_000)), 'too_many_pixels', /60000×60000 \(3600 megapixels\); the limit is 70 megapixels/);
  });

  it('takes a phone’s 50-megapixel photo under the default limits (it was refused at 40), and a 200-megapixel one is refused', async () => {
    // A Pixel's 50-megapixel frame (8160×6144) as a real JPEG; a 200-megapixel one (16320×12240) is refused from its header.
    const fifty = await sharp({ create: { width: 8160, height: 6144, channels: 3, background: '#6a8caf' } }).jpeg().toBuffer();
    const decoded = await decodeImage(fifty, undefined, 'photo', 1024);
    expect([decoded.width, decoded.height]).toEqual([1024, 771]);
    await expectInputError(decodeImage(await pngClaiming(16320, 12240), undefined, 'photo', 1024), 'too_many_pixels', /16320×12240 \(199\.8 megapixels\); the limit is 70 megapixels/);
  });

  it('rejects an image whose header claims zero pixels', async () => {
    await expectInputError(decodeImage(await pngClaiming(0, 10)), 'corrupt_image', /./);
  });

  it('shrinks a large image to maxSide as it decodes it, like a full decode resized, and never enlarges', async () => {
    const large = await sharp(await readFile(sharedImagePath('content_dog.jpg'))).resize(2048, 1536).jpeg({ quality: 92 }).toBuffer();
    const shrunk = await decodeImage(large, undefined, 'photo', 400);
    const resized = await resizeToLongSide(await decodeImage(large), 400);
    expect([shrunk.width, shrunk.height]).toEqual([400, 300]);
    let total = 0;
    for (let index = 0; index < shrunk.data.length; index++) total += Math.abs(shrunk.data[index]! - resized.data[index]!);
    // JPEG's shrink-on-load reads it at a quarter of its size first: close to, not the same as, the full decode.
    expect(total / shrunk.data.length).toBeLessThan(1);
    const small = await decodeImage(large, undefined, 'photo', 4000);
    expect([small.width, small.height]).toEqual([2048, 1536]);
    // The short side rounds as resizeToLongSide rounds it (339 · 96 / 512 = 63.6: 64, not 63), so
    // the engine finds the photo at its size.
    const person = await readFile(sharedImagePath('content_person.jpg'));
    const decoded = await decodeImage(person, undefined, 'photo', 96);
    const resizedPerson = await resizeToLongSide(await decodeImage(person), 96);
    expect([decoded.width, decoded.height]).toEqual([resizedPerson.width, resizedPerson.height]);
  });

  it('inspects an upload from its header: its size as decoded, after the same refusals', async () => {
    const rotated = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#ff0000' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await inspectImage(rotated)).toEqual({ width: 20, height: 40 });
    const shrunk = await decodeImage(rotated, undefined, 'photo', 10);
    expect([shrunk.width, shrunk.height]).toEqual([5, 10]);
    await expectInputError(inspectImage(await pngClaiming(60_000, 60_000)), 'too_many_pixels', /60000×60000/);
    await expectInputError(inspectImage(new TextEncoder().encode('hello')), 'not_an_image', /not an image/);
  });
});

describe('validating options', () => {
  const cases: [string, unknown, RegExp][] = [
    ['size', { size: 5000 }, /^size must be at most 2048\.$/],
    ['size', { size: 10 }, /^size must be at least 64\.$/],
    ['iterations', { iterations: 2.5 }, /^iterations must be a whole number\.$/],
    ['iterations', { iterations: 0 }, /^iterations must be at least 1\.$/],
    ['contentWeight', { contentWeight: -1 }, /^contentWeight must be zero or more\.$/],
    ['styleWeight', { styleWeight: Number.POSITIVE_INFINITY }, /styleWeight must be a finite number/],
    ['tvWeight', { tvWeight: Number.NaN }, /tvWeight must be a number/],
    ['strength', { strength: 0 }, /^strength must be at least 1\.$/],
    ['optimizer', { optimizer: 'sgd' }, /^optimizer must be one of lbfgs, adam\.$/],
    ['options', { colour: 'blue' }, /^Unknown option: colour\.$/],
    ['contentLayers', { contentLayers: ['conv3_2', 'conv9'] }, /^contentLayers: layer names look like conv3_2\.$/],
    ['styleLayers', { styleLayers: [] }, /^styleLayers must name a layer\.$/],
    ['styleLayers', { styleLayers: ['conv1_1', 'conv2_1', 'conv1_1'] }, /^styleLayers names conv1_1 twice\.$/],
  ];
  it.each(cases)('names %s and what is allowed', (field, input, message) => {
    let caught: unknown;
    try {
      resolveOptions(input, 'wasm');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).field).toBe(field);
    expect((caught as InputError).message).toMatch(message);
  });

  it('paints 1024 px by default everywhere, with fewer iterations on a CPU than on a GPU', () => {
    expect([resolveOptions({}, 'wasm').size, resolveOptions({}, 'tensorflow-gpu').size]).toEqual([1024, 1024]);
    expect(resolveOptions({}, 'wasm').iterations).toBeLessThan(resolveOptions({}, 'tensorflow-gpu').iterations);
    expect(resolveOptions({}, 'wasm')).toMatchObject({ strength: 5, normalised: true, optimizer: 'lbfgs', learningRate: 10, init: 'content' });
  });

  it('uses strength unless a raw weight is given; then raw weights, the missing ones at their classic defaults', () => {
    expect(resolveOptions({ strength: 7 }, 'wasm')).toMatchObject({ strength: 7, normalised: true, contentWeight: 1 });
    expect(resolveOptions({ strength: 7 }, 'wasm').styleWeight).toBeCloseTo(resolveOptions({ strength: 5 }, 'wasm').styleWeight * Math.sqrt(10));
    expect(resolveOptions({ strength: 7, styleWeight: 100 }, 'wasm')).toMatchObject({ strength: undefined, normalised: false, contentWeight: 1e5, styleWeight: 100, tvWeight: 1 });
    expect(() => resolveOptions({ strength: 11 }, 'wasm')).toThrow('strength must be at most 10.');
  });
});
