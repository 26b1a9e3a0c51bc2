import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImpasto } from '../helpers/app.ts';
import { sharedImagePath } from '../helpers/shared.ts';

// `impasto stylize photo.jpg starry-night`: a painting named as the bot takes it, where no file has
// that name. Before any bot has run, the names are the shipped paintings'; once one has, its shared
// library's (a style removed there is gone here too).
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'impasto-cli-names-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function impasto(args: readonly string[], env: Record<string, string> = {}) {
  return runImpasto(args, { cwd: dir, env: { IMPASTO_DATA_DIR: join(dir, 'data'), IMPASTO_DEFAULT_LIBRARY: 'true', ...env } });
}

const photo = sharedImagePath('content_dog.jpg');

describe('a painting named on the command line', () => {
  it('paints with a shipped painting named as the bot takes it, or by its title, before any bot has run, making no data folder', async () => {
    const run = await impasto(['stylize', photo, 'The Starry Night', '--size', '64', '--iterations', '1', '--no-multi-scale', '-o', 'starry.png']);
    expect(run.stderr).not.toMatch(/Cannot read/);
    expect(run.code).toBe(0);
    expect(await sharp(join(dir, 'starry.png')).metadata()).toMatchObject({ width: 64, height: 48 });
    expect((await readdir(dir)).sort()).toEqual(['starry.png']);
    await rm(join(dir, 'starry.png'));
  }, 120_000);

  it('refuses a name that is neither a file nor a style, before the engine starts, with the names it may have meant', async () => {
    expect(await impasto(['stylize', photo, 'starry-nigth'])).toEqual({
      code: 2,
      stderr: 'impasto: Cannot read the style image starry-nigth: there is no such file, nor a style of that name in the library. Did you mean "starry-night"?\n',
    });
    expect(await impasto(['stylize', photo, 'the-scream', '--background-style', 'wave'])).toEqual({
      code: 2,
      stderr: 'impasto: Cannot read the background style wave: there is no such file, nor a style of that name in the library. Did you mean "great-wave"?\n',
    });
    expect(await impasto(['train-style', 'monet', '--photos', dir], { IMPASTO_DEFAULT_LIBRARY: 'false' })).toEqual({
      code: 2,
      stderr: 'impasto: Cannot read the painting monet: there is no such file, nor a style of that name in the library. The library is empty.\n',
    });
    // Written as a file (a path, an image's extension), it is a file, and a missing one is said so.
    expect((await impasto(['stylize', photo, 'starry-night.jpg'])).stderr).toBe('impasto: Cannot read the style image starry-night.jpg: there is no such file or folder.\n');
    expect((await impasto(['stylize', photo, './starry-night'])).stderr).toBe('impasto: Cannot read the style image ./starry-night: there is no such file or folder.\n');
  });

  it('takes the names of the library of the bot whose data is in IMPASTO_DATA_DIR once there is one: a style removed there is not found', async () => {
    expect((await impasto(['styles', 'remove', 'starry-night'])).code).toBe(0);
    expect(await impasto(['stylize', photo, 'starry-night'])).toEqual({
      code: 2,
      stderr: 'impasto: Cannot read the style image starry-night: there is no such file, nor a style of that name in the library. Try one of: composition-vii, great-wave, shipwreck-minotaur, the-scream.\n',
    });
  });
});
