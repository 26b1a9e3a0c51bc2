import { randomInt } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { RgbImage } from '../../engine/image.ts';
import { checkPaintableAt } from '../../engine/proportions.ts';
import { checkMaskShape } from '../../engine/mask.ts';
import { DEFAULT_STRENGTH, resultSizeFor, STYLIZE_OPTIONS, type StylizeOptionsInput } from '../../engine/options.ts';
import { BotError } from '../errors.ts';
import { storeClip, storeImage } from '../files.ts';
import { decodeClipIfAny, type Clip } from '../../engine/clip/decode.ts';
import { queuedText } from '../job-messages.ts';
import type { JobOptions, NewJob, StyleShare } from '../jobs/store.ts';
import type { CommandLimits } from '../limits.ts';
import type { BotServices } from '../services.ts';
import type { ArgsOf, CommandContext, CommandDefinition, Platform } from './types.ts';
import { defineCommand } from './define.ts';
import { chatOptionsOf, engineOptionsFrom } from './engine-options.ts';
import { decodeImageOption, decodeStyleOption, inspectImageOption } from './images.ts';
import { chooseMethod, STYLIZE_MODES } from './stylize-mode.ts';
import { checkRegionRequest, needsSegmentation, REGION_OPTIONS } from '../../engine/segmentation/targets.ts';
import type { CommunitySettings } from '../settings.ts';
import { communityNoun, counted } from '../format.ts';
import { SAVED_STYLE_NAME } from '../styles/saved.ts';
import { sharesOf } from '../../engine/blend.ts';
import { readDecimal } from '../../engine/option-spec.ts';

export function createStylizeCommand(services: BotServices) {
  const { limits } = services;
  const definition = stylizeDefinition(limits);
  return defineCommand(
    definition,
    async (context, given) => {
      // The member's saved style, named or standing in for a style not given: as if its image were uploaded again.
      const saved = usesSavedStyle(given) ? await services.savedStyles.imageOf(context.requester) : undefined;
      const args = saved ? { ...given, style: saved, style_name: undefined } : given;
      const { blend, backgroundBlend, method, network, backgroundNetwork } = planStylize(services, definition, context, args);
      const { community } = context.requester;
      const written: string[] = [];
      const store = async (image: RgbImage, prefix: string) => {
        const path = await storeImage(services.dirs.uploads, image, prefix);
        written.push(path);
        return path;
      };
      const styleLabel = saved ? `saved style ${saved.name}` : !blend ? 'uploaded image' : blend.length === 1 ? blend[0]!.style.name : blend.map(({ style, weight }) => `${style.name} ${Math.round(weight * 100)}%`).join(' + ');
      const styles: StyleShare[] | undefined = blend && blend.length > 1 ? blend.map(({ style, weight }) => ({ path: style.path, weight })) : undefined;
      const background: StyleShare[] | undefined = backgroundBlend?.map(({ style, weight }) => ({ path: style.path, weight }));
      const label = backgroundBlend ? `${styleLabel} on the person, ${backgroundBlend.map(({ style, weight }) => (backgroundBlend.length === 1 ? style.name : `${style.name} ${Math.round(weight * 100)}%`)).join(' + ')} behind` : styleLabel;
      const where = { ...(args.target && args.target !== 'everything' ? { target: args.target } : {}), ...(backgroundNetwork ? { backgroundNetwork } : {}) };
      try {
        const entry = await services.queue.submit(context.requester, async (): Promise<NewJob> => {
          const clip = await clipOf(args, limits);
          const photo = clip ? clip.frames[0]! : await inspectImageOption(args.content, limits.decode, 'content image', 'content');
          const size = resultSizeFor(photo, args.size, clip ? Math.min(limits.defaultClipSize, services.settings.defaultSize(community)) : services.settings.defaultSize(community));
          checkPaintableAt(photo, size, clip ? 'clip' : 'content image', 'content');
          const style = args.style ? await decodeStyleOption(args.style, limits.decode) : undefined;
          if (args.mask) checkMaskShape(await inspectImageOption(args.mask, limits.decode, 'mask', 'mask'), photo);
          // The photo and its mask are decoded at the size the job paints: a 12-megapixel phone
          // photo is decoded, stored and read back by the engine at 1024 px, not 2048.
          const content = clip ? clip.frames[0]! : await decodeImageOption(args.content, limits.decode, 'content image', 'content', size);
          const mask = args.mask ? await decodeImageOption(args.mask, limits.decode, 'mask', 'mask', size) : undefined;
          // Every check has passed: only now is anything written.
          const stylePath = style ? await store(style, 'style') : blend![0]!.style.path;
          const maskPath = mask ? await store(mask, 'mask') : undefined;
          const contentPath = clip ? await storeClip(services.dirs.uploads, args.content.bytes, clip.kind) : await store(content, 'content');
          if (clip) written.push(contentPath);
          const options = { ...(method === 'fast' ? fastOptionsOf(args, network!, size) : { ...stylizeOptionsOf(args, services.settings.defaultIterations(community)), ...(network ? { network } : {}), size }), ...where, ...(clip ? { clipFrames: clip.frames.length } : {}) };
          return { requester: context.requester, origin: context.origin, photoOwner: context.photoOwner, method, options, contentPath, stylePath, styleLabel: label, styles, maskPath, background };
        });
        // The same words as the job's `queued` event.
        return { text: queuedText(entry.job, entry), jobId: entry.job.id };
      } catch (error) {
        await Promise.all(written.map((path) => rm(path, { force: true })));
        throw error;
      }
    },
    // All that costs nothing to know, so that a chat refuses it before fetching the picture.
    (context, given) => {
      if (usesSavedStyle(given)) {
        if (isStyleless(given) && !services.savedStyles.find(context.requester)) throw new BotError('missing_option', noStyleText(context.requester.platform), 'style');
        services.savedStyles.require(context.requester);
      }
      // A saved style is painted as an upload is: its picture is not needed to plan.
      planStylize(services, definition, context, usesSavedStyle(given) ? { ...given, style_name: undefined } : given);
      services.queue.checkAdmission(context.requester);
    },
  );
}

