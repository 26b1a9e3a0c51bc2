import type { Command } from 'commander';
import { READABLE_FORMATS } from '../../engine/image.ts';
import { FAST_OPTIONS } from '../../engine/methods/options.ts';
import { flagsOf } from '../engine-flags.ts';
import { nonEmpty } from '../values.ts';
import { CLIP_FORMATS, CLIP_OUTPUT_HELP } from './painting.ts';

/** `impasto fast`: one pass of a network trained for one painting, over a photo or a clip, from files. */
export function define(command: Command): void {
  command
    .argument('<content>', `content image (${READABLE_FORMATS}), or a clip (${CLIP_FORMATS})`, nonEmpty('a file'))
    .option('-o, --output <file>', `where to write the stylized picture (default stylized.png); ${CLIP_OUTPUT_HELP}`, nonEmpty('a file name'))
    .option('--gif <file>', 'also write the before/after GIF (of a clip: the painted clip)', nonEmpty('a file name'));
  // The fast method's options, with their ranges and defaults, from its own table.
  for (const option of flagsOf(FAST_OPTIONS)) command.addOption(option);
  // What the table cannot say: the names the command looks up (withNetworksByName, in ../fast.ts).
  command.addHelpText('after', '\n--network and --background-network also take a network you trained, by its name (starry-night),\nand a painting named as the bot takes it (the-scream), for the network the bot paints it with.');
  // Loaded when it runs: the engine takes most of a second to import, which the help need not wait for.
  command.action(async (content: string, flags: Record<string, unknown>) => (await import('../fast.ts')).paintWithNetwork(content, flags));
}
