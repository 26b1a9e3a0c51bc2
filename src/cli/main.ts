import { guardProcess } from '../process-guard.ts';
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import type { Logger } from 'pino';
import { basename, extname, join, resolve } from 'node:path';
import { startApp } from '../app.ts';
import { registerDiscordCommands } from '../adapters/discord/register.ts';
import { createBot } from '../bot/bot.ts';
import { commandLimitsFor } from '../bot/limits.ts';
import { createLogger } from '../bot/logger.ts';
import { clipEnvironmentSchema, ConfigError, engineEnvironmentSchema, loadBotEnvironment, loadEngineEnvironment, parseEnvironment, redisSecretsOf, secretsOf, workerEnvironmentSchema } from '../bot/config.ts';
import { doctorEnvironmentSchema, examineMachine, formatReport } from './doctor.ts';
import { startWorker } from '../bot/jobs/redis/worker.ts';
import { isRedisAuthError, redisAuthText } from '../bot/jobs/redis/remote-protocol.ts';
import { formatClusterStatus, readClusterStatus } from '../bot/jobs/redis/status.ts';
import { JobStore } from '../bot/jobs/store.ts';
import { openDatabase } from '../bot/database.ts';
import { createDataDirs } from '../bot/files.ts';
import { importStyles } from '../bot/styles/import.ts';
import { createEngine } from '../engine/engine.ts';
import { CancelledError, InputError, WeightsError } from '../engine/errors.ts';
import { BotError, isOutOfSpace } from '../bot/errors.ts';
import { counted } from '../bot/format.ts';
import { encodeGif } from '../engine/gif.ts';
import { decodeImage, encodePng, READABLE_FORMATS, resizeToLongSide, type RgbImage } from '../engine/image.ts';
import { checkTrainedNetworkName, saveTrainedNetwork, trainedNetworksDirOf } from '../engine/fast/trained.ts';
import { openTrainingPhotos } from '../engine/train/photos.ts';
import { renderBeforeAfterSheet } from '../engine/train/sheet.ts';
import { cropToMultipleOf4, parseTrainOptions, TRAIN_OPTIONS, trainStyleNetwork } from '../engine/train/trainer.ts';
import { createTrainContext } from '../engine/train/choose.ts';
import { FAST_OPTIONS, fastMethod } from '../engine/methods/fast.ts';
import { OPTIMISE_OPTIONS, optimiseMethod } from '../engine/methods/optimise.ts';
import { chooseBackend } from '../engine/backend.ts';
import { lazySegmenter } from '../engine/segmentation/person.ts';
import { downloadSegmentationModel, hasSegmentationModel, SEGMENTATION_CACHE_DIR } from '../engine/segmentation/weights.ts';
import { checkRegionRequest, type Target } from '../engine/segmentation/targets.ts';
import { downloadWeights } from '../engine/weights.ts';
import { downloadFastNetworks } from '../engine/fast/download.ts';
import { checkFlags, engineOptionsOfFlags, flagNameOf, flagsOf, toBlendWeights } from './engine-flags.ts';
import { assertWritable, decodePhoto, makeOutputFolder, readNamedFile, writeOutput } from './files.ts';
import { defaultsFor } from '../engine/options.ts';
import { paintClip, readClip } from './clips.ts';
import { encodePictureFor, outputOf } from './outputs.ts';
import { formatStyleList, listStyles, removeSharedStyle, withLibrary } from './styles.ts';
import { createDownloadProgressBar, createStylizeProgressBar, formatDuration } from './progress-bar.ts';

/** What `<content>` takes besides a picture, and where a painted clip may go. */
const CLIP_FORMATS = 'an animated GIF, WebP or AVIF, or an MP4, WebM or MOV video: painted frame by frame';
const CLIP_OUTPUT_HELP = '.jpg, .webp or .avif write those; a clip goes to a .gif or .mp4 (default stylized.gif)';

/** The settings `stylize` and `fast` read: the engine's, and the clip limits the bot uses too. */
const CLI_ENVIRONMENT = engineEnvironmentSchema.merge(clipEnvironmentSchema);

