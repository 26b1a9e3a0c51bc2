import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { describeFileError, InputError } from '../../engine/errors.ts';
import { decodeImage, READABLE_EXTENSIONS, readImageFile, type DecodeLimits } from '../../engine/image.ts';
import { checkAspectRatio } from '../../engine/proportions.ts';
import { userMessageOf } from '../errors.ts';
import { styleNameFromFileName, type CommunityStyles } from './library.ts';

export interface ImportReport {
  readonly added: string[];
  readonly skipped: { file: string; reason: string }[];
}

/** Adds every image in `dir` to a library (the shared one, for the operator's imports), named after its file (`style_the_scream.jpg` → `the-scream`). */
export async function importStyles(library: CommunityStyles, dir: string, limits: DecodeLimits, addedBy = 'import'): Promise<ImportReport> {
  const report: ImportReport = { added: [], skipped: [] };
  const files = await readdir(dir).catch((error: unknown) => {
    throw new InputError('missing_file', `Cannot read the folder ${dir}: ${describeFileError(error)}.`);
  });
  for (const file of files.sort()) {
    if (!READABLE_EXTENSIONS.has(extname(file).toLowerCase())) continue;
    const name = styleNameFromFileName(file);
    if (!name) {
      report.skipped.push({ file, reason: 'its file name has no letter a style name may have (a–z, 0–9): rename it' });
      continue;
    }
    if (library.get(name)) {
      report.skipped.push({ file, reason: `"${name}" is already in the library` });
      continue;
    }
    try {
      // Only a file is read: a FIFO would hold the import at its opening, waiting for a writer.
      if (!(await stat(join(dir, file))).isFile()) {
        report.skipped.push({ file, reason: 'it is not a file (a folder, a device or a pipe)' });
        continue;
      }
      // Reported beside its name ("skipped broken.png: The file is not an image…"), so the message says "the file".
      const image = await decodeImage(await readImageFile(join(dir, file), limits.maxBytes, 'file'), limits, 'file');
      // As /style add refuses one: every job with a strip of a painting would fail.
      checkAspectRatio(image, 'file', 'style');
      await library.add(name, image, addedBy);
      report.added.push(name);
    } catch (error) {
      report.skipped.push({ file, reason: userMessageOf(error) ?? describeFileError(error) });
    }
  }
  return report;
}
