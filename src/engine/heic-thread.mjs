// @ts-check
/**
 * The body of the thread that `decodeHeic` (heic.ts) starts for each HEIC: libheif (WebAssembly)
 * decodes on the thread it runs on, for up to a second, and the bot's own thread must stay free to
 * answer chats; the thread's memory, WebAssembly's included, goes when it ends. It is JavaScript,
 * type-checked by tsc from these comments, because Node does not give a worker thread the process's
 * TypeScript loader, and registering tsx in each thread cost 0.2 s of its 0.35 s start.
 */
import { parentPort, workerData } from 'node:worker_threads';
import libheifModule from 'libheif-js/libheif-wasm/libheif.js';

/** @typedef {import('libheif-js/libheif-wasm/libheif.js').MainModule} LibHeif */
/** @typedef {import('libheif-js/libheif-wasm/libheif.js').heif_image_handle} HeifImageHandle */
/** @typedef {import('./heic.ts').RgbaPicture} RgbaPicture */
/** @typedef {import('./heic.ts').HeicThreadAnswer} HeicThreadAnswer */
/**
 * One channel of a picture libheif decoded (`heif_js_decode_image2`, which its typings leave
 * untyped); `id` is one of `heif_channel`'s values, embind enum objects compared by identity.
 * @typedef {{ readonly id: unknown; readonly width: number; readonly height: number; readonly stride: number; readonly data: Uint8Array }} DecodedChannel
 */
/** @typedef {{ readonly code: unknown } | { readonly image: import('libheif-js/libheif-wasm/libheif.js').heif_image; readonly channels: readonly DecodedChannel[] }} Decoded */

// Its typings declare an ES default export, but the file is CommonJS: Node imports its
// module.exports, the factory itself, which resolves once the WebAssembly has started.
const createLibHeif = /** @type {() => Promise<LibHeif>} */ (/** @type {unknown} */ (libheifModule));

/**
 * The file's primary picture, upright (libheif applies the file's own rotation and mirroring,
 * `irot` and `imir`, which are what HEIF viewers show), or undefined where libheif cannot decode it.
 * (libheif-js's own `HeifDecoder` is not used: it writes its failures to the console, which is the
 * bot's JSON log.)
 * @param {Uint8Array} bytes
 * @returns {Promise<RgbaPicture | undefined>}
 */
async function decodePrimaryPicture(bytes) {
  const heif = await createLibHeif();
  const context = heif.heif_context_alloc();
  try {
    if (heif.heif_context_read_from_memory(context, bytes).code !== heif.heif_error_code.heif_error_Ok) return undefined;
    /** @type {HeifImageHandle | { readonly code: unknown } | null} */
    const handle = heif.heif_js_context_get_primary_image_handle(context);
    if (!handle || 'code' in handle) return undefined;
    try {
      /** @type {Decoded | null} */
      const decoded = await heif.heif_js_decode_image2(handle, heif.heif_colorspace.heif_colorspace_RGB, heif.heif_chroma.heif_chroma_interleaved_RGBA);
      if (!decoded || !('channels' in decoded)) return undefined;
      try {
        const channel = decoded.channels.find((candidate) => candidate.id === heif.heif_channel.heif_channel_interleaved);
        return channel && { width: channel.width, height: channel.height, data: packedRows(channel) };
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

/**
 * The channel's RGBA rows without the padding libheif may leave at the end of each.
 * @param {DecodedChannel} channel
 * @returns {Uint8Array}
 */
function packedRows(channel) {
  const rowBytes = channel.width * 4;
  if (channel.stride === rowBytes) return channel.data.slice(0, rowBytes * channel.height);
  const packed = new Uint8Array(rowBytes * channel.height);
  for (let row = 0; row < channel.height; row++) packed.set(channel.data.subarray(row * channel.stride, row * channel.stride + rowBytes), row * rowBytes);
  return packed;
}

const picture = await decodePrimaryPicture(/** @type {{ readonly bytes: Uint8Array }} */ (workerData).bytes);
/** @type {HeicThreadAnswer} */
const answer = picture ? { picture } : { damaged: true };
parentPort?.postMessage(answer, picture ? [/** @type {ArrayBuffer} */ (picture.data.buffer)] : []);