// A mistyped option is one line, as the engine's refusals are, with the way to the rest (the whole
// help after it pushed the line off the screen), and exits 2 as they do; the subcommands inherit this.
const program = new Command('impasto')
  .description('Neural style transfer (Gatys et al.) on onnxruntime or TensorFlow.js')
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'impasto: ')) })
  .showHelpAfterError('(add --help for how to use it)')
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

const stylize = program
  .command('stylize')
  .description('paint the content image in the style of the style image')
  .argument('<content>', `content image (${READABLE_FORMATS}), or a clip (${CLIP_FORMATS})`)
  .argument('<styles...>', 'style image, or several to blend (see --style-weights)')
  .option('-o, --output <file>', `where to write the stylized picture (default stylized.png); ${CLIP_OUTPUT_HELP}`)
  .option('--gif <file>', 'also write an animated GIF of the optimisation (of a clip: the painted clip)')
  .option('--style-weights <list>', 'blend weights for several styles, e.g. 0.7,0.3 (default: equal)', toBlendWeights)
  .option('--mask <file>', 'white = stylize, black = keep the content (the content image\'s shape)')
  .option('--background-style <files...>', 'paint the background in this style (or a blend, with --background-weights) and the person in <styles>')
  .option('--background-weights <list>', 'blend weights for several background styles (default: equal)', toBlendWeights);
// Every option of the optimisation, with its range and default, from the method's own table.
for (const option of flagsOf(OPTIMISE_OPTIONS)) stylize.addOption(option);
stylize.action(async (contentPath: string, stylePaths: string[], flags: Record<string, unknown>) => {
  const env = parseEnvironment(CLI_ENVIRONMENT, process.env);
  const contentBytes = await readNamedFile(contentPath, 'content image');
  const clip = await readClip(contentBytes, env);
  // Everything the command names is read and checked before the engine starts (which may first
  // download its weights): a clip goes to a GIF or an MP4, a picture to a PNG, JPEG, WebP or AVIF.
  const output = outputOf(flags.output as string | undefined, clip);
  await assertOutputs(output, flags);
  const styleImages = await Promise.all(stylePaths.map(async (path) => decodeImage(await readNamedFile(path, 'style image'), undefined, `style image ${path}`)));
  const weights = (flags.styleWeights as number[] | undefined) ?? styleImages.map(() => 1);
  if (weights.length !== styleImages.length) throw new InputError('invalid_option', `--style-weights has ${counted(weights.length, 'weight')} for ${counted(styleImages.length, 'style image')}.`, 'styleWeights');
  const mask = typeof flags.mask === 'string' ? await decodeImage(await readNamedFile(flags.mask, 'mask'), undefined, 'mask') : undefined;
  const backgroundPaths = (flags.backgroundStyle as string[] | undefined) ?? [];
  const backgroundImages = await Promise.all(backgroundPaths.map(async (path) => decodeImage(await readNamedFile(path, 'background style'), undefined, `background style ${path}`)));
  const backgroundWeights = (flags.backgroundWeights as number[] | undefined) ?? backgroundImages.map(() => 1);
  if (backgroundWeights.length !== backgroundImages.length) throw new InputError('invalid_option', `--background-weights has ${counted(backgroundWeights.length, 'weight')} for ${counted(backgroundImages.length, 'background style')}.`, 'backgroundWeights');
  const options = engineOptionsOfFlags(OPTIMISE_OPTIONS, flags);
  checkFlags(OPTIMISE_OPTIONS, options);
  checkRegionRequest({ mask: mask !== undefined, target: options.target as Target | undefined, split: backgroundImages.length > 0 });
  const engine = await createEngine({
    backend: env.IMPASTO_BACKEND,
    objectiveEngine: env.IMPASTO_ENGINE,
    weightsDir: env.IMPASTO_WEIGHTS_DIR,
    download: { baseUrl: env.IMPASTO_WEIGHTS_URL, ...withDownloadBar() },
  });
  process.stderr.write(`backend: ${engine.backend} (${engine.backendReasons.join('; ')})\nlayers available: ${engine.availableLayers.join(', ')}\n`);
  const context = { engine: async () => engine, segmenter: lazySegmenter(env.IMPASTO_SEGMENTATION_WEIGHTS_DIR ?? SEGMENTATION_CACHE_DIR) };
  const styles = styleImages.map((image, index) => ({ image, weight: weights[index]! }));
  const background = backgroundImages.length > 0 ? backgroundImages.map((image, index) => ({ image, weight: backgroundWeights[index]! })) : undefined;
  if (clip) {
    await paintClip(context, { clip, styles, mask, background, method: 'optimise', options, output, gif: flags.gif as string | undefined, source: contentBytes }, env);
    engine.dispose();
    return;
  }
  const { content, size } = await decodePhoto(contentBytes, options.size as number | undefined, defaultsFor(engine.backend).size);
  const sized = { ...options, size };
  const bar = createStylizeProgressBar();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const result = await optimiseMethod.run(context, { inputs: { content, styles, mask, background }, options: sized, onProgress: (progress) => bar.update(progress), signal: controller.signal }).finally(() => bar.stop());
  await writeResult(output, flags, result, counted(result.iterations, 'iteration'));
  engine.dispose();
});

