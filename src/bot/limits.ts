import { createRequire } from 'node:module';
import { isGpuBackend, type BackendName } from '../engine/backend.ts';
import { MEBIBYTE, type DecodeLimits } from '../engine/image.ts';
import { DEFAULT_CLIP_LIMITS, type ClipLimits } from '../engine/clip/decode.ts';
import { defaultsFor } from '../engine/options.ts';
import type { BotEnvironment } from './config.ts';

/** Limits that shape the commands themselves (their ranges and defaults). */
export interface CommandLimits {
  readonly maxSize: number;
  readonly defaultSize: number;
  readonly maxIterations: number;
  readonly defaultIterations: number;
  readonly decode: DecodeLimits;
  /** Animated GIF / WebP / AVIF and video uploads: frames, seconds, bytes (IMPASTO_CLIP_*). */
  readonly clip: ClipLimits;
  /** A clip's long side when none is asked for: each frame costs as much as a picture. */
  readonly defaultClipSize: number;
}

/** The backend the engine will most likely pick, known without loading it (for limits and defaults). */
export function likelyBackend(forced: BackendName | undefined): BackendName {
  if (forced) return forced;
  for (const [specifier, name] of [['@tensorflow/tfjs-node-gpu', 'tensorflow-gpu'], ['@tensorflow/tfjs-node', 'tensorflow']] as const) {
    try {
      createRequire(import.meta.url).resolve(specifier);
      return name;
    } catch {
      // not installed
    }
  }
  return 'wasm';
}

/** The largest file the bot fetches or takes from a user (IMPASTO_MAX_UPLOAD_MB), in bytes. */
export function maxUploadBytes(env: Pick<BotEnvironment, 'IMPASTO_MAX_UPLOAD_MB'>): number {
  return env.IMPASTO_MAX_UPLOAD_MB * MEBIBYTE;
}

export function commandLimitsFor(env: BotEnvironment): CommandLimits {
  const backend = likelyBackend(env.IMPASTO_BACKEND);
  const gpu = isGpuBackend(backend);
  const defaults = defaultsFor(backend);
  const maxSize = env.IMPASTO_MAX_SIZE ?? (gpu ? 2048 : 1024);
  const maxIterations = env.IMPASTO_MAX_ITERATIONS ?? (gpu ? 1000 : 300);
  const decode: DecodeLimits = { maxBytes: maxUploadBytes(env), maxPixels: env.IMPASTO_MAX_UPLOAD_MEGAPIXELS * 1e6 };
  return {
    maxSize,
    defaultSize: Math.min(defaults.size, maxSize),
    maxIterations,
    defaultIterations: Math.min(defaults.iterations, maxIterations),
    decode,
    clip: { ...DEFAULT_CLIP_LIMITS, maxFrames: env.IMPASTO_CLIP_MAX_FRAMES, maxSeconds: env.IMPASTO_CLIP_MAX_SECONDS, maxBytes: decode.maxBytes, maxSourcePixels: decode.maxPixels },
    defaultClipSize: Math.min(env.IMPASTO_CLIP_SIZE, maxSize),
  };
}
