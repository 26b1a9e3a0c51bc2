import { Option, type Command } from 'commander';
import { loadEngineEnvironment } from '../../bot/config.ts';
import { downloadFastNetworks } from '../../engine/fast/download.ts';
import { FAST_CACHE_DIR } from '../../engine/fast/manifest.ts';
import { downloadSegmentationModel, hasSegmentationModel, SEGMENTATION_CACHE_DIR } from '../../engine/segmentation/weights.ts';
import { createDownloadProgressBar } from '../progress-bar.ts';

/**
 * `impasto weights download`: every model the engine uses, each into the folder the engine reads it
 * from: the one its variable names (`IMPASTO_WEIGHTS_DIR`…), which is then used alone, else the cache.
 */
export function define(command: Command): void {
  command
    .command('download')
    .description('download the VGG-19 convolution weights, the fast networks and the person-segmentation model into the folders IMPASTO_WEIGHTS_DIR, IMPASTO_FAST_WEIGHTS_DIR and IMPASTO_SEGMENTATION_WEIGHTS_DIR name, else into weights/cache/ (needs internet)')
    .option('--url <base>', 'fetch VGG-19 from this base URL instead of the pinned upstream (IMPASTO_WEIGHTS_URL)')
    .option('--fast-url <base>', 'fetch the fast networks from this base URL instead of the pinned upstream (IMPASTO_FAST_WEIGHTS_URL)')
    .addOption(new Option('--only <which>', 'only one of them').choices(['vgg19', 'fast', 'segmentation']))
    .action(async (flags: { url?: string; fastUrl?: string; only?: string }) => {
      const env = loadEngineEnvironment();
      // The VGG-19 loader brings TensorFlow.js, which the help page need not wait for.
      const { DEFAULT_CACHE_DIR, downloadWeights } = await import('../../engine/weights.ts');
      const wanted = (which: string) => flags.only === undefined || flags.only === which;
      if (wanted('vgg19')) {
        const dir = env.IMPASTO_WEIGHTS_DIR ?? DEFAULT_CACHE_DIR;
        const bar = createDownloadProgressBar('VGG-19 weights');
        await downloadWeights({ baseUrl: flags.url ?? env.IMPASTO_WEIGHTS_URL, cacheDir: dir, onProgress: bar.update }).finally(() => bar.stop());
        process.stderr.write(`the VGG-19 weights are in ${dir}\n`);
      }
      if (wanted('fast')) {
        const dir = env.IMPASTO_FAST_WEIGHTS_DIR ?? FAST_CACHE_DIR;
        const bar = createDownloadProgressBar('fast networks');
        const fetched = await downloadFastNetworks({ baseUrl: flags.fastUrl ?? env.IMPASTO_FAST_WEIGHTS_URL, cacheDir: dir, onProgress: bar.update }).finally(() => bar.stop());
        process.stderr.write(`the fast networks are in ${dir}${fetched.length > 0 ? ` (fetched ${fetched.join(', ')})` : ' (all were there already)'}\n`);
      }
      if (wanted('segmentation')) {
        const dir = env.IMPASTO_SEGMENTATION_WEIGHTS_DIR ?? SEGMENTATION_CACHE_DIR;
        if (!hasSegmentationModel(dir)) await downloadSegmentationModel(dir);
        process.stderr.write(`the person-segmentation model is in ${dir}\n`);
      }
    });
}
