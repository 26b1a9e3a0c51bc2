/**
 * HEIC stills (HEVC inside a HEIF file: iPhones' photos, copied off the phone or sent from a Mac),
 * which libvips reads the header of but cannot decode (its HEVC decoder is left out of sharp's
 * build). libheif compiled to WebAssembly (`libheif-js`, with libde265) decodes them instead, on a
 * thread of its own: about 1.3 s for a 12-megapixel HEIC shrunk to 1024 px, 0.3 s for a small one.
 */
import { Worker } from 'node:worker_threads';
import { deflateSync } from 'node:zlib';
import PQueue from 'p-queue';
import { InputError } from './errors.ts';

/** The decoded primary picture: RGBA, row-major, 4 bytes a pixel, in the file's colour profile. */
export interface RgbaPicture {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** What `heic-thread.mjs` answers. */
export type HeicThreadAnswer = { readonly picture: RgbaPicture } | { readonly damaged: true };

const HEIC_THREAD = new URL('./heic-thread.mjs', import.meta.url);

/**
 * At most two HEICs decode at once (each thread is a core, and may need 0.5 GB): a flood of them
 * waits its turn rather than starting a thread each.
 */
const heicThreads = new PQueue({ concurrency: 2 });

/**
 * The HEIC's primary picture, upright, decoded on a thread of its own (`heic-thread.mjs`, about
 * 0.15 s to start): libheif holds the thread it runs on for up to a second, and a WebAssembly memory
 * only grows, so a thread per picture keeps the bot answering meanwhile and gives back what the
 * picture needed (about 0.5 GB at 40 megapixels) when it ends.
 */
export async function decodeHeic(bytes: Uint8Array, label: string): Promise<RgbaPicture> {
  const answer = await heicThreads.add(() => decodeOnThread(bytes), { throwOnTimeout: true });
  if ('damaged' in answer) throw new InputError('corrupt_image', `The ${label} is a HEIC file libheif could not decode; it looks damaged or truncated.`);
  return answer.picture;
}

async function decodeOnThread(bytes: Uint8Array): Promise<HeicThreadAnswer> {
  const thread = new Worker(HEIC_THREAD, { workerData: { bytes } });
  try {
    return await new Promise<HeicThreadAnswer>((resolve, reject) => {
      thread.once('message', resolve);
      thread.once('error', reject);
      thread.once('exit', (code) => reject(new Error(`the HEIC thread ended (${code}) without an answer`)));
    });
  } finally {
    await thread.terminate();
  }
}

/**
 * The PNG with `icc` in an iCCP chunk after its header (sharp can convert pixels *to* a profile, but
 * not say which profile raw pixels are *in*). The PNG must carry no profile of its own.
 */
export function withColourProfile(png: Buffer, icc: Uint8Array): Buffer {
  const headerEnd = 8 + 4 + 4 + 13 + 4; // the signature, then IHDR: length, type, 13 bytes, CRC
  const data = Buffer.concat([Buffer.from('ICC profile\0\0', 'latin1'), deflateSync(icc)]); // name, NUL, method 0 (zlib)
  return Buffer.concat([png.subarray(0, headerEnd), pngChunk('iCCP', data), png.subarray(headerEnd)]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** CRC-32 as PNG computes it (zlib's `crc32` arrived in Node 20.15; this project supports all of 20). */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
