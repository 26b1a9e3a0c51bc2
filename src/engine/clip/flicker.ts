/**
 * How much a stylized clip flickers: for each pair of consecutive frames, the mean absolute change of
 * the stylized frames over the pixels that did not move in the input (flow below a threshold),
 * relative to the same change of the input frames there (their noise). 1 means it flickers no more
 * than the input; frame-by-frame style transfer is far above.
 */
import { resizeExactly, type RgbImage } from '../image.ts';
import { opticalFlow } from './flow.ts';

/** Pixels whose flow is below this (in pixels) count as still. */
export const STILL_BELOW = 0.5;

export interface Flicker {
  /** Mean change of the stylized frames over still pixels, grey levels per channel. */
  readonly stylized: number;
  /** The same for the input frames. */
  readonly input: number;
  readonly ratio: number;
}

export async function measureFlicker(inputs: readonly RgbImage[], outputs: readonly RgbImage[]): Promise<Flicker> {
  let [stylized, input, count] = [0, 0, 0];
  const sized = await Promise.all(inputs.map((frame) => resizeExactly(frame, outputs[0]!.width, outputs[0]!.height)));
  for (let t = 1; t < outputs.length; t++) {
    const flow = opticalFlow(sized[t - 1]!, sized[t]!);
    for (let p = 0; p < flow.u.length; p++) {
      if (Math.hypot(flow.u[p]!, flow.v[p]!) >= STILL_BELOW) continue;
      for (let c = 3 * p; c < 3 * p + 3; c++) {
        stylized += Math.abs(outputs[t]!.data[c]! - outputs[t - 1]!.data[c]!);
        input += Math.abs(sized[t]!.data[c]! - sized[t - 1]!.data[c]!);
      }
      count += 3;
    }
  }
  const [meanStylized, meanInput] = [stylized / Math.max(1, count), input / Math.max(1, count)];
  return { stylized: meanStylized, input: meanInput, ratio: meanStylized / Math.max(1e-6, meanInput) };
}
