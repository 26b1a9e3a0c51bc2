/**
 * Person segmentation: the selfie model run on a letterboxed copy of the photo, its probability map
 * cropped back, resized to the photo and feathered at the edge. The model's input is square, so the
 * photo is scaled to fit and padded (never stretched: a squashed person is segmented worse).
 */
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { RgbImage } from '../image.ts';
import type { Segmentation } from './targets.ts';
import { readSegmentationModel } from './weights.ts';

/** The model's input side. */
export const SEGMENTATION_SIZE = 256;
/** The feathered edge, as a share of the picture's long side (Gaussian sigma). */
const FEATHER = 0.004;
/**
 * Probabilities below LOW count as background and above HIGH as person; between, a ramp. The model
 * leaves 1–2% in plain background, which would otherwise let a trace of the style through there.
 */
const [LOW, HIGH] = [0.15, 0.85];


export interface Letterbox {
  /** The photo scaled to fit, padded to a square: RGB 0..1, NHWC. */
  readonly input: Float32Array;
  /** Where the photo lies inside the square. */
  readonly box: { readonly left: number; readonly top: number; readonly width: number; readonly height: number };
}

/** Scales `image` to fit a `size` square (aspect kept) and pads it with black, centred. */
export async function letterbox(image: RgbImage, size = SEGMENTATION_SIZE): Promise<Letterbox> {
  const scale = size / Math.max(image.width, image.height);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const left = Math.floor((size - width) / 2);
  const top = Math.floor((size - height) / 2);
  const padded = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .extend({ left, top, right: size - width - left, bottom: size - height - top, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer();
  const input = new Float32Array(size * size * 3);
  for (let i = 0; i < input.length; i++) input[i] = padded[i]! / 255;
  return { input, box: { left, top, width, height } };
}

export interface PersonSegmenter {
  /** The model's probability map for a square input as is (RGB 0..1, `size`²). */
  probabilities(input: Float32Array): Promise<Float32Array>;
  /** The person mask of a photo of any size and aspect. */
  segment(image: RgbImage): Promise<Segmentation>;
  dispose(): void;
}

/** Loads the model from `dir` (sha-checked) onto whichever TensorFlow.js backend is active. */
export async function loadPersonSegmenter(dir: string): Promise<PersonSegmenter> {
  const { json, bin } = await readSegmentationModel(dir);
  const artifacts = JSON.parse(new TextDecoder().decode(json)) as { modelTopology: tf.io.ModelArtifacts['modelTopology']; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[]; format?: string; signature?: object };
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  const model = await tf.loadGraphModel(
    tf.io.fromMemory({ modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightsManifest.flatMap((group) => group.weights), weightData, format: artifacts.format, signature: artifacts.signature }),
  );
  const probabilities = async (input: Float32Array): Promise<Float32Array> => {
    const output = tf.tidy(() => model.predict(tf.tensor4d(input, [1, SEGMENTATION_SIZE, SEGMENTATION_SIZE, 3])) as tf.Tensor);
    try {
      return Float32Array.from(await output.data());
    } finally {
      output.dispose();
    }
  };
  return {
    probabilities,
    async segment(image) {
      const { input, box } = await letterbox(image);
      const map = await probabilities(input);
      const crop = new Uint8Array(box.width * box.height);
      let sure = 0;
      for (let y = 0; y < box.height; y++) {
        for (let x = 0; x < box.width; x++) {
          const p = map[(box.top + y) * SEGMENTATION_SIZE + box.left + x]!;
          if (p > 0.5) sure += 1;
          crop[y * box.width + x] = Math.round(Math.min(1, Math.max(0, (p - LOW) / (HIGH - LOW))) * 255);
        }
      }
      const sigma = Math.max(0.3, FEATHER * Math.max(image.width, image.height));
      const resized = await sharp(crop, { raw: { width: box.width, height: box.height, channels: 1 } })
        .resize(image.width, image.height, { fit: 'fill', kernel: 'cubic' })
        .blur(sigma)
        // sharp widens one channel to sRGB on the way out unless told otherwise.
        .extractChannel(0)
        .raw()
        .toBuffer();
      const values = new Float32Array(image.width * image.height);
      for (let i = 0; i < values.length; i++) values[i] = resized[i]! / 255;
      return { mask: { width: image.width, height: image.height, values }, personShare: sure / (box.width * box.height) };
    },
    dispose: () => model.dispose(),
  };
}