/**
 * The styles named (resolved in the member's library), the method, and the checks of names, mode,
 * regions and the server's settings: refused here (a `BotError`) before the queue is asked.
 */
function planStylize(services: BotServices, definition: StylizeDefinition, context: CommandContext, args: StylizeArgs) {
  const library = services.library.in(context.requester.community);
  const blend = args.style_name ? parseBlend(args.style_name).map(({ name, weight }) => ({ style: library.resolve(name), weight })) : undefined;
  const backgroundBlend = args.background_style ? parseBlend(args.background_style, 'background_style').map(({ name, weight }) => ({ style: library.resolve(name, 'background_style'), weight })) : undefined;
  const region = { mask: args.mask !== undefined, target: args.target, split: backgroundBlend !== undefined };
  checkRegionRequest(region);
  if (needsSegmentation(region) && !services.canSegment()) {
    throw new BotError('invalid_option', 'This bot has no person-segmentation model installed, so it cannot find the person in a photo (its operator can run `impasto weights download`). Leave target and background_style empty.', region.split ? 'background_style' : 'target');
  }
  const { method, network, backgroundNetwork } = chooseMethod({
    asked: args.mode,
    style: blend?.length === 1 ? blend[0]!.style : undefined,
    background: backgroundBlend ? { style: backgroundBlend.length === 1 ? backgroundBlend[0]!.style : undefined } : undefined,
    args,
    options: definition.options,
  });
  checkWithinSettings(services.settings.get(context.requester.community), args, context.requester.platform);
  return { blend, backgroundBlend, method, network, backgroundNetwork };
}

/** The member's saved style is used: named (my-style), or standing in for a style not given. */
function usesSavedStyle(args: Pick<StylizeArgs, 'style' | 'style_name'>): boolean {
  return args.style_name?.trim() === SAVED_STYLE_NAME || isStyleless(args);
}

/** Neither a style image nor a style name: the member's saved style, if there is one. */
function isStyleless(args: Pick<StylizeArgs, 'style' | 'style_name'>): boolean {
  return args.style === undefined && args.style_name === undefined;
}

/** The refusal for no style at all; saving one ("Use as style", a message menu) is for the chats. */
function noStyleText(platform: Platform): string {
  const which = 'Which style? Upload a style image, or name a library style with style_name (see /styles).';
  return platform === 'web' ? which : `${which} A painting you save with Use as style (on its message) is then used whenever you name none.`;
}

/** The engine options a chat user may set, in the order forms show them. */
const CHAT_ENGINE_OPTIONS = ['size', 'iterations', 'strength', 'contentWeight', 'styleWeight', 'tvWeight', 'optimizer', 'init', 'seed', 'preserveColors', 'styleScale', 'multiScale'] as const;

/** The /stylize command as data; the chat commands, the web form and the Slack modal derive from it. */
function stylizeDefinition(limits: CommandLimits) {
  return {
    name: 'stylize',
    description: 'Paint a photo in the style of a painting',
    // Neither given, the member's saved style stands in (see isStyleless); without one, the check refuses.
    oneOf: { options: ['style', 'style_name'], both: 'Give either a style image or a style_name, not both.' },
    options: {
      content: { type: 'image', description: 'the photo to paint (or an animated GIF / WebP / AVIF, or a short video)', required: true, clips: true },
      style: { type: 'image', description: 'a style image (or name a library style with style_name; neither: your saved style)' },
      style_name: { type: 'text', description: 'a library style, or a blend: starry-night:0.7, the-scream:0.3', maxLength: 150, autocomplete: 'style' },
      mode: { type: 'choice', choices: STYLIZE_MODES, description: 'fast: seconds (styles marked fast) · optimise: any painting, a minute · best: optimise from the fast picture', unset: 'fast where the style is marked fast, else optimise' },
      ...chatOptionsOf(STYLIZE_OPTIONS, CHAT_ENGINE_OPTIONS, {
        // No default here: it depends on the photo (see resultSizeFor).
        size: { max: limits.maxSize, help: `long side of the result in pixels (default ${limits.defaultSize}, or the photo's own size if smaller)` },
        // No default in chat: given, it asks for the optimisation (stylize-mode.ts); the bot's default is applied after.
        iterations: { max: limits.maxIterations, unset: String(limits.defaultIterations) },
        // Unset, so that each method applies its own: 5 for an optimisation, 10 (the network alone) for fast.
        strength: { unset: `${DEFAULT_STRENGTH}, or 10 with mode fast` },
        // A random seed unless one is given, recorded so that a result can be reproduced.
        seed: { unset: 'random' },
      }),
      ...chatOptionsOf(REGION_OPTIONS, ['target']),
      background_style: { type: 'text', description: 'paint the background in another library style (the person gets the main style)', maxLength: 150, autocomplete: 'style' },
      mask: { type: 'image', description: "where to stylize: white yes, black no (the photo's shape)" },
    },
  } as const satisfies CommandDefinition;
}

