import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/bot/database.ts';
import { createDataDirs } from '../../src/bot/files.ts';
import { StyleLibrary } from '../../src/bot/styles/library.ts';
import { parameterLayoutOf, readFastManifest } from '../../src/engine/fast/manifest.ts';
import { saveTrainedNetwork } from '../../src/engine/fast/trained.ts';
import { initialParameters } from '../../src/engine/train/trainer.ts';
import { runImpasto, runImpastoPrinting } from '../helpers/app.ts';
import { SHARED_FAST_DIR, sharedImagePath } from '../helpers/shared.ts';

// `impasto stylize photo.jpg starry-night`: a painting named as the bot takes it, where no file has
// that name. Before any bot has run, the names are the shipped paintings'; once one has, its shared
// library's (a style removed there is gone here too).
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'impasto-cli-names-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function impasto(args: readonly string[], env: Record<string, string> = {}) {
  return runImpasto(args, { cwd: dir, env: { IMPASTO_DATA_DIR: join(dir, 'data'), IMPASTO_DEFAULT_LIBRARY: 'true', IMPASTO_FAST_WEIGHTS_DIR: SHARED_FAST_DIR, ...env } });
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
    // A value given to a switch is taken for one more painting: the refusal says what happened.
    expect((await impasto(['stylize', photo, 'starry-night', '--preserve-colors', 'yes'])).stderr).toBe(
      'impasto: Cannot read the style image yes: there is no such file, nor a style of that name in the library. A switch such as --preserve-colors takes no value: write it alone. Try one of: starry-night, the-scream, great-wave, composition-vii, shipwreck-minotaur.\n',
    );
    // Written as a file (a path, an image's extension), it is a file, and a missing one is said so.
    expect((await impasto(['stylize', photo, 'starry-night.jpg'])).stderr).toBe('impasto: Cannot read the style image starry-night.jpg: there is no such file or folder.\n');
    expect((await impasto(['stylize', photo, './starry-night'])).stderr).toBe('impasto: Cannot read the style image ./starry-night: there is no such file or folder.\n');
  });

  it('paints `fast --network the-scream` with the network trained on that painting, and says how to paint one that has none', async () => {
    const run = await impasto(['fast', photo, '--network', 'the-scream', '--size', '64', '-o', 'scream.png']);
    expect(run.stderr).not.toMatch(/must be one of/);
    expect(run.code).toBe(0);
    expect(await sharp(join(dir, 'scream.png')).metadata()).toMatchObject({ width: 64, height: 48 });
    await rm(join(dir, 'scream.png'));
    expect(await impasto(['fast', photo, '--network', 'Starry Night'])).toEqual({
      code: 2,
      stderr:
        'impasto: --network Starry Night: no network was trained on starry-night. Paint it with `impasto stylize <photo> starry-night`, or train one with `impasto train-style starry-night --photos <folder>`, after which --network starry-night paints with it.\n',
    });
    expect((await impasto(['fast', photo, '--network', 'the-scream', '--target', 'person', '--background-network', 'composition-vii'])).stderr).toBe(
      'impasto: --background-network composition-vii: no network was trained on composition-vii. Paint it with `impasto stylize <photo> <painting> --background-style composition-vii`, or train one with `impasto train-style composition-vii --photos <folder>`, after which --background-network composition-vii paints with it.\n',
    );
    // The help says so, under the option table's list of networks.
    const { stdout } = await runImpastoPrinting(['fast', '--help']);
    expect(stdout).toContain('--network and --background-network also take a network you trained, by its name (starry-night),\nand a painting named as the bot takes it (the-scream)');
    // Neither a network nor a painting: what it may have meant, a painting by its painter too, and what the option takes.
    const takes = 'Name scream, wave, wreck, udnie, a network you trained, or a painting of the library (impasto styles list).';
    expect((await impasto(['fast', photo, '--network', 'waves'])).stderr).toBe(`impasto: --network waves: there is no network or painting by that name (did you mean wave?). ${takes}\n`);
    expect((await impasto(['fast', photo, '--network', 'the-scream', '--target', 'person', '--background-network', 'van gogh'])).stderr).toBe(
      `impasto: --background-network van gogh: there is no network or painting by that name (did you mean starry-night?). ${takes}\n`,
    );
    expect((await impasto(['fast', photo, '--network', 'xyzzy'])).stderr).toBe(`impasto: --network xyzzy: there is no network or painting by that name. ${takes}\n`);
    // None, or an empty one: the flag is named, with the same choices.
    expect(await impasto(['fast', photo])).toEqual({ code: 2, stderr: `impasto: --network is missing. ${takes}\n` });
    expect((await impasto(['fast', photo, '--network', 'udnie', '--target', 'person', '--background-network', ''])).stderr).toBe(`impasto: --background-network is empty. ${takes}\n`);
  });

  it('paints `fast --network starry-night` with the network `impasto train-style starry-night` saved, as its last line says', async () => {
    const training = ['--photos', dirname(photo), '--out', 'trained', '--steps', '1', '--size', '64', '--batch', '1'];
    const trained = await impasto(['train-style', 'starry-night', ...training]);
    expect(trained.code).toBe(0);
    // --out is not the folder `impasto fast` reads, so the line names it.
    const folder = join(dir, 'trained');
    expect(trained.stderr).toMatch(new RegExp(`\\npaint with it: IMPASTO_TRAINED_NETWORKS_DIR=${folder} impasto fast <photo> --network starry-night\\n$`));
    const reading = { IMPASTO_TRAINED_NETWORKS_DIR: folder };
    for (const written of ['starry-night', 'Starry Night']) {
      const run = await impasto(['fast', photo, '--network', written, '--size', '64', '-o', 'starry.png'], reading);
      expect([run.code, run.stderr]).toEqual([0, expect.stringMatching(/^wrote starry\.png \(64×48, one pass/)]);
    }
    // A slip of its name: the networks trained there are named, as what it may have meant and among what the option takes.
    expect((await impasto(['fast', photo, '--network', 'starry-nite'], reading)).stderr).toBe(
      'impasto: --network starry-nite: there is no network or painting by that name (did you mean starry-night?). Name scream, wave, wreck, udnie, a network you trained (starry-night), or a painting of the library (impasto styles list).\n',
    );
    // A network named as a pretrained one is painted with as trained:<name>: `--network udnie` is the pretrained one.
    const udnie = await impasto(['train-style', 'starry-night', '--name', 'udnie', ...training], reading);
    expect(udnie.stderr).toMatch(/\npaint with it: impasto fast <photo> --network trained:udnie\n$/);
    await rm(folder, { recursive: true });
    await rm(join(dir, 'starry.png'));
  }, 120_000);

  it('takes the names of the library of the bot whose data is in IMPASTO_DATA_DIR once there is one: a style removed there is not found', async () => {
    expect((await impasto(['styles', 'remove', 'starry-night'])).code).toBe(0);
    expect(await impasto(['stylize', photo, 'starry-night'])).toEqual({
      code: 2,
      stderr: 'impasto: Cannot read the style image starry-night: there is no such file, nor a style of that name in the library. Try one of: composition-vii, great-wave, shipwreck-minotaur, the-scream.\n',
    });
  });

  it('paints `fast --network composition-vii` with the network the bot trained for that library style, read from the bot\'s folder', async () => {
    // What `/style train name:composition-vii` leaves: the style linked to its network, whose files are in <data>/networks.
    expect((await impasto(['styles', 'list'])).code).toBe(0); // the library, seeded (once) as the bot's start seeds it
    const dirs = createDataDirs(join(dir, 'data'));
    const db = openDatabase(dirs.database);
    const library = new StyleLibrary(db, dirs.styles);
    library.linkNetwork(library.shared().get('composition-vii')!, 'trained:shared-composition-vii');
    db.close();
    // Linked, but its files are gone: as a style with no network.
    expect((await impasto(['fast', photo, '--network', 'composition-vii'])).stderr).toMatch(/^impasto: --network composition-vii: no network was trained on composition-vii\./);
    const parameters = initialParameters(parameterLayoutOf(readFastManifest().layers), 3);
    await saveTrainedNetwork(dirs.networks, 'shared-composition-vii', parameters, { styleImage: 'composition-vii', steps: 1, trainedAt: new Date(0).toISOString(), options: {} });
    const run = await impasto(['fast', photo, '--network', 'Composition VII', '--size', '64', '-o', 'composition.png']);
    expect([run.code, run.stderr]).toEqual([0, expect.stringMatching(/^wrote composition\.png \(64×48, one pass/)]);
    await rm(join(dir, 'composition.png'));
  }, 120_000);
});
