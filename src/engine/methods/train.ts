import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { saveTrainedNetwork, trainedNetworksDirOf } from '../fast/trained.ts';
import { resizeToLongSide, type RgbImage } from '../image.ts';
import { trainedNetworkName, parseOptions, schemaOf } from '../option-spec.ts';
import { openTrainingPhotosWithSample } from '../train/photos.ts';
import { renderBeforeAfterSheet } from '../train/sheet.ts';
import { cropToMultipleOf4, trainStyleNetwork } from '../train/trainer.ts';
import type { EngineMethod, MethodContext } from './method.ts';
import { TRAIN_METHOD_OPTIONS } from './options.ts';
import { makeFolder } from '../../make-folder.ts';

const trainMethodSchema = schemaOf(TRAIN_METHOD_OPTIONS);

/**
 * Trains a fast network for the style image (`train/trainer.ts`) on the configured photo folder and
 * saves it as `saveAs`. The content input is the sample: a photo kept out of training, painted
 * while it learns (the GIF) and beside the painting at the end (the PNG, a before/after sheet).
 */
export const trainMethod: EngineMethod = {
  name: 'train',
  description: 'train a fast network for the style (Johnson et al.): a background job of an hour or more on a CPU',
  options: TRAIN_METHOD_OPTIONS,
  async run(context, { inputs, options: input, onProgress, signal, stateDir, waitForTurn }) {
    const { saveAs, ...options } = parseOptions(trainMethodSchema, input);
    const name = saveAs ? trainedNetworkName(saveAs) : undefined;
    if (!name) throw new InputError('invalid_option', 'Name the network to train: saveAs trained:<name>.', 'saveAs');
    if (!context.trainer || !context.trainingPhotosDir) throw new InputError('invalid_option', 'Training is not set up here: the operator sets IMPASTO_TRAINING_PHOTOS_DIR to a folder of photos.', 'photos');
    if (!stateDir) throw new Error('a training job needs a state folder for its checkpoint');
    const painting = inputs.styles[0]?.image;
    if (!painting) throw new InputError('invalid_option', 'Training needs the painting as its style.', 'style');
    // The job's content is the bot's copy of the folder's sample: training leaves that photo out.
    const { photos } = await openTrainingPhotosWithSample(context.trainingPhotosDir, context.warn).catch(tellOperatorOfFolder(context));
    const sample = cropToMultipleOf4(await resizeToLongSide(inputs.content, options.size * 2));
    await makeFolder(stateDir);
    const frames: RgbImage[] = [sample];
    const result = await trainStyleNetwork(
      await context.trainer(),
      { painting, photos, samplePhoto: sample, checkpointPath: join(stateDir, 'training.checkpoint'), options },
      {
        signal,
        beforeStep: waitForTurn,
        onStep: (progress) => {
          if (progress.sample) frames.push(progress.sample);
          onProgress?.({ iteration: progress.step, totalIterations: progress.totalSteps, elapsedMs: progress.elapsedMs, etaMs: progress.etaMs, terms: progress.losses, frame: progress.sample });
        },
      },
    ).catch(tellOperatorOfFolder(context));
    const { steps, seed, size, batch, styleSize, strength, learningRate, from } = options;
    await saveTrainedNetwork(trainedNetworksDirOf(context.trainedNetworksDir), name, result.parameters, { styleImage: name, steps, trainedAt: new Date().toISOString(), options: { seed, size, batch, styleSize, strength, learningRate, from } });
    if (result.sample && frames.at(-1) !== result.sample) frames.push(result.sample);
    const image = await renderBeforeAfterSheet(painting, sample, result.sample ?? sample);
    return { image, frames, iterations: steps, elapsedMs: result.elapsedMs, history: result.history };
  },
};

/**
 * A photo folder that cannot be used (missing, empty, or none of it decodes) is the operator's to
 * mend, and its path is theirs: the whole message goes to their log, and the job fails with one that
 * names no path, for whoever asked for the training.
 */
function tellOperatorOfFolder(context: MethodContext): (error: unknown) => never {
  return (error) => {
    if (!(error instanceof InputError) || error.field !== 'photos') throw error;
    context.warn?.(error.message);
    throw new InputError('invalid_option', 'The training photos here cannot be used (the operator’s log says why).', 'photos');
  };
}
