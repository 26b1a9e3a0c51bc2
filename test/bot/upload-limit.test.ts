import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fitUploadLimit, type ResultUpload } from '../../src/bot/upload-limit.ts';
import { sharedImagePath } from '../helpers/shared.ts';

const limit = (bytes: number) => ({ bytes, label: 'the test’s limit' });

async function photoPng(): Promise<Uint8Array> {
  return sharp(await readFile(sharedImagePath('content_dog.jpg'))).png().toBuffer();
}

describe('fitting a result to an upload limit', () => {
  it('leaves files within the limit as they are, and says nothing', async () => {
    const png = await photoPng();
    const files: ResultUpload[] = [{ kind: 'png', name: 'impasto-a.png', description: 'the picture', bytes: png }];
    const fitted = await fitUploadLimit(files, limit(png.byteLength));
    expect(fitted.notes).toEqual([]);
    expect(fitted.files[0]!.bytes).toBe(png);
  });

  it('sends a picture over the limit as a JPEG at its own size, and a smaller one only when that does not fit', async () => {
    const png = await photoPng();
    const file: ResultUpload = { kind: 'png', name: 'impasto-a.png', description: 'the picture', bytes: png };
    // The premise: a JPEG of this photo is far smaller than its PNG.
    const jpegSize = (await sharp(png).jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toBuffer()).byteLength;
    expect(jpegSize).toBeLessThan(png.byteLength / 2);

    const whole = await fitUploadLimit([file], limit(png.byteLength - 1));
    expect(whole.files[0]!).toMatchObject({ kind: 'png', name: 'impasto-a.jpg', description: 'the picture' });
    expect(await sharp(whole.files[0]!.bytes).metadata()).toMatchObject({ format: 'jpeg', width: 512, height: 384 });
    expect(whole.notes).toEqual([expect.stringMatching(/^the picture sent as a JPEG to fit the test’s limit \(its PNG was 0\.\d MB\)$/)]);

    const small = await fitUploadLimit([file], limit(Math.floor(jpegSize / 3)));
    const { width } = await sharp(small.files[0]!.bytes).metadata();
    expect(small.files[0]!.bytes.byteLength).toBeLessThanOrEqual(jpegSize / 3);
    expect(width).toBeLessThan(512);
    expect(small.notes).toEqual([`the picture sent as a JPEG ${width} px wide to fit the test’s limit (its PNG was ${(png.byteLength / 1024 / 1024).toFixed(1)} MB)`]);
  });

  it('scales a GIF over the limit down until it fits, every frame and its timing kept', async () => {
    const frames = await Promise.all([0, 40, 80, 120].map((left) => sharp(sharedImagePath('content_dog.jpg')).extract({ left, top: 0, width: 384, height: 384 }).raw().toBuffer()));
    const delays = [80, 80, 80, 2000];
    const original = await sharp(Buffer.concat(frames), { raw: { width: 384, height: 384 * 4, channels: 3, pageHeight: 384 } }).gif({ loop: 0, delay: delays }).toBuffer();
    const file: ResultUpload = { kind: 'gif', name: 'impasto-a.gif', description: 'the painted clip', bytes: original };
    const maxBytes = Math.floor(original.byteLength / 3);

    const fitted = await fitUploadLimit([file], limit(maxBytes));
    const gif = fitted.files[0]!;
    const meta = await sharp(gif.bytes, { animated: true }).metadata();
    expect(gif).toMatchObject({ kind: 'gif', name: 'impasto-a.gif', description: 'the painted clip' });
    expect(gif.bytes.byteLength).toBeLessThanOrEqual(maxBytes);
    expect(meta).toMatchObject({ format: 'gif', pages: 4, delay: delays, loop: 0 });
    expect(meta.width).toBeLessThan(384);
    expect(fitted.notes).toEqual([`the GIF made ${meta.width} px wide to fit the test’s limit`]);
  });

  it('leaves out a video over the limit, saying so, and keeps the rest', async () => {
    const gif: ResultUpload = { kind: 'gif', name: 'impasto-a.gif', description: 'how it emerged', bytes: new Uint8Array(1000) };
    const mp4: ResultUpload = { kind: 'mp4', name: 'impasto-a.mp4', description: 'the clip', bytes: new Uint8Array(3 * 1024 * 1024) };
    const fitted = await fitUploadLimit([gif, mp4], limit(2 * 1024 * 1024));
    expect(fitted.files).toEqual([gif]);
    expect(fitted.notes).toEqual(['the MP4 left out: at 3 MB it is over the test’s limit']);
  });
});
