/**
 * Training on TensorFlow.js, on its active backend (a GPU's: WebGPU or tfjs-node-gpu). The network
 * paints the batch (the same layers as inference, `fast/tfjs.ts`); each crop's loss and its
 * gradient with respect to the picture come from the optimisation's own objective (`tf-objective.ts`,
 * its backward pass written out) inside a custom gradient, and TensorFlow.js's tape carries that
 * gradient back through the network into its parameters. One read per crop (its content target's
 * scale, when its objective is made) and one for the losses and the parameters' gradient: the
 * pictures never leave the device.
 */
import * as tf from '@tensorflow/tfjs-core';
// Registers the tape's gradient of every op (the core package registers none): the network's backward pass is the tape's.
import '@tensorflow/tfjs';
import type { BackendName } from '../backend.ts';
import { tfjsFastRunner } from '../fast/runner.ts';
import { paintUnclipped, type LayerTensors } from '../fast/tfjs.ts';
import { networkOfParameters } from '../fast/trained.ts';
import { storedKernelShape, type ManifestLayer, type ParameterLayout } from '../fast/manifest.ts';
import { createTfObjective, gramTargetsOf, type DeviceObjective } from '../tf-objective.ts';
import { BGR_MEAN, rgbToVggInput, type FeatureNetwork } from '../vgg.ts';
import { InputError } from '../errors.ts';
import { formatMiB, largestBufferAllowed, type GpuLimits } from '../webgpu.ts';
import { addMean, batchOf, type TrainingEngine } from './training-engine.ts';

/** `limits`: the WebGPU adapter's, when the backend is WebGPU: a batch whose tensors would not fit its buffers is refused before any work. */
export function tfjsTrainingEngine(network: FeatureNetwork, backend: BackendName, limits?: GpuLimits): TrainingEngine {
  return {
    label: `TensorFlow.js ${backend}`,
    availableLayers: network.availableLayers,
    async prepareBatches({ layout, batch, size, painting, layers, weights }) {
      if (limits) assertBatchFitsGpu(batch, size, limits);
      const style = { input: { x: rgbToVggInput(painting), width: painting.width, height: painting.height }, weight: 1 };
      const gramTargets = await gramTargetsOf(network, layers.style, [style]);
      // y (RGB, 0–255) → the VGG input (BGR, mean subtracted), and the gradient's way back (a reversal is its own inverse).
      const mean = tf.tensor1d([...BGR_MEAN]);
      const paint = (parameters: tf.Tensor1D, x: tf.Tensor4D) => paintUnclipped(x, layout.layers, layerTensorsOf(layout, parameters));
      return {
        async evaluate(parameters, crops) {
          const objectives: DeviceObjective[] = [];
          const x = tf.tensor4d(batchOf(crops), [batch, size, size, 3]);
          const params = tf.tensor1d(parameters);
          try {
            // Made side by side: on a GPU each waits on a read (its content target's scale), and the reads overlap.
            const made = await Promise.allSettled(crops.map((crop) => createTfObjective({ network, layers, content: { x: rgbToVggInput(crop), width: size, height: size }, styles: [style], weights, normalise: true, gramTargets })));
            for (const outcome of made) if (outcome.status === 'fulfilled') objectives.push(outcome.value);
            const failed = made.find((outcome) => outcome.status === 'rejected');
            if (failed) throw failed.reason;
            // The network's picture goes to the crops' objectives inside a custom gradient: the
            // objectives' own backward passes give the picture's gradient, which the tape carries
            // on into the parameters, and the network runs forward once.
            const perceptualLoss = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
              const [painted, save] = inputs as [tf.Tensor4D, tf.GradSaveFunc];
              const traces = objectives.map((objective, index) => objective.traceOnDevice(tf.reshape(tf.sub(tf.reverse(tf.slice(painted, [index, 0, 0, 0], [1, size, size, 3]), -1), mean), [-1]) as tf.Tensor1D));
              // The batch's loss is the mean of its pictures': each gradient ÷ batch, BGR back to RGB.
              save([tf.div(tf.concat(traces.map(({ gradient }) => tf.reverse(tf.reshape(gradient, [1, size, size, 3]), -1))), batch)]);
              // The value is every crop's raw sums, read once; its gradient is the loss's whatever the upstream.
              return { value: tf.concat(traces.map(({ sums }) => sums)), gradFunc: (_upstream: tf.Tensor, [pictureGradient]: tf.Tensor[]) => pictureGradient! };
            });
            const packed = tf.tidy(() => {
              const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => perceptualLoss(paint(p as tf.Tensor1D, x)))(params);
              // One read for every crop's sums and the parameters' gradient.
              return tf.concat([value, grad]);
            });
            const values = (await packed.data()) as Float32Array;
            packed.dispose();
            const sums = { content: 0, style: 0, tv: 0, total: 0 };
            const perCrop = (values.length - layout.size) / batch;
            objectives.forEach((objective, index) => addMean(sums, objective.termsOf(values.subarray(index * perCrop, (index + 1) * perCrop)), batch));
            return { loss: sums.total, gradient: values.subarray(batch * perCrop), terms: sums };
          } finally {
            for (const objective of objectives) objective.dispose();
            tf.dispose([x, params]);
          }
        },
        dispose: () => mean.dispose(),
      };
    },
    paintSample: (_layout, parameters, photo) => tfjsFastRunner(backend).paint(networkOfParameters('sample', 'sample', parameters), photo),
  };
}

/**
 * The widest tensor of a training step: the network's 32-channel layers at the crops' full size,
 * for the whole batch (VGG's 64-channel first block holds one crop at a time, which is less from 2 crops up).
 */
export function assertBatchFitsGpu(batch: number, size: number, limits: GpuLimits): void {
  const needed = Math.max(batch * 32, 64) * size * size * 4;
  const allowed = largestBufferAllowed(limits);
  if (needed <= allowed) return;
  const largestBatch = Math.floor(allowed / (32 * size * size * 4));
  const advice = largestBatch >= 1 ? `at most ${largestBatch} crops of ${size} px fit` : `crops of ${size} px do not fit even one at a time`;
  throw new InputError('too_large_for_gpu', `A training batch of ${batch} crops of ${size} px needs ${formatMiB(needed)} in one GPU buffer; this GPU allows ${formatMiB(allowed)}, so ${advice}. Choose fewer or smaller crops.`, 'batch');
}

/** Each layer's tensors, cut from the flat parameters (in the `.f32.bin` layout) so that their gradient is one flat tensor too. */
function layerTensorsOf(layout: ParameterLayout, parameters: tf.Tensor1D): (layer: ManifestLayer) => LayerTensors {
  const sizes = layout.layers.flatMap((layer) => {
    const { weights, shift, scale } = layout.offsets.get(layer.name)!;
    return [shift - weights, scale - shift, layer.outChannels];
  });
  const parts = tf.split(parameters, sizes);
  const byName = new Map(
    layout.layers.map((layer, index) => {
      const [weights, shift, scale] = parts.slice(3 * index, 3 * index + 3) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      return [layer.name, { kernel: tf.reshape(weights, storedKernelShape(layer)) as tf.Tensor4D, shift, scale }];
    }),
  );
  return (layer) => byName.get(layer.name)!;
}
