import { libraryLookupEnvironmentSchema, parseEnvironment } from '../bot/config.ts';
import { chooseBackend } from '../engine/backend.ts';
import { InputError } from '../engine/errors.ts';
import { FAST_NETWORKS } from '../engine/fast/network.ts';
import { installedTrainedNetworks } from '../engine/fast/trained.ts';
import { FAST_OPTIONS } from '../engine/methods/options.ts';
import { namesNetwork, trainedNetworkName, trainedNetworkOption } from '../engine/option-spec.ts';
import { lazySegmenter } from '../engine/segmentation/lazy.ts';
import { needsSegmentation, type Target } from '../engine/segmentation/targets.ts';
import { checkSegmentationModel, SEGMENTATION_CACHE_DIR } from '../engine/segmentation/weights.ts';
import { paintClip, readClip } from './clips.ts';
import { checkFlags, engineOptionsOfFlags, flagNameOf } from './engine-flags.ts';
import { CONTENT_FILE_MAX_BYTES, decodePhoto, readNamedFile } from './files.ts';
import { assertOutputs, outputOf, writeResult } from './outputs.ts';
import { PAINTING_ENVIRONMENT } from './environment.ts';

/**
 * Networks by name, after the pretrained ones: `--network starry-night` (or "Starry Night") is
 * the network `impasto train-style` saved under that name (`trained:starry-night`, in the folder
 * this command reads them from); else a painting named as the bot takes it is painted by its
 * network, as the bot paints that style fast: a shipped painting's (`the-scream`: `scream`), and
 * once a bot has run, one its library links, a network it trained included (read from the bot's
 * folder of networks, the returned `libraryNetworksDir`, beside this command's own). A painting
 * with none is refused saying how to paint it; anything else, with the names it may have meant; no
 * --network, or an empty one, naming the flag.
 */
async function withNetworksByName(options: Record<string, unknown>, configuredDir: string | undefined): Promise<{ options: Record<string, unknown>; libraryNetworksDir?: string }> {
  // The engine's refusal of none named neither the flag nor the names this command takes.
  for (const key of ['network', 'backgroundNetwork'] as const) {
    const missing = key === 'network' && options[key] === undefined;
    if (missing || (typeof options[key] === 'string' && options[key].trim() === '')) {
      throw new InputError('invalid_option', `${flagNameOf(key)} is ${missing ? 'missing' : 'empty'}. ${networkChoicesText(trainedNamesOf(installedTrainedNetworks(configuredDir)))}`, key);
    }
  }
  const named = (['network', 'backgroundNetwork'] as const).filter((key) => typeof options[key] === 'string' && !namesNetwork(options[key], FAST_NETWORKS));
  if (named.length === 0) return { options };
  const trainedHere = installedTrainedNetworks(configuredDir);
  const trainedAs = (name: string) => (trainedHere.has(trainedNetworkOption(name)) ? trainedNetworkOption(name) : undefined);
  // The library's code, and its settings, only for a name.
  const { paintingsWithNetworks } = await import('./styles.ts');
  const { namesMeantBy, styleWrittenAs } = await import('../bot/styles/library.ts');
  const { paintings, networksDir } = await paintingsWithNetworks({ ...parseEnvironment(libraryLookupEnvironmentSchema, process.env), IMPASTO_TRAINED_NETWORKS_DIR: configuredDir });
  const networkOf = (key: (typeof named)[number]) => {
    const written = options[key] as string;
    const painting = styleWrittenAs(paintings, written);
    const own = trainedAs(written) ?? (painting ? trainedAs(painting.name) : undefined);
    if (own) return own;
    if (!painting) {
      const trained = trainedNamesOf(trainedHere);
      const meant = namesMeantBy(paintings, written, [...FAST_NETWORKS, ...trained, ...paintings.map(({ name }) => name)]);
      throw new InputError('invalid_option', unknownNetworkText(flagNameOf(key), written, meant, trained), key);
    }
    if (!painting.network) {
      const optimised = key === 'network' ? `impasto stylize <photo> ${painting.name}` : `impasto stylize <photo> <painting> --background-style ${painting.name}`;
      throw new InputError(
        'invalid_option',
        `${flagNameOf(key)} ${written}: no network was trained on ${painting.name}. Paint it with \`${optimised}\`, or train one with \`impasto train-style ${painting.name} --photos <folder>\`, after which ${flagNameOf(key)} ${painting.name} paints with it.`,
        key,
      );
    }
    return painting.network;
  };
  const networks = named.map((key) => [key, networkOf(key)] as const);
  // A trained network not among this command's own came from the bot's library: read from the bot's folder.
  const fromBot = networks.some(([, network]) => trainedNetworkName(network) !== undefined && !trainedHere.has(network));
  return { options: { ...options, ...Object.fromEntries(networks) }, ...(fromBot ? { libraryNetworksDir: networksDir } : {}) };
}