const fast = program
  .command('fast')
  .description('paint a photo with a feed-forward network trained for one painting (seconds; see IMPASTO_FAST_WEIGHTS_DIR)')
  .argument('<content>', `content image (${READABLE_FORMATS}), or a clip (${CLIP_FORMATS})`)
  .option('-o, --output <file>', `where to write the stylized picture (default stylized.png); ${CLIP_OUTPUT_HELP}`)
  .option('--gif <file>', 'also write the before/after GIF (of a clip: the painted clip)');
// The fast method's options, with their ranges and defaults, from its own table.
for (const option of flagsOf(FAST_OPTIONS)) fast.addOption(option);
fast.action(async (contentPath: string, flags: Record<string, unknown>) => {
  const env = parseEnvironment(CLI_ENVIRONMENT, process.env);
  const contentBytes = await readNamedFile(contentPath, 'content image');
  const clip = await readClip(contentBytes, env);
  const segmenter = lazySegmenter(env.IMPASTO_SEGMENTATION_WEIGHTS_DIR ?? SEGMENTATION_CACHE_DIR, () => chooseBackend(env.IMPASTO_BACKEND));
  const context = { engine: () => Promise.reject(new Error('the fast method needs no VGG engine')), fastWeightsDir: env.IMPASTO_FAST_WEIGHTS_DIR, trainedNetworksDir: env.IMPASTO_TRAINED_NETWORKS_DIR, segmenter };
  const options = engineOptionsOfFlags(FAST_OPTIONS, flags);
  checkFlags(FAST_OPTIONS, options);
  const output = outputOf(flags.output as string | undefined, clip);
  await assertOutputs(output, flags);
  if (clip) {
    await paintClip(context, { clip, styles: [], method: 'fast', options, output, gif: flags.gif as string | undefined, source: contentBytes }, env);
    return;
  }
  const { content, size } = await decodePhoto(contentBytes, options.size as number | undefined, FAST_OPTIONS.size.default);
  const sized = { ...options, size };
  const result = await fastMethod.run(context, { inputs: { content, styles: [] }, options: sized });
  await writeResult(output, flags, result, 'one pass');
});

const trainStyle = program
  .command('train-style')
  .description('train a fast network for a painting (Johnson et al.): afterwards `impasto fast --network trained:<name>` paints with it in seconds')
  .argument('<painting>', `the painting (${READABLE_FORMATS})`)
  .requiredOption('--photos <folder>', 'folder of JPEG/PNG photos to learn from (a few thousand, e.g. MS COCO; a handful works, less well)')
  .option('--name <name>', 'name of the network (lowercase letters, digits, - and _; default: the painting file\'s name)')
  .option('--out <folder>', 'where the network, its checkpoint and samples go (default: IMPASTO_TRAINED_NETWORKS_DIR, else weights/cache/trained)')
  .option('--sample <photo>', 'a photo kept out of training: painted every --sample-every steps into <out>/<name>-samples/, and beside the painting in <out>/<name>-sheet.png at the end');