type StylizeDefinition = ReturnType<typeof stylizeDefinition>;
type StylizeArgs = ArgsOf<StylizeDefinition>;

/**
 * The upload as a clip (an animated GIF / WebP / AVIF or a video), checked against the clip limits before
 * anything is stored; undefined for a still picture. A clip is painted by a network frame by frame,
 * or by optimisation with temporal consistency (targets and background styles found frame by frame),
 * its first frame started from the network's picture in mode best.
 */
function clipOf(args: StylizeArgs, limits: CommandLimits): Promise<Clip | undefined> {
  return decodeClipIfAny(args.content.bytes, limits.clip);
}

/** A fast job reads only these: the network, size, strength (10 unless given) and colours. */
function fastOptionsOf(args: StylizeArgs, network: string, size: number): JobOptions {
  return { network, size, ...(args.strength !== undefined ? { strength: args.strength } : {}), preserveColors: args.preserve_colors };
}

/** A community's moderators may allow less than the deployment does (/settings). */
function checkWithinSettings(settings: CommunitySettings, args: StylizeArgs, platform: Platform): void {
  const community = communityNoun(platform);
  if (args.size !== undefined && args.size > settings.maxSize) throw new BotError('invalid_option', `This ${community} allows sizes up to ${settings.maxSize} px (its moderators chose it).`, 'size');
  if (args.iterations !== undefined && args.iterations > settings.maxIterations) {
    throw new BotError('invalid_option', `This ${community} allows up to ${counted(settings.maxIterations, 'iteration')} (its moderators chose it).`, 'iterations');
  }
}

function stylizeOptionsOf(args: StylizeArgs, defaultIterations: number): StylizeOptionsInput {
  // Raw weights only when given: any of them switches the engine from `strength` to raw weights.
  // Iterations, strength and seed are recorded even when not given, so that a result can be reproduced.
  return {
    ...(engineOptionsFrom(CHAT_ENGINE_OPTIONS, args) as StylizeOptionsInput),
    iterations: args.iterations ?? defaultIterations,
    strength: args.strength ?? DEFAULT_STRENGTH,
    seed: args.seed ?? randomInt(0, 2 ** 31 - 1),
  };
}

const MAX_BLEND = 4;

/**
 * `starry-night` or `starry-night:0.7, the-scream:0.3` → names with weights normalised to sum to 1.
 * A name without a weight counts 1.
 */
export function parseBlend(text: string, field = 'style_name'): { name: string; weight: number }[] {
  const parts = text.split(',').map((part) => part.trim()).filter(Boolean);
  // Only commas (",,,") left a blend of no style, which failed later as a bug would.
  if (parts.length === 0) throw new BotError('invalid_option', `"${text}" names no style: write a style's name, or a blend as starry-night:0.7, the-scream:0.3.`, field);
  if (parts.length > MAX_BLEND) throw new BotError('invalid_option', `A blend has at most ${MAX_BLEND} styles.`, field);
  const entries = parts.map((part) => {
    const [name = '', weightText, ...rest] = part.split(':').map((piece) => piece.trim());
    const weight = weightText === undefined ? 1 : readDecimal(weightText);
    // `starry-night:0.7:3` took 0.7 and dropped the rest.
    if (!name || !Number.isFinite(weight) || weight <= 0 || rest.length > 0) {
      throw new BotError('invalid_option', `"${part}" is not a style with a weight: write a blend as starry-night:0.7, the-scream:0.3 (weights above 0).`, field);
    }
    return { name, weight };
  });
  // Style names are looked up whatever their case: Starry-Night is starry-night.
  if (new Set(entries.map((entry) => entry.name.toLowerCase())).size !== entries.length) throw new BotError('invalid_option', 'A blend names each style once.', field);
  const shares = sharesOf(entries.map((entry) => entry.weight));
  return entries.map((entry, index) => ({ name: entry.name, weight: shares[index]! }));
}
