import { counted } from '../bot/format.ts';
import { libraryLookupEnvironmentSchema, parseEnvironment } from '../bot/config.ts';
import { likelyBackend } from '../bot/limits.ts';
import { InputError } from '../engine/errors.ts';
import { decodeImage } from '../engine/image.ts';
import { OPTIMISE_OPTIONS } from '../engine/methods/options.ts';
import { checkMaskShape } from '../engine/mask.ts';
import { defaultsFor } from '../engine/options.ts';
import { checkPaintableAt } from '../engine/proportions.ts';
import { lazySegmenter } from '../engine/segmentation/lazy.ts';
import { checkRegionRequest, needsSegmentation, type Target } from '../engine/segmentation/targets.ts';
import { checkSegmentationModel, SEGMENTATION_CACHE_DIR } from '../engine/segmentation/weights.ts';
import { paintClip, readClip } from './clips.ts';
import { checkFlags, engineOptionsOfFlags } from './engine-flags.ts';
import { CONTENT_FILE_MAX_BYTES, decodePhoto, inspectPhoto, readNamedFile, readPainting } from './files.ts';
import { assertOutputs, outputOf, writeResult } from './outputs.ts';
import { createStylizeProgressBar, withDownloadBar } from './progress-bar.ts';
import { PAINTING_ENVIRONMENT } from './environment.ts';

/** `impasto stylize`'s work (`commands/stylize.ts` defines it): everything checked before the engine starts, then one painting or a clip. */
export async function paintWithStyles(contentPath: string, stylePaths: string[], flags: Record<string, unknown>): Promise<void> {
  const env = parseEnvironment(PAINTING_ENVIRONMENT.merge(libraryLookupEnvironmentSchema), process.env);
  const contentBytes = await readNamedFile(contentPath, 'content image', { maxBytes: CONTENT_FILE_MAX_BYTES });
  const clip = await readClip(contentBytes, env);
  // Everything the command names is read and checked before the engine starts (which may first
  // download its weights): a photo is an image, a clip goes to a GIF or an MP4, a picture to a PNG,
  // JPEG, WebP or AVIF.
  const photo = clip ? undefined : await inspectPhoto(contentBytes);
  const output = outputOf(flags.output as string | undefined, clip);
  await assertOutputs(output, flags);
  const styleImages = await Promise.all(stylePaths.map((path) => readPainting(path, 'style image', env)));
  const weights = (flags.styleWeights as number[] | undefined) ?? styleImages.map(() => 1);
  if (weights.length !== styleImages.length) throw new InputError('invalid_option', `--style-weights has ${counted(weights.length, 'weight')} for ${counted(styleImages.length, 'style image')}.`, 'styleWeights');
  const mask = typeof flags.mask === 'string' ? await decodeImage(await readNamedFile(flags.mask, 'mask'), undefined, 'mask') : undefined;
  const backgroundPaths = (flags.backgroundStyle as string[] | undefined) ?? [];
  const backgroundImages = await Promise.all(backgroundPaths.map((path) => readPainting(path, 'background style', env)));
  const backgroundWeights = (flags.backgroundWeights as number[] | undefined) ?? backgroundImages.map(() => 1);
  if (backgroundWeights.length !== backgroundImages.length) throw new InputError('invalid_option', `--background-weights has ${counted(backgroundWeights.length, 'weight')} for ${counted(backgroundImages.length, 'background style')}.`, 'backgroundWeights');
  const options = engineOptionsOfFlags(OPTIMISE_OPTIONS, flags);
  checkFlags(OPTIMISE_OPTIONS, options);
  // A size asked for is checked against the photo now, before the slower checks below.
  if (photo && options.size !== undefined) checkPaintableAt(photo, options.size as number, 'content image', 'content');
  const region = { mask: mask !== undefined, target: options.target as Target | undefined, split: backgroundImages.length > 0 };
  checkRegionRequest(region);
  const segmentationDir = env.IMPASTO_SEGMENTATION_WEIGHTS_DIR ?? SEGMENTATION_CACHE_DIR;
  if (needsSegmentation(region)) checkSegmentationModel(segmentationDir);
  // Against the photo as it is: the engine, after shrinking it, said "the photo is 96×72".
  if (mask) checkMaskShape(mask, photo ?? clip!.frames[0]!);
  // Decoded now, so that a damaged photo is refused before the engine starts: at the default size of
  // the backend the engine will most likely pick (as the bot decodes an upload), again below in the
  // rare case that it picks one whose default differs.
  const likelyDefaultSize = defaultsFor(likelyBackend(env.IMPASTO_BACKEND)).size;
  const decoded = photo ? await decodePhoto(contentBytes, options.size as number | undefined, likelyDefaultSize, photo) : undefined;
  // The engine's code only now: TensorFlow.js and onnxruntime take most of a second to import, which
  // a refusal above need not wait for.
  const [{ createEngine }, { optimiseMethod }] = await Promise.all([import('../engine/engine.ts'), import('../engine/methods/optimise.ts')]);
  const engine = await createEngine({
    backend: env.IMPASTO_BACKEND,
    objectiveEngine: env.IMPASTO_ENGINE,
    weightsDir: env.IMPASTO_WEIGHTS_DIR,
    download: { baseUrl: env.IMPASTO_WEIGHTS_URL, ...withDownloadBar() },
  });
  process.stderr.write(`backend: ${engine.backend} (${engine.backendReasons.join('; ')})\nlayers available: ${engine.availableLayers.join(', ')}\n`);
  const context = { engine: async () => engine, segmenter: lazySegmenter(segmentationDir) };
  const styles = styleImages.map((image, index) => ({ image, weight: weights[index]! }));
  const background = backgroundImages.length > 0 ? backgroundImages.map((image, index) => ({ image, weight: backgroundWeights[index]! })) : undefined;
  if (clip) {
    await paintClip(context, { clip, styles, mask, background, method: 'optimise', options, output, gif: flags.gif as string | undefined, source: contentBytes }, env);
    engine.dispose();
    return;
  }
  const defaultSize = defaultsFor(engine.backend).size;
  const { content, size } = decoded && defaultSize === likelyDefaultSize ? decoded : await decodePhoto(contentBytes, options.size as number | undefined, defaultSize, photo);
  const sized = { ...options, size };
  const bar = createStylizeProgressBar();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const result = await optimiseMethod.run(context, { inputs: { content, styles, mask, background }, options: sized, onProgress: (progress) => bar.update(progress), signal: controller.signal }).finally(() => bar.stop());
  await writeResult(output, flags, result, counted(result.iterations, 'iteration'));
  engine.dispose();
}
