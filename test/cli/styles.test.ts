import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/bot/database.ts';
import { createDataDirs } from '../../src/bot/files.ts';
import { StyleLibrary } from '../../src/bot/styles/library.ts';
import { runImpasto, runImpastoPrinting } from '../helpers/app.ts';
import { SHARED_FAST_DIR, sharedImagePath } from '../helpers/shared.ts';

/**
 * `impasto styles list|remove`, the operator's side of the library, as run from a shell: the real
 * command line on a fresh data folder, seeded with two of the shared paintings.
 */
let root: string;
let env: Record<string, string>;
let stdout: string;
const swatch = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(60) };

/** `impasto <args>` to its end, with what it printed on both streams. */
const impasto = (...args: string[]) => runImpastoPrinting(args, { env });

/** The library as the bot opens it, for what the command line cannot do (a community's own style, a trained network). */
function openLibrary(): { library: StyleLibrary; close: () => void } {
  const dirs = createDataDirs(join(root, 'data'));
  const db = openDatabase(dirs.database);
  return { library: new StyleLibrary(db, dirs.styles), close: () => db.close() };
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'impasto-cli-styles-'));
  await mkdir(join(root, 'paintings'));
  for (const file of ['style_udnie.jpg', 'style_the_scream.jpg']) await copyFile(sharedImagePath(file), join(root, 'paintings', file));
  env = { IMPASTO_DATA_DIR: join(root, 'data'), IMPASTO_DEFAULT_LIBRARY: 'false' };
  expect((await runImpasto(['styles', 'import', join(root, 'paintings')], { env })).code).toBe(0);
});

afterEach(() => rm(root, { recursive: true, force: true }));

describe('impasto styles list', () => {
  it('prints the shared styles in a column, or as JSON', async () => {
    ({ stdout } = await impasto('styles', 'list'));
    expect(stdout).toBe('the-scream  The Scream\nudnie       Udnie\n');
    ({ stdout } = await impasto('styles', 'list', '--json'));
    expect(JSON.parse(stdout)).toEqual([
      { name: 'the-scream', title: 'The Scream', fast: false, kind: 'shared' },
      { name: 'udnie', title: 'Udnie', fast: false, kind: 'shared' },
    ]);
  });

  it("shows a community's view: its own styles marked, the shared ones it hid left out", async () => {
    const { library, close } = openLibrary();
    await library.in('discord:42').add('mine', swatch, 'discord:mod', 'Mine');
    await library.in('discord:42').remove('udnie');
    close();
    expect(await impasto('styles', 'list', '--community', 'discord:42')).toEqual({ code: 0, stdout: "mine        Mine · discord:42's own\nthe-scream  The Scream\n", stderr: '' });
    // A community that changed nothing sees the shared styles, as a mistyped id would: the note names those that did.
    expect(await impasto('styles', 'list', '--community', 'discord:24')).toEqual({
      code: 0,
      stdout: 'the-scream  The Scream\nudnie       Udnie\n',
      stderr: 'discord:24 has no styles of its own and has hidden none, so it sees the shared ones (those that have: discord:42).\n',
    });
    // An id of no platform named no community, and listed the shared styles as its view.
    expect(await impasto('styles', 'list', '--community', '42')).toEqual({
      code: 2,
      stdout: '',
      stderr: "impasto: option '--community <id>' argument '42' is invalid. expected a community: discord:<server id>, slack:<team id> or web\n(add --help for how to use it)\n",
    });
    // Empty (a script's unset variable), it listed the shared styles as if no community was asked for.
    expect(await impasto('styles', 'list', '--community', '')).toEqual({
      code: 2,
      stdout: '',
      stderr: "impasto: option '--community <id>' argument '' is invalid. expected a community such as discord:<server id>, not an empty one\n(add --help for how to use it)\n",
    });
  });
});

