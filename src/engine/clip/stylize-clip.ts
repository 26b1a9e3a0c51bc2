/**
 * A clip painted frame by frame: with a fast network (each frame on its own: quick), or by Gatys with
 * temporal consistency (Ruder et al. 2016): each frame after the first starts from the previous
 * stylized frame warped by the optical flow between the two input frames, and a temporal loss holds
 * it there wherever the flow is trusted, so that the strokes follow the motion instead of flickering.
 */
import { throwIfAborted } from '../errors.ts';
import type { WeightedStyle } from '../engine.ts';
import { resizeExactly, type RgbImage } from '../image.ts';
import { startFromNetworks } from '../methods/best.ts';
import { paintFastPicture } from '../methods/fast.ts';
import { definedRegions } from '../methods/optimise.ts';
import { regionsFor, takeTarget } from '../methods/regions.ts';
import type { MethodContext } from '../methods/method.ts';
import type { StylizeOptionsInput } from '../options.ts';
import type { Clip } from './decode.ts';
import { consistency, opticalFlow, warp } from './flow.ts';
import { LATER_FRAME_ITERATIONS } from './temporal.ts';
import { createClipClock } from './clip-clock.ts';

/** The temporal loss's weight (see `withTemporalLoss`): chosen with `npm run bench:clip`. */
export const DEFAULT_TEMPORAL_WEIGHT = 200;

export interface ClipProgress {
  /** Frames finished, and all of them. */
  readonly frame: number;
  readonly totalFrames: number;
  /** The iteration within the current frame (1 of 1 for a network). */
  readonly iteration: number;
  readonly totalIterations: number;
  readonly elapsedMs: number;
  readonly etaMs: number;
}

export interface ClipRequest {
  readonly clip: Clip;
  readonly styles: readonly WeightedStyle[];
  /** As for a picture: an uploaded mask (the same for every frame), or the background's styles (a split). */
  readonly mask?: RgbImage | undefined;
  readonly background?: readonly WeightedStyle[] | undefined;
  /**
   * `fast` (the options are the fast method's), `optimise` (the engine's stylize options, and
   * `target`) or `best` (the same, and the network(s) whose picture the first frame starts from).
   */
  readonly method: 'fast' | 'optimise' | 'best';
  readonly options: Readonly<Record<string, unknown>>;
  /** Gatys only: false paints every frame on its own (the flicker the temporal loss removes). */
  readonly temporal?: boolean;
  readonly temporalWeight?: number;
  /** Frames already painted (a resumed job): painting continues after the last of them. */
  readonly done?: readonly RgbImage[];
  /** Each frame as it is finished, to be saved (a restart resumes after the last one saved). */
  readonly onFrame?: (index: number, image: RgbImage) => Promise<void>;
  readonly onProgress?: (progress: ClipProgress) => void;
  readonly signal?: AbortSignal;
}

export interface ClipResult {
  readonly frames: readonly RgbImage[];
  readonly delaysMs: readonly number[];
  readonly elapsedMs: number;
}

export async function stylizeClip(context: MethodContext, request: ClipRequest): Promise<ClipResult> {
  const { clip, signal } = request;
  const started = performance.now();
  const total = clip.frames.length;
  const painted: RgbImage[] = [...(request.done ?? [])];
  // Frames after the first take a third of its iterations, unless each is painted on its own (or by a network).
  const clock = createClipClock(total, request.method === 'fast' || request.temporal === false ? 1 : LATER_FRAME_ITERATIONS);
  /** `finished` frames done, and `iteration` of `of` into the next one (whose optimisation expects `frameLeftMs` more). */
  const report = (finished: number, iteration: number, of: number, frameLeftMs?: number) => {
    request.onProgress?.({ frame: finished, totalFrames: total, iteration, totalIterations: of, elapsedMs: performance.now() - started, etaMs: clock.etaMs(finished, iteration / Math.max(1, of), frameLeftMs) });
  };
  for (let index = painted.length; index < total; index++) {
    throwIfAborted(signal);
    const frame = await (request.method === 'fast' ? paintFast(context, request, index) : paintOptimised(context, request, index, painted[index - 1], (iteration, of, leftMs) => report(index, iteration, of, leftMs)));
    painted.push(frame);
    clock.frameDone(index);
    await request.onFrame?.(index, frame);
    report(index + 1, 0, 1);
  }
  return { frames: painted, delaysMs: clip.delaysMs, elapsedMs: performance.now() - started };
}

async function paintFast(context: MethodContext, request: ClipRequest, index: number): Promise<RgbImage> {
  // The method finds the person in each frame itself when asked (a target, a background network).
  return paintFastPicture(context, { content: request.clip.frames[index]!, styles: [], mask: request.mask, background: request.background }, request.options, request.signal);
}

async function paintOptimised(context: MethodContext, request: ClipRequest, index: number, previous: RgbImage | undefined, onIteration: (iteration: number, of: number, leftMs: number) => void): Promise<RgbImage> {
  const engine = await context.engine();
  const { target, rest } = takeTarget(request.options);
  const { network, backgroundNetwork, ...options } = rest as StylizeOptionsInput & { network?: unknown; backgroundNetwork?: unknown };
  const content = request.clip.frames[index]!;
  // Where to paint, found in this frame (the person moves).
  const regions = await regionsFor(context, { content, styles: request.styles, mask: request.mask, background: request.background }, target);
  const base = { content, styles: request.styles, ...definedRegions(regions), signal: request.signal, onProgress: (progress: { iteration: number; totalIterations: number; etaMs: number }) => onIteration(progress.iteration, progress.totalIterations, progress.etaMs) };
  if (!previous || request.temporal === false) {
    // `best`: the first frame (or each, without temporal consistency) starts from the network's picture.
    const start = request.method === 'best' ? await startFromNetworks(context, engine, content, { network, backgroundNetwork, size: options.size }, regions) : undefined;
    return (await engine.stylize({ ...base, ...(start ? { start } : {}), options: { ...options, frames: 2 } })).image;
  }
  // The previous input frame and this one at the result's size: the flow between them moves the previous result here.
  const [before, now] = await Promise.all([resizeExactly(request.clip.frames[index - 1]!, previous.width, previous.height), resizeExactly(content, previous.width, previous.height)]);
  const backward = opticalFlow(before, now);
  const forward = opticalFlow(now, before);
  const warped = warp(previous, backward);
  const iterations = Math.max(1, Math.round((options.iterations ?? 60) * LATER_FRAME_ITERATIONS));
  const result = await engine.stylize({
    ...base,
    start: warped,
    temporal: { previous: warped, weights: consistency(backward, forward), weight: request.temporalWeight ?? DEFAULT_TEMPORAL_WEIGHT },
    // One scale: the warped frame is already the answer at this size, a coarse stage would blur it.
    options: { ...options, iterations, multiScale: false, frames: 2 },
  });
  return result.image;
}
