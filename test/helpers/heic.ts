import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inTempDir } from './video.ts';

const execFileAsync = promisify(execFile);

/**
 * A HEIC (HEVC inside a HEIF file, as an iPhone saves a photo) of a JPEG, made by Debian's libheif
 * (`heif-enc` from libheif-examples, with x265; `.ci/run` installs it).
 */
export function heicOf(jpeg: Uint8Array, quality = 90): Promise<Buffer> {
  return inTempDir(async (dir) => {
    const [input, output] = [join(dir, 'photo.jpg'), join(dir, 'photo.heic')];
    await writeFile(input, jpeg);
    await execFileAsync('heif-enc', ['-q', String(quality), input, '-o', output]);
    return readFile(output);
  });
}
