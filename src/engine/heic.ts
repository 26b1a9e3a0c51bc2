/**
 * HEIC stills (HEVC inside a HEIF file: iPhones' photos, copied off the phone or sent from a Mac),
 * which libvips reads the header of but cannot decode (its HEVC decoder is left out of sharp's
 * build). libheif compiled to WebAssembly (`libheif-js`, with libde265) decodes them instead. A
 * 12-megapixel HEIC takes about 0.6–0.9 s on one core.
 */
import { deflateSync } from 'node:zlib';
import type { heif_image, heif_image_handle, MainModule } from 'libheif-js/libheif-wasm/libheif.js';
import { InputError } from './errors.ts';

/** The decoded primary picture: RGBA, row-major, 4 bytes a pixel. */
export interface RgbaPicture {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

type LibHeif = MainModule & { readonly ready?: Promise<unknown> };

/** One channel of a picture libheif decoded (`heif_js_decode_image2`, which its typings leave untyped). */
interface DecodedChannel {
  /** One of `heif_channel`'s values (embind enum objects, compared by identity). */
  readonly id: unknown;
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly data: Uint8Array;
}
type Decoded = { readonly code: number } | { readonly code?: undefined; readonly image: heif_image; readonly channels: readonly DecodedChannel[] };

/**
 * A libheif of its own for each picture (about 20 ms to start): a WebAssembly memory only grows, and
 * one kept for the bot's lifetime would hold on to what its largest HEIC needed (about 0.5 GB at 40
 * megapixels). This one is let go with the picture.
 */
async function startLibHeif(): Promise<LibHeif> {
  const { default: createLibHeif } = (await import('libheif-js/libheif-wasm/libheif-bundle.js')) as { default: () => LibHeif };
  const libheif = createLibHeif();
  await libheif.ready;
  return libheif;
}

/**
 * The file's primary picture, upright: libheif applies the file's own rotation and mirroring
 * (`irot`, `imir`), which are what HEIF viewers show; its EXIF orientation, if any, is not applied
 * again. Its pixels are in the file's colour profile (`withColourProfile` lets libvips convert them).
 * (libheif-js's own `HeifDecoder` is not used: it writes its failures to the console, which is the
 * bot's JSON log.)
 */
export async function decodeHeic(bytes: Uint8Array, label: string): Promise<RgbaPicture> {
  const heif = await startLibHeif();
  const damaged = () => new InputError('corrupt_image', `The ${label} is a HEIC file libheif could not decode; it looks damaged or truncated.`);
  const context = heif.heif_context_alloc();
  try {
    if (heif.heif_context_read_from_memory(context, bytes).code !== heif.heif_error_code.heif_error_Ok) throw damaged();
    const handle = heif.heif_js_context_get_primary_image_handle(context) as heif_image_handle | { readonly code: number } | null;
    if (!handle || 'code' in handle) throw damaged();
    try {
      const decoded = (await heif.heif_js_decode_image2(handle, heif.heif_colorspace.heif_colorspace_RGB, heif.heif_chroma.heif_chroma_interleaved_RGBA)) as Decoded | null;
      if (!decoded || decoded.code !== undefined) throw damaged();
      try {
        const channel = decoded.channels.find((candidate) => candidate.id === heif.heif_channel.heif_channel_interleaved);
        if (!channel) throw damaged();
        return { width: channel.width, height: channel.height, data: packedRows(channel) };
      } finally {
        heif.heif_image_release(decoded.image);
      }
    } finally {
      heif.heif_image_handle_release(handle);
    }
  } finally {
    heif.heif_context_free(context);
  }
}

/** The channel's RGBA rows without the padding libheif may leave at the end of each. */
function packedRows(channel: DecodedChannel): Uint8Array {
  const rowBytes = channel.width * 4;
  if (channel.stride === rowBytes) return channel.data.slice(0, rowBytes * channel.height);
  const packed = new Uint8Array(rowBytes * channel.height);
  for (let row = 0; row < channel.height; row++) packed.set(channel.data.subarray(row * channel.stride, row * channel.stride + rowBytes), row * rowBytes);
  return packed;
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
