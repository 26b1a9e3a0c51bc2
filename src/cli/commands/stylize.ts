import type { Command } from 'commander';
import { READABLE_FORMATS } from '../../engine/image.ts';
import { OPTIMISE_OPTIONS } from '../../engine/methods/options.ts';
import { flagsOf, toBlendWeights } from '../engine-flags.ts';
import { nonEmpty, nonEmptyEach } from '../values.ts';
import { CLIP_FORMATS, CLIP_OUTPUT_HELP } from './painting.ts';

/** `impasto stylize`: the optimisation (Gatys et al.) of a photo or a clip, from files. */
export function define(command: Command): void {
  command
    .argument('<content>', `content image (${READABLE_FORMATS}), or a clip (${CLIP_FORMATS})`, nonEmpty('a file'))
    .argument('<styles...>', 'style image, or a library style by name (starry-night); several to blend (see --style-weights)', nonEmptyEach("a file or a library style's name"))
    .option('-o, --output <file>', `where to write the stylized picture (default stylized.png); ${CLIP_OUTPUT_HELP}`, nonEmpty('a file name'))
    .option('--gif <file>', 'also write an animated GIF of the optimisation (of a clip: the painted clip)', nonEmpty('a file name'))
    .option('--style-weights <list>', 'blend weights for several styles, e.g. 0.7,0.3 (default: equal)', toBlendWeights)
    .option('--mask <file>', 'white = stylize, black = keep the content (the content image\'s shape)', nonEmpty('a file'))
    .option('--background-style <files...>', 'paint the background in this style (or a blend, with --background-weights) and the person in <styles>', nonEmptyEach("a file or a library style's name"))
    .option('--background-weights <list>', 'blend weights for several background styles (default: equal)', toBlendWeights);
  // Every option of the optimisation, with its range and default, from the method's own table.
  for (const option of flagsOf(OPTIMISE_OPTIONS)) command.addOption(option);
  // Loaded when it runs: the engine takes most of a second to import, which the help need not wait for.
  command.action(async (content: string, styles: string[], flags: Record<string, unknown>) => (await import('../stylize.ts')).paintWithStyles(content, styles, flags));
}
