/**
 * Training's options, without the trainer's code (as the methods' are in `methods/options.ts`):
 * `impasto train-style --help` reads them without loading the engine.
 */
import { FAST_NETWORKS } from '../fast/manifest.ts';
import { parseOptions, schemaOf, type OptionSpecs, type ParsedOf } from '../option-spec.ts';

/** Training's options, written once (`impasto train-style` derives its flags from them). */
export const TRAIN_OPTIONS = {
  steps: { type: 'integer', min: 1, max: 200_000, default: 1000, help: 'training steps (a batch of crops each)' },
  batch: { type: 'integer', min: 1, max: 16, default: 4, help: 'photo crops per step' },
  size: { type: 'integer', min: 32, max: 512, default: 256, help: 'side of the square crops, in pixels' },
  styleSize: { type: 'integer', min: 64, max: 1024, default: 512, help: "long side of the painting when its style is measured (smaller: larger strokes)" },
  strength: { type: 'number', min: 1, max: 10, default: 7, help: 'how much it looks like the painting (the optimisation’s scale)' },
  learningRate: { type: 'number', min: 1e-6, max: 0.1, default: 1e-3, help: "Adam's step size" },
  from: { type: 'choice', choices: ['scratch', ...FAST_NETWORKS], default: 'scratch', help: 'start from random weights, or from a pretrained network (fine-tuning: recognisable sooner)' },
  seed: { type: 'integer', min: 0, max: 2 ** 31 - 1, default: 1, help: 'seed of the initial weights and of the crops drawn' },
  checkpointEvery: { type: 'integer', min: 1, max: 100_000, default: 25, help: 'steps between checkpoints' },
  sampleEvery: { type: 'integer', min: 1, max: 100_000, default: 50, help: 'steps between sample pictures' },
} as const satisfies OptionSpecs;

export type TrainOptions = ParsedOf<typeof TRAIN_OPTIONS>;
const trainOptionsSchema = schemaOf(TRAIN_OPTIONS);

/** `nameOf`: an option as its sender typed it, for the refusal (the command line's `--steps`). */
export function parseTrainOptions(input: unknown, nameOf?: (option: string) => string): TrainOptions {
  return parseOptions(trainOptionsSchema, input, nameOf);
}