// Training's options, with their ranges and defaults, from the trainer's own table.
for (const option of flagsOf(TRAIN_OPTIONS)) trainStyle.addOption(option);
trainStyle.action(async (paintingPath: string, flags: Record<string, unknown>) => {
  const env = loadEngineEnvironment();
  const options = parseTrainOptions(engineOptionsOfFlags(TRAIN_OPTIONS, flags), flagNameOf);
  const name = (flags.name as string | undefined) ?? basename(paintingPath, extname(paintingPath)).toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
  // Before its checkpoint and samples are written under it: "../x" wrote them outside the folder.
  checkTrainedNetworkName(name);
  const out = resolve(trainedNetworksDirOf((flags.out as string | undefined) ?? env.IMPASTO_TRAINED_NETWORKS_DIR));
  const painting = await decodeImage(await readNamedFile(paintingPath, 'painting'), undefined, 'painting');
  const samplePath = flags.sample as string | undefined;
  const samplePhoto = samplePath ? cropToMultipleOf4(await resizeToLongSide(await decodeImage(await readNamedFile(samplePath, 'sample photo'), undefined, 'sample photo'), options.size * 2)) : undefined;
  const photos = await openTrainingPhotos(resolve(flags.photos as string), samplePath ? [basename(samplePath)] : []);
  await makeOutputFolder(join(out, `${name}-samples`), '--out');
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
  process.stderr.write(`${result.resumedAt > 0 ? `resumed at step ${result.resumedAt}; ` : ''}${options.steps - result.resumedAt} steps in ${formatDuration(result.elapsedMs)}; the network is ${join(out, `${name}.f32.bin`)}\n`);
});

program
  .command('start')
  .description('run the bot: the web playground, and the chat adapters that are configured')
  .action(async () => {
    const app = await startApp();
    guardProcess(app.logger);
    stopOnSignal(app.logger, 'shutting down; running jobs resume at the next start', () => app.stop());
  });

program
  .command('worker')
  .description('run jobs from the Redis queue (REDIS_URL) on this machine: one engine per lane (IMPASTO_WORKER_LANES)')
  .action(async () => {
    const env = parseEnvironment(workerEnvironmentSchema, process.env);
    if (!env.REDIS_URL) throw new ConfigError('impasto worker takes its jobs from Redis: set REDIS_URL (e.g. redis://:password@queue-host:6379), the same as the bot\'s.');
    const logger = createLogger({ level: env.IMPASTO_LOG_LEVEL, format: env.IMPASTO_LOG_FORMAT, secrets: redisSecretsOf(env) });
    guardProcess(logger);
    const worker = await startWorker({ env: { ...env, REDIS_URL: env.REDIS_URL }, logger }).catch((error: unknown) => {
      // Redis refusing the password, or else almost always the weights (missing, or no internet to fetch them): one line.
      throw new ConfigError(isRedisAuthError(error) ? redisAuthText(error) : `the engine could not start: ${error instanceof Error ? error.message : String(error)}`);
    });
    // Ready to be stopped before it says it is ready (a supervisor may stop it as soon as it reads that).
    stopOnSignal(logger, 'worker shutting down; its job goes back to the queue', () => worker.stop());
    process.stderr.write(`impasto worker ${worker.name}: taking ${env.IMPASTO_WORKER_LANES.join(' and ')} jobs${worker.metrics ? `; metrics at ${worker.metrics.url}` : ''}\n`);
  });