/** The names of trained networks, as `impasto train-style` saved them (`trained:starry-night` → `starry-night`). */
function trainedNamesOf(networks: ReadonlySet<string>): string[] {
  return [...networks].map((network) => trainedNetworkName(network)!);
}

/**
 * The refusal of a name that is no network, none trained here and no painting: what it may have
 * meant (`namesMeantBy`: a painting by its painter too, as the bot's refusal of a style says), and
 * what the option takes (the option's own refusal knew of neither names nor paintings).
 */
function unknownNetworkText(flag: string, written: string, meant: readonly string[], trained: readonly string[]): string {
  return `${flag} ${written}: there is no network or painting by that name${meant.length > 0 ? ` (did you mean ${meant.join(' or ')}?)` : ''}. ${networkChoicesText(trained)}`;
}

/** What --network and --background-network take, with the networks trained here by name. */
function networkChoicesText(trained: readonly string[]): string {
  const yours = trained.length > 0 ? `a network you trained (${trained.slice(0, 10).join(', ')})` : 'a network you trained';
  return `Name ${FAST_NETWORKS.join(', ')}, ${yours}, or a painting of the library (impasto styles list).`;
}

/** `impasto fast`'s work (`commands/fast.ts` defines it): one pass over a photo, or over each frame of a clip. */
export async function paintWithNetwork(contentPath: string, flags: Record<string, unknown>): Promise<void> {
  const env = parseEnvironment(PAINTING_ENVIRONMENT, process.env);
  const contentBytes = await readNamedFile(contentPath, 'content image', { maxBytes: CONTENT_FILE_MAX_BYTES });
  const clip = await readClip(contentBytes, env);
  const segmentationDir = env.IMPASTO_SEGMENTATION_WEIGHTS_DIR ?? SEGMENTATION_CACHE_DIR;
  const segmenter = lazySegmenter(segmentationDir, () => chooseBackend(env.IMPASTO_BACKEND));
  const { options, libraryNetworksDir } = await withNetworksByName(engineOptionsOfFlags(FAST_OPTIONS, flags), env.IMPASTO_TRAINED_NETWORKS_DIR);
  const context = { engine: () => Promise.reject(new Error('the fast method needs no VGG engine')), fastWeightsDir: env.IMPASTO_FAST_WEIGHTS_DIR, trainedNetworksDir: env.IMPASTO_TRAINED_NETWORKS_DIR, libraryNetworksDir, segmenter };
  checkFlags(FAST_OPTIONS, options);
  if (needsSegmentation({ mask: false, target: options.target as Target | undefined, split: false })) checkSegmentationModel(segmentationDir);
  const output = outputOf(flags.output as string | undefined, clip);
  await assertOutputs(output, flags);
  if (clip) {
    await paintClip(context, { clip, styles: [], method: 'fast', options, output, gif: flags.gif as string | undefined, source: contentBytes }, env);
    return;
  }
  const { content, size } = await decodePhoto(contentBytes, options.size as number | undefined, FAST_OPTIONS.size.default);
  const sized = { ...options, size };
  // Loaded only now, as `stylize` loads the engine: the networks' code imports TensorFlow.js and onnxruntime.
  const { fastMethod } = await import('../engine/methods/fast.ts');
  const result = await fastMethod.run(context, { inputs: { content, styles: [] }, options: sized });
  await writeResult(output, flags, result, 'one pass');
}
