import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { counted } from '../bot/format.ts';
import { engineEnvironmentSchema, libraryLookupEnvironmentSchema, parseEnvironment } from '../bot/config.ts';
import { CancelledError, InputError } from '../engine/errors.ts';
import { FAST_NETWORKS } from '../engine/fast/network.ts';
import { checkTrainedNetworkName, saveTrainedNetwork, trainedNetworksDirOf } from '../engine/fast/trained.ts';
import { decodeImage, encodePng, resizeToLongSide } from '../engine/image.ts';
import { namesNetwork, trainedNetworkOption } from '../engine/option-spec.ts';
import { openTrainingPhotos } from '../engine/train/photos.ts';
import { renderBeforeAfterSheet } from '../engine/train/sheet.ts';
import { parseTrainOptions, TRAIN_OPTIONS } from '../engine/train/options.ts';
import { cropToMultipleOf4, trainStyleNetwork } from '../engine/train/trainer.ts';
import { engineOptionsOfFlags, flagNameOf } from './engine-flags.ts';
import { makeOutputFolder, readNamedFile, readPainting, writeOutput } from './files.ts';
import { formatDuration, withDownloadBar } from './progress-bar.ts';

/** The engine's settings, and where a painting named rather than given as a file is found. */
const TRAINING_ENVIRONMENT = engineEnvironmentSchema.merge(libraryLookupEnvironmentSchema);

/** The network's name when none is given: the painting file's, in the letters a name may have (`My Painting!.jpg` → `my-painting`). */
function networkNameOf(paintingPath: string): string {
  const name = basename(paintingPath, extname(paintingPath)).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!name) throw new InputError('invalid_option', `The painting's file name, ${basename(paintingPath)}, makes no network name: give one with --name (lowercase letters, digits, - and _).`, 'name');
  return name;
}

/** `impasto train-style`'s work (`commands/train-style.ts` defines it): trains, checkpointing, then saves the network and says how to paint with it. */
export async function trainForPainting(paintingPath: string, flags: Record<string, unknown>): Promise<void> {
  const env = parseEnvironment(TRAINING_ENVIRONMENT, process.env);
  const options = parseTrainOptions(engineOptionsOfFlags(TRAIN_OPTIONS, flags), flagNameOf);
  const name = (flags.name as string | undefined) ?? networkNameOf(paintingPath);
  // Before its checkpoint and samples are written under it: "../x" wrote them outside the folder.
  checkTrainedNetworkName(name);
  const out = resolve(trainedNetworksDirOf((flags.out as string | undefined) ?? env.IMPASTO_TRAINED_NETWORKS_DIR));
  const painting = await readPainting(paintingPath, 'painting', env);
  const samplePath = flags.sample as string | undefined;
  const samplePhoto = samplePath ? cropToMultipleOf4(await resizeToLongSide(await decodeImage(await readNamedFile(samplePath, 'sample photo'), undefined, 'sample photo'), options.size * 2)) : undefined;
  const photos = await openTrainingPhotos(resolve(flags.photos as string), samplePath ? [basename(samplePath)] : [], (message) => process.stderr.write(`${message}\n`));
  await makeOutputFolder(join(out, `${name}-samples`), '--out');
  // The engines' code only now, as `stylize` loads its engine: a refusal above need not wait for TensorFlow.js and onnxruntime to import.
  const { createTrainContext } = await import('../engine/train/choose.ts');
  const context = await createTrainContext({ weightsDir: env.IMPASTO_WEIGHTS_DIR, download: { baseUrl: env.IMPASTO_WEIGHTS_URL, ...withDownloadBar() }, fastWeightsDir: env.IMPASTO_FAST_WEIGHTS_DIR, backend: env.IMPASTO_BACKEND, engine: env.IMPASTO_ENGINE });
  process.stderr.write(`training "${name}" on ${photos.paths.length} photos: ${options.steps} step${options.steps === 1 ? '' : 's'} of ${options.batch} crop${options.batch === 1 ? '' : 's'} at ${options.size} px (${context.engine.label}${context.choice.kind === 'onnx' ? `, ${availableParallelism()} threads` : ''})\n`);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const result = await trainStyleNetwork(
    context,
    { painting, photos, samplePhoto, checkpointPath: join(out, `${name}.checkpoint`), options },
    {
      signal: controller.signal,
      onStep: async (progress) => {
        const { losses } = progress;
        process.stderr.write(`step ${progress.step}/${progress.totalSteps}  loss ${losses.total.toFixed(3)} (content ${losses.content.toFixed(3)}, style ${losses.style.toFixed(3)}, tv ${losses.tv.toFixed(3)})  ${formatDuration(progress.elapsedMs)} elapsed, ${formatDuration(progress.etaMs)} left${progress.checkpointed ? '  [checkpoint]' : ''}\n`);
        if (progress.sample) await writeOutput(join(out, `${name}-samples`, `step-${String(progress.step).padStart(6, '0')}.png`), await encodePng(progress.sample), '--out');
      },
    },
  ).catch((error: unknown) => {
    if (error instanceof CancelledError) process.stderr.write(`stopped; run the same command again to resume from ${join(out, `${name}.checkpoint`)}\n`);
    throw error;
  });
  await saveTrainedNetwork(out, name, result.parameters, { styleImage: basename(paintingPath), steps: options.steps, trainedAt: new Date().toISOString(), options });
  if (samplePhoto && result.sample) await writeOutput(join(out, `${name}-sheet.png`), await encodePng(await renderBeforeAfterSheet(painting, samplePhoto, result.sample)), '--out');
  const trained = options.steps - result.resumedAt;
  const run = trained === 0 ? `the checkpoint was at step ${options.steps} already: nothing to train` : `${result.resumedAt > 0 ? `resumed at step ${result.resumedAt}; ` : ''}${counted(trained, 'step')} in ${formatDuration(result.elapsedMs)}`;
  process.stderr.write(`${run}; the network is ${join(out, `${name}.f32.bin`)}\npaint with it: ${fastCommandFor(name, out, env.IMPASTO_TRAINED_NETWORKS_DIR)}\n`);
}

/**
 * The `impasto fast` that paints with the network just saved: by its name (a pretrained network's
 * name stays the pretrained one's, so then `trained:<name>`), and where `--out` is not the folder
 * `impasto fast` reads, with that folder.
 */
function fastCommandFor(name: string, out: string, configuredDir: string | undefined): string {
  const network = namesNetwork(name, FAST_NETWORKS) ? trainedNetworkOption(name) : name;
  const elsewhere = resolve(out) !== resolve(trainedNetworksDirOf(configuredDir));
  return `${elsewhere ? `IMPASTO_TRAINED_NETWORKS_DIR=${quoteForShell(resolve(out))} ` : ''}impasto fast <photo> --network ${network}`;
}

/** A path as a POSIX shell reads it back: bare when it is plain, else in single quotes. */
function quoteForShell(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}