program
  .command('doctor')
  .description('print what this machine can use, and why not: engine and backend, GPU adapter, weights, ffmpeg, Redis, and whether Discord and Slack take the tokens set')
  .option('--json', 'print JSON instead of lines')
  .action(async (flags: { json?: boolean }) => {
    const env = parseEnvironment(doctorEnvironmentSchema, process.env);
    const report = await examineMachine(env);
    process.stdout.write(`${flags.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  });

program
  .command('status')
  .description('print the queue and, with REDIS_URL set, the workers')
  .option('--json', 'print JSON instead of lines')
  .action(async (flags: { json?: boolean }) => {
    const env = loadBotEnvironment();
    if (env.REDIS_URL) {
      const status = await readClusterStatus(env.REDIS_URL, env.IMPASTO_REDIS_PREFIX);
      process.stdout.write(`${flags.json ? JSON.stringify(status, null, 2) : formatClusterStatus(status)}\n`);
      return;
    }
    // The embedded queue: what the bot's job store says (running first, then waiting in order).
    const db = openDatabase(createDataDirs(resolve(env.IMPASTO_DATA_DIR)).database);
    const store = new JobStore(db);
    const jobs = [...store.running(), ...store.queued()].map((job) => ({ jobId: job.id, method: job.method, state: job.status, by: job.requester.userName }));
    db.close();
    if (flags.json) process.stdout.write(`${JSON.stringify({ jobs }, null, 2)}\n`);
    else process.stdout.write(`${jobs.length === 0 ? 'no job is queued or running' : jobs.map((job) => `${job.state} ${job.jobId} (${job.method}) for ${job.by}`).join('\n')}\n`);
  });

const styles = program.command('styles').description('manage the style library');
styles
  .command('import')
  .description('add every image in a folder to the style library (named after the files)')
  .argument('<dir>', 'folder of images')
  .action(async (dir: string) => {
    const env = loadBotEnvironment();
    const report = await withLibrary(env, (library) => importStyles(library.shared(), dir, commandLimitsFor(env).decode));
    for (const name of report.added) process.stderr.write(`added ${name}\n`);
    for (const { file, reason } of report.skipped) process.stderr.write(`skipped ${file}: ${reason}\n`);
    process.stderr.write(`${report.added.length} added, ${report.skipped.length} skipped\n`);
  });
styles
  .command('list')
  .description('print the shared styles (shipped and imported), or what one community sees')
  .option('--community <id>', "a community's view, its own styles included: discord:<server id>, slack:<team id> or web")
  .option('--json', 'print JSON instead of lines')
  .action(async (flags: { community?: string; json?: boolean }) => {
    const listed = await withLibrary(loadBotEnvironment(), (library) => listStyles(library, flags.community));
    process.stdout.write(`${flags.json ? JSON.stringify(listed, null, 2) : formatStyleList(listed, flags.community)}\n`);
  });
styles
  .command('remove')
  .description("remove a shared style for every community (a community's own styles are its moderators' to remove, with /style remove)")
  .argument('<name>', 'the style')
  .action(async (name: string) => {
    const env = loadBotEnvironment();
    const { removed, warning } = await withLibrary(env, (library) => removeSharedStyle(library, name, env.IMPASTO_STYLES_DIR));
    process.stderr.write(`removed ${removed.name} (${removed.title}) for every community; jobs already queued with it still run\n${warning ? `${warning}\n` : ''}`);
  });

const discord = program.command('discord').description('set the bot up on Discord');
discord
  .command('register')
  .description('register the slash and context-menu commands (DISCORD_GUILD_ID: one server, else global)')
  .action(async () => {
    const env = loadBotEnvironment();
    const logger = createLogger({ level: 'silent', secrets: secretsOf(env) });
    const bot = createBot({ env, logger });
    const result = await registerDiscordCommands(env, bot.commands.map((command) => command.definition));
    await bot.stop();
    process.stderr.write(`registered ${result.count} commands for ${result.scope}\n`);
  });

program
  .command('weights')
  .description('manage the VGG-19 weights, the fast networks and the segmentation model')
  .command('download')
  .description('download the VGG-19 convolution weights, the fast networks and the person-segmentation model into weights/cache/ (needs internet)')
  .option('--url <base>', 'fetch VGG-19 from this base URL instead of the pinned upstream (IMPASTO_WEIGHTS_URL)')
  .option('--fast-url <base>', 'fetch the fast networks from this base URL instead of the pinned upstream (IMPASTO_FAST_WEIGHTS_URL)')
  .addOption(new Option('--only <which>', 'only one of them').choices(['vgg19', 'fast', 'segmentation']))
  .action(async (flags: { url?: string; fastUrl?: string; only?: string }) => {
    const env = loadEngineEnvironment();
    const wanted = (which: string) => flags.only === undefined || flags.only === which;
    if (wanted('vgg19')) {
      const bar = createDownloadProgressBar();
      await downloadWeights({ baseUrl: flags.url ?? env.IMPASTO_WEIGHTS_URL, onProgress: bar.update }).finally(() => bar.stop());
      process.stderr.write('VGG-19 weights are in weights/cache/vgg19\n');
    }
    if (wanted('fast')) {
      const bar = createDownloadProgressBar();
      const fetched = await downloadFastNetworks({ baseUrl: flags.fastUrl ?? env.IMPASTO_FAST_WEIGHTS_URL, onProgress: bar.update }).finally(() => bar.stop());
      process.stderr.write(`fast networks are in weights/cache/fast${fetched.length > 0 ? ` (fetched ${fetched.join(', ')})` : ' (all were there already)'}\n`);
    }
    if (wanted('segmentation')) {
      const dir = env.IMPASTO_SEGMENTATION_WEIGHTS_DIR ?? SEGMENTATION_CACHE_DIR;
      if (!hasSegmentationModel(dir)) await downloadSegmentationModel(dir);
      process.stderr.write(`the person-segmentation model is in ${dir}\n`);
    }
  });

/** How long a graceful stop may take before the process ends anyway (e.g. Redis gone, so BullMQ cannot close). */
const STOP_GRACE_MS = 30_000;

/** Ctrl-C or a service manager's SIGTERM: stop cleanly, then exit 0. */
function stopOnSignal(logger: Logger, message: string, stop: () => Promise<void>): void {
  const shutDown = (signal: string) => {
    logger.info({ signal }, message);
    // A second signal ends it at once; a stop that hangs, after the grace period.
    for (const again of ['SIGINT', 'SIGTERM'] as const) process.once(again, () => process.exit(1));
    setTimeout(() => {
      logger.warn({ graceMs: STOP_GRACE_MS }, 'could not stop cleanly in time; exiting anyway');
      process.exit(1);
    }, STOP_GRACE_MS).unref();
    void stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutDown('SIGINT'));
  process.once('SIGTERM', () => shutDown('SIGTERM'));
}

/** Refuses, before any work, a result or GIF that could not be written where the flags say. */
async function assertOutputs(output: string, flags: Record<string, unknown>): Promise<void> {
  await assertWritable(output, '--output');
  if (typeof flags.gif !== 'string') return;
  if (extname(flags.gif).toLowerCase() !== '.gif') throw new InputError('invalid_option', `--gif writes a GIF: name a .gif file, not ${flags.gif}.`, 'gif');
  await assertWritable(flags.gif, '--gif');
}

/** Writes the picture (and the GIF when asked for) and says so. */
async function writeResult(output: string, flags: Record<string, unknown>, result: { image: RgbImage; frames: readonly RgbImage[]; elapsedMs: number }, how: string): Promise<void> {
  await writeOutput(output, await encodePictureFor(output, result.image), '--output');
  process.stderr.write(`wrote ${output} (${result.image.width}×${result.image.height}, ${how}, ${formatDuration(result.elapsedMs)})\n`);
  if (typeof flags.gif === 'string') {
    await writeOutput(flags.gif, await encodeGif(result.frames), '--gif');
    process.stderr.write(`wrote ${flags.gif} (${counted(result.frames.length, 'frame')})\n`);
  }
}

function withDownloadBar() {
  const bar = createDownloadProgressBar();
  return {
    onProgress: (received: number, total: number) => {
      bar.update(received, total);
      if (received >= total) bar.stop();
    },
  };
}

try {
  await program.parseAsync();
} catch (error) {
  // Problems a user can fix get one clear line; anything else is a bug and keeps its stack.
  if (error instanceof InputError || error instanceof WeightsError || error instanceof ConfigError || error instanceof CancelledError || error instanceof BotError) {
    process.stderr.write(`impasto: ${error.message}\n`);
    // At once: what a failed start had opened (a Redis connection, an engine) must not keep the process up.
    process.exit(error instanceof CancelledError ? 130 : 2);
  } else if (isOutOfSpace(error)) {
    process.stderr.write(`impasto: the disk is full (${(error as Error).message}): make room, then run it again (\`npx impasto doctor\` says how much room the data directory has).\n`);
    process.exit(2);
  } else if ((error as { code?: string }).code === 'ENOENT') {
    process.stderr.write(`impasto: ${(error as Error).message}\n`);
    process.exit(2);
  } else {
    throw error;
  }
}
