import type { Command } from 'commander';
import { READABLE_FORMATS } from '../../engine/image.ts';
import { TRAIN_OPTIONS } from '../../engine/train/options.ts';
import { flagsOf } from '../engine-flags.ts';
import { nonEmpty, pictureFolder } from '../values.ts';

/** `impasto train-style`: a fast network trained for a painting on a folder of photos, resumable. */
export function define(command: Command): void {
  command
    .argument('<painting>', `the painting (${READABLE_FORMATS}), or a library style by name (starry-night)`, nonEmpty("a file or a library style's name"))
    .requiredOption('--photos <folder>', 'folder of JPEG/PNG photos to learn from (a few thousand, e.g. MS COCO; a handful works, less well)', pictureFolder)
    .option('--name <name>', 'name of the network (lowercase letters, digits, - and _; default: the painting file\'s name)')
    .option('--out <folder>', 'where the network, its checkpoint and samples go (default: IMPASTO_TRAINED_NETWORKS_DIR, else weights/cache/trained)', nonEmpty('a folder'))
    .option('--sample <photo>', 'a photo kept out of training: painted every --sample-every steps into <out>/<name>-samples/, and beside the painting in <out>/<name>-sheet.png at the end', nonEmpty('a file'));
  // Training's options, with their ranges and defaults, from the trainer's own table.
  for (const option of flagsOf(TRAIN_OPTIONS)) command.addOption(option);
  // Loaded when it runs: the engine takes most of a second to import, which the help need not wait for.
  command.action(async (painting: string, flags: Record<string, unknown>) => (await import('../train-style.ts')).trainForPainting(painting, flags));
}
