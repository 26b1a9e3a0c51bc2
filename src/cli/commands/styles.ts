import type { Command } from 'commander';
import { loadBotEnvironment } from '../../bot/config.ts';
import { commandLimitsFor } from '../../bot/limits.ts';
import { InputError } from '../../engine/errors.ts';
import { importStyles } from '../../bot/styles/import.ts';
import { communityId, pictureFolder } from '../values.ts';

/** The library's code, loaded when a command runs: it reaches the engine's methods (and TensorFlow.js), which the help pages need not wait for. */
const libraryCode = () => import('../styles.ts');

/** `impasto styles import|list|remove`: the operator's side of the style library. */
export function define(command: Command): void {
  command
    .command('import')
    .description('add every image in a folder to the style library (named after the files)')
    .argument('<dir>', 'folder of images', pictureFolder)
    .action(async (dir: string) => {
      const env = loadBotEnvironment();
      const { withLibrary } = await libraryCode();
      const report = await withLibrary(env, (library) => importStyles(library.shared(), dir, commandLimitsFor(env).decode));
      for (const name of report.added) process.stderr.write(`added ${name}\n`);
      for (const { file, reason } of report.skipped) process.stderr.write(`skipped ${file}: ${reason}\n`);
      process.stderr.write(`${report.added.length} added, ${report.skipped.length} skipped\n`);
    });
  command
    .command('list')
    .description('print the shared styles (shipped and imported), or what one community sees')
    .option('--community <id>', "a community's view, its own styles included: discord:<server id>, slack:<team id> or web", communityId)
    .option('--json', 'print JSON instead of lines')
    .action(async (flags: { community?: string; json?: boolean }) => {
      const { formatStyleList, listStyles, uncustomisedNote, withLibrary } = await libraryCode();
      const { listed, note } = await withLibrary(loadBotEnvironment(), (library) => ({ listed: listStyles(library, flags.community), note: uncustomisedNote(library, flags.community) }));
      process.stdout.write(`${flags.json ? JSON.stringify(listed, null, 2) : formatStyleList(listed, flags.community)}\n`);
      if (note) process.stderr.write(`${note}\n`);
    });
  command
    .command('remove')
    .description("remove a shared style for every community (a community's own styles are its moderators' to remove, with /style remove)")
    .argument('<name>', 'the style')
    .action(async (name: string) => {
      // `''` was looked up, and every name "contains" it: "There is no style "". Did you mean …".
      if (name.trim() === '') throw new InputError('invalid_option', 'Name the style to remove: impasto styles list shows them.');
      const env = loadBotEnvironment();
      const { removeSharedStyle, withLibrary } = await libraryCode();
      const { removed, warning } = await withLibrary(env, (library) => removeSharedStyle(library, name, env.IMPASTO_STYLES_DIR));
      process.stderr.write(`removed ${removed.name} (${removed.title}) for every community; jobs already queued with it still run\n${warning ? `${warning}\n` : ''}`);
    });
}