describe('impasto styles import', () => {
  it('refuses an empty folder name (it said "Cannot read the folder : …")', async () => {
    expect(await impasto('styles', 'import', '')).toEqual({
      code: 2,
      stdout: '',
      stderr: "impasto: command-argument value '' is invalid for argument 'dir'. expected a folder, not an empty one\n(add --help for how to use it)\n",
    });
  });

  it('refuses a web address (it said "there is no such file or folder", as of a mistyped name)', async () => {
    expect(await impasto('styles', 'import', 'https://example.com/paintings')).toEqual({
      code: 2,
      stdout: '',
      stderr: "impasto: command-argument value 'https://example.com/paintings' is invalid for argument 'dir'. expected a folder, not a web address: impasto reads files only (it downloads nothing), so save the pictures in a folder and name that\n(add --help for how to use it)\n",
    });
  });
});

describe('the shipped paintings, before the bot first started', () => {
  it('are listed, and one removed stays removed (the library is seeded once, as the bot seeds it)', async () => {
    env = { IMPASTO_DATA_DIR: join(root, 'fresh'), IMPASTO_FAST_WEIGHTS_DIR: SHARED_FAST_DIR };
    const manifest = JSON.parse(await readFile(new URL('../../library/paintings.json', import.meta.url), 'utf8')) as { paintings: { name: string; title: string; network?: string }[] };
    const shipped = [...manifest.paintings].sort((a, b) => a.name.localeCompare(b.name));
    ({ stdout } = await impasto('styles', 'list', '--json'));
    expect(JSON.parse(stdout)).toEqual(shipped.map((painting) => ({ name: painting.name, title: painting.title, fast: painting.network !== undefined, kind: 'shared' })));
    expect((await impasto('styles', 'remove', 'starry-night')).code).toBe(0);
    ({ stdout } = await impasto('styles', 'list', '--json'));
    expect((JSON.parse(stdout) as { name: string }[]).map((style) => style.name)).toEqual(shipped.map((painting) => painting.name).filter((name) => name !== 'starry-night'));
  });
});

describe('impasto styles remove', () => {
  it('removes a shared style for every community, releasing its trained network, and refuses a name it does not have', async () => {
    const { library, close } = openLibrary();
    library.linkNetwork(library.shared().get('udnie')!, 'trained:shared-udnie');
    await library.in('discord:42').remove('udnie');
    close();
    const removed = await impasto('styles', 'remove', 'udnie');
    expect(removed).toEqual({ code: 0, stdout: '', stderr: 'removed udnie (Udnie) for every community; jobs already queued with it still run\n' });
    ({ stdout } = await impasto('styles', 'list', '--community', 'slack:T1'));
    expect(stdout).toBe('the-scream  The Scream\n');
    const after = openLibrary();
    expect(after.library.releasedNetworks()).toEqual(['trained:shared-udnie']);
    after.close();
    expect(await impasto('styles', 'remove', 'the-screem')).toEqual({ code: 2, stdout: '', stderr: 'impasto: There is no style "the-screem". Did you mean "the-scream"?\n' });
    expect(await impasto('styles', 'remove', ' ')).toEqual({ code: 2, stdout: '', stderr: 'impasto: Name the style to remove: impasto styles list shows them.\n' });
    // Imported again, it is new to every community: the one that had hidden the old one sees it.
    expect((await runImpasto(['styles', 'import', join(root, 'paintings')], { env })).code).toBe(0);
    ({ stdout } = await impasto('styles', 'list', '--community', 'discord:42'));
    expect(stdout).toBe('the-scream  The Scream\nudnie       Udnie\n');
  });

  it('warns that a style from IMPASTO_STYLES_DIR comes back at the next start', async () => {
    env.IMPASTO_STYLES_DIR = join(root, 'paintings');
    const removed = await impasto('styles', 'remove', 'the-scream');
    expect(removed.code).toBe(0);
    expect(removed.stderr.split('\n')[1]).toBe(`style_the_scream.jpg in IMPASTO_STYLES_DIR (${join(root, 'paintings')}) brings it back at the next start: delete or move that file too.`);
  });
});
