/**
 * Training on onnxruntime, on the CPU: the network's forward and backward graphs
 * (`network-graph.ts`, the backward pass written out: onnxruntime-node has no training API), and
 * each crop's loss and its gradient with respect to the picture from the optimisation's own
 * objective graph.
 */
import { paintFramed } from '../fast/runner.ts';
import { createOnnxObjective, gramTargetsOf, type ArrayWeights } from '../onnx/objective.ts';
import { createSessionLeases } from '../onnx/sessions.ts';
import type { DisposableObjective } from '../tf-objective.ts';
import { BGR_MEAN, rgbToVggInput } from '../vgg.ts';
import { buildTrainingBackwardGraph, buildTrainingForwardGraph } from './network-graph.ts';
import { addMean, batchOf, type TrainingEngine } from './training-engine.ts';

type Ort = typeof import('onnxruntime-node');

/**
 * Two graphs per batch shape and one per sample size, with the arena (fixed shapes, many runs).
 * Leased for the training (and each sample): the arena's memory goes when the training does.
 */
const sessions = createSessionLeases({ arena: true, pattern: true });

export function onnxTrainingEngine(ort: Ort, vgg: ArrayWeights): TrainingEngine {
  return {
    label: `onnxruntime ${ort.env.versions.common} on the CPU`,
    availableLayers: [...vgg.keys()],
    async prepareBatches({ layout, batch, size, painting, layers, weights }) {
      const styleInput = { x: rgbToVggInput(painting), width: painting.width, height: painting.height };
      const objectiveBase = { ort, vgg, pooling: 'max' as const, layers };
      const gramTargets = await gramTargetsOf(objectiveBase, [{ input: styleInput, weight: 1 }]);
      const forwardLease = await sessions.lease(ort, `train-forward|${batch}|${size}`, () => buildTrainingForwardGraph(layout, batch, size, size));
      const backwardLease = await sessions.lease(ort, `train-backward|${batch}|${size}`, () => buildTrainingBackwardGraph(layout, batch, size, size)).catch((error: unknown) => {
        forwardLease.release();
        throw error;
      });
      const [forward, backward] = [forwardLease.session, backwardLease.session];
      // Each crop's objective is disposed when the next one exists: the loss graph's leased session
      // (see onnx/objective.ts) passes from one to the next, across steps, and goes with the training.
      let objectiveInUse: DisposableObjective | undefined;
      return {
        async evaluate(parameters, crops) {
          const paramsTensor = new ort.Tensor('float32', parameters, [layout.size]);
          const xTensor = new ort.Tensor('float32', batchOf(crops), [batch, size, size, 3]);
          const painted = (await forward.run({ params: paramsTensor, x: xTensor })).y!.data as Float32Array;
          const dy = new Float32Array(painted.length);
          const sums = { content: 0, style: 0, tv: 0, total: 0 };
          for (const [index, crop] of crops.entries()) {
            const offset = index * size * size * 3;
            const objective = await createOnnxObjective({ ...objectiveBase, content: { x: rgbToVggInput(crop), width: size, height: size }, styles: [{ input: styleInput, weight: 1 }], weights, normalise: true, gramTargets, repeatedContent: true });
            objectiveInUse?.dispose();
            objectiveInUse = objective;
            const { terms, gradient } = await objective.evaluate(rgbFloatsToVgg(painted.subarray(offset, offset + size * size * 3)));
            addMean(sums, terms, batch);
            // The batch's loss is the mean of its pictures': each gradient ÷ batch, BGR back to RGB.
            for (let i = 0; i < size * size * 3; i += 3) {
              dy[offset + i] = gradient[i + 2]! / batch;
              dy[offset + i + 1] = gradient[i + 1]! / batch;
              dy[offset + i + 2] = gradient[i]! / batch;
            }
          }
          const gradient = (await backward.run({ params: paramsTensor, x: xTensor, dy: new ort.Tensor('float32', dy, [batch, size, size, 3]) })).gradient!.data as Float32Array;
          return { loss: sums.total, gradient, terms: sums };
        },
        dispose() {
          objectiveInUse?.dispose();
          forwardLease.release();
          backwardLease.release();
        },
      };
    },
    paintSample(layout, parameters, photo) {
      // With the runners' margins (multiples of 4 too), so that the sample is what the chat will get.
      return paintFramed(photo, async (framed) => {
        const outputs = await sessions.withSession(ort, `train-sample|${framed.width}x${framed.height}`, () => buildTrainingForwardGraph(layout, 1, framed.width, framed.height), (session) =>
          session.run({ params: new ort.Tensor('float32', parameters, [layout.size]), x: new ort.Tensor('float32', Float32Array.from(framed.data), [1, framed.height, framed.width, 3]) }),
        );
        const y = outputs.y!.data as Float32Array;
        return { width: framed.width, height: framed.height, data: Uint8Array.from(y, (value) => Math.min(255, Math.max(0, Math.round(value)))) };
      });
    },
  };
}

/** A picture as floats (RGB, any range) → the VGG input (BGR, mean subtracted). */
function rgbFloatsToVgg(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i += 3) {
    out[i] = values[i + 2]! - BGR_MEAN[0];
    out[i + 1] = values[i + 1]! - BGR_MEAN[1];
    out[i + 2] = values[i]! - BGR_MEAN[2];
  }
  return out;
}
