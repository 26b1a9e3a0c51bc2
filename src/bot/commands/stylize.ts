import { randomInt } from 'node:crypto';
import { INITS, OPTIMIZERS, type StylizeOptionsInput } from '../../engine/options.ts';
import { BotError } from '../errors.ts';
import { storeImage } from '../files.ts';
import { describePosition } from '../format.ts';
import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';
import { decodeImageOption } from './images.ts';

export function createStylizeCommand(services: BotServices) {
  const { limits } = services;
  return defineCommand(
    {
      name: 'stylize',
      description: 'Paint a photo in the style of a painting',
      options: {
        content: { type: 'image', description: 'the photo to paint', required: true },
        style: { type: 'image', description: 'a style image (or name a library style with style_name)' },
        style_name: { type: 'text', description: 'a style from the library (see /styles)', maxLength: 32, autocomplete: 'style' },
        size: { type: 'integer', description: 'long side of the result in pixels', min: 64, max: limits.maxSize, default: limits.defaultSize },
        iterations: { type: 'integer', description: 'optimisation steps (more is slower and more stylized)', min: 1, max: limits.maxIterations, default: limits.defaultIterations },
        content_weight: { type: 'number', description: 'how much the photo is kept', min: 0, max: 1e12, default: 1e5 },
        style_weight: { type: 'number', description: 'how strongly the style is applied', min: 0, max: 1e12, default: 3e4 },
        tv_weight: { type: 'number', description: 'smoothness (total variation)', min: 0, max: 1e9, default: 1 },
        optimizer: { type: 'choice', description: 'L-BFGS (sharper, default) or Adam', choices: OPTIMIZERS, default: 'lbfgs' },
        init: { type: 'choice', description: 'start from the photo, the style, or noise', choices: INITS, default: 'content' },
        seed: { type: 'integer', description: 'random seed (same seed, same result)', min: 0, max: 2 ** 31 - 1 },
      },
    },
    async (context, args) => {
      if (args.style && args.style_name) throw new BotError('invalid_option', 'Give either a style image or a style_name, not both.', 'style');
      const content = await decodeImageOption(args.content, limits.decode, 'content image', 'content');
      let stylePath: string;
      let styleLabel: string;
      if (args.style) {
        const style = await decodeImageOption(args.style, limits.decode, 'style image', 'style');
        stylePath = await storeImage(services.dirs.uploads, style, 'style');
        styleLabel = 'uploaded image';
      } else if (args.style_name) {
        const style = services.library.resolve(args.style_name);
        stylePath = style.path;
        styleLabel = style.name;
      } else {
        throw new BotError('missing_option', 'Which style? Upload a style image, or name one from the library with style_name (see /styles).', 'style');
      }
      const contentPath = await storeImage(services.dirs.uploads, content, 'content');
      const params: StylizeOptionsInput = {
        size: args.size,
        iterations: args.iterations,
        contentWeight: args.content_weight,
        styleWeight: args.style_weight,
        tvWeight: args.tv_weight,
        optimizer: args.optimizer,
        init: args.init,
        // A random seed unless one was given, recorded so that a result can be reproduced.
        seed: args.seed ?? randomInt(0, 2 ** 31 - 1),
      };
      const entry = await services.scheduler.submit({ requester: context.requester, origin: context.origin, params, contentPath, stylePath, styleLabel }, context.requester);
      return { text: `Queued job ${entry.job.id} (${styleLabel}). ${describePosition(entry.position, entry.etaMs)}`, jobId: entry.job.id };
    },
  );
}
