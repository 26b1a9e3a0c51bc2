import { Option, type Command } from 'commander';
import { loadEngineEnvironment } from '../../bot/config.ts';
import { downloadFastNetworks } from '../../engine/fast/download.ts';
import { downloadSegmentationModel, hasSegmentationModel, SEGMENTATION_CACHE_DIR } from '../../engine/segmentation/weights.ts';
import { downloadWeights } from '../../engine/weights.ts';
import { createDownloadProgressBar } from '../progress-bar.ts';

/** `impasto weights download`: every model the engine uses, into weights/cache/. */
export function define(command: Command): void {
  command
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
}
