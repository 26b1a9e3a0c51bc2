import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importStyles } from '../../src/bot/styles/import.ts';
import { GALLERY_PAGE } from '../../src/bot/commands/styles.ts';
import { MAX_OWN_STYLES, styleChoiceLabel, styleNameFromFileName } from '../../src/bot/styles/library.ts';
import { pictureToFetch } from '../../src/bot/commands/images.ts';
import { openDatabase } from '../../src/bot/database.ts';
import { DEFAULT_DECODE_LIMITS } from '../../src/engine/image.ts';
import { contextFor, startTestBot } from '../helpers/bot.ts';
import { heicOf } from '../helpers/heic.ts';
import { SHARED_DIR, sharedImagePath } from '../helpers/shared.ts';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';

let harness: Awaited<ReturnType<typeof startTestBot>>;

async function sizeOf(png: Uint8Array): Promise<{ width: number | undefined; height: number | undefined }> {
  const { width, height } = await sharp(png).metadata();
  return { width, height };
}

beforeAll(async () => {
  harness = await startTestBot();
});
afterAll(() => harness.stop());

describe('the style library', () => {
  it('names imported files after their stem', () => {
    expect(styleNameFromFileName('style_starry_night.jpg')).toBe('starry-night');
    expect(styleNameFromFileName('The Great Wave (1831).PNG')).toBe('the-great-wave-1831');
    // Cut at 32 characters, and never ending in a dash (a name may not).
    expect(styleNameFromFileName('abcdefghijklmnopqrstuvwxyz_abcde_fgh.jpg')).toBe('abcdefghijklmnopqrstuvwxyz-abcde');
    expect(styleNameFromFileName('abcdefghijklmnopqrstuvwxyz_abcd_efgh.jpg')).toBe('abcdefghijklmnopqrstuvwxyz-abcd');
  });

  it('says privately that the library is empty, rather than showing the channel a picture of nothing', async () => {
    // Before any import: this bot starts with no style.
    const reply = await harness.bot.execute('styles', {}, contextFor('alice'));
    expect(reply).toEqual({ text: 'The style library is empty. Moderators can add styles with /style add; anyone can upload a style image to /stylize.', ephemeral: true });
  });

  it('is seeded from a folder of images, once', async () => {
    const report = await importStyles(harness.bot.library.shared(), join(SHARED_DIR, 'images'), DEFAULT_DECODE_LIMITS);
    const expected = (await readdir(join(SHARED_DIR, 'images'))).filter((file) => file.startsWith('style_')).length;
    expect(report.added.filter((name) => !name.startsWith('content'))).toHaveLength(expected);
    expect(harness.bot.library.in('web').get('starry-night')?.title).toBe('Starry Night');
    const again = await importStyles(harness.bot.library.shared(), join(SHARED_DIR, 'images'), DEFAULT_DECODE_LIMITS);
    expect(again.added).toEqual([]);
  });

  it('imports every picture format it reads (a HEIC, an AVIF), passes over other files, and says why it skipped a picture it could not read or paint with', async () => {
    const painting = await sharp(sharedImagePath('style_udnie.jpg')).resize(128).jpeg().toBuffer();
    const dir = await mkdtemp(join(tmpdir(), 'impasto-import-'));
    try {
      await writeFile(join(dir, 'udnie_iphone.HEIC'), await heicOf(painting));
      await writeFile(join(dir, 'udnie_web.avif'), await sharp(painting).avif().toBuffer());
      await writeFile(join(dir, 'notes.txt'), 'not a painting');
      await writeFile(join(dir, 'broken.png'), 'not a PNG either');
      await writeFile(join(dir, '星月夜.jpg'), painting);
      // A link to a device held the bot's start for as long as memory lasted, a pipe until something wrote to it.
      await symlink('/dev/zero', join(dir, 'endless.jpg'));
      execFileSync('mkfifo', [join(dir, 'pipe.jpg')]);
      await mkdir(join(dir, 'folder.jpg'));
      await symlink(join(dir, 'moved-away.jpg'), join(dir, 'gone.jpg'));
      // A strip no job could paint with (it was added, and every job with it failed).
      await writeFile(join(dir, 'strip.png'), await sharp({ create: { width: 3000, height: 2, channels: 3, background: '#369' } }).png().toBuffer());
      const report = await importStyles(harness.bot.library.shared(), dir, DEFAULT_DECODE_LIMITS);
      expect(report).toEqual({
        added: ['udnie-iphone', 'udnie-web'],
        skipped: [
          { file: 'broken.png', reason: 'The file is not an image; send a JPEG, PNG, WebP, HEIC, AVIF or GIF.' },
          { file: 'endless.jpg', reason: 'it is not a file (a folder, a device or a pipe)' },
          { file: 'folder.jpg', reason: 'it is not a file (a folder, a device or a pipe)' },
          { file: 'gone.jpg', reason: 'there is no such file or folder' },
          { file: 'pipe.jpg', reason: 'it is not a file (a folder, a device or a pipe)' },
          { file: 'strip.png', reason: 'The file is 3000×2: too narrow to paint. Its long side may be at most 16 times its short side; crop it.' },
          { file: '星月夜.jpg', reason: 'its file name has no letter a style name may have (a–z, 0–9): rename it' },
        ],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows the library as a labelled gallery picture', async () => {
    const reply = await harness.bot.execute('styles', {}, contextFor('alice'));
    expect(reply.text).toMatch(/starry-night/);
    const file = reply.files![0]!;
    const metadata = await sharp(file.bytes).metadata();
    // A JPEG, named as one: a chat shows it from its name.
    expect([file.name, metadata.format]).toEqual(['styles.jpg', 'jpeg']);
    // 4 columns of 200 px tiles with 8 px gaps.
    expect(metadata.width).toBe(4 * 200 + 5 * 8);
  });

  it('draws the gallery without a style removed while it is drawn', async () => {
    const moderator = contextFor('mod', { isModerator: true });
    const image = { bytes: await readFile(sharedImagePath('style_udnie.jpg')), name: 'udnie.jpg' };
    await harness.bot.execute('style add', { name: 'passing', image }, moderator);
    const library = harness.bot.library.in(moderator.requester.community);
    const styles = library.list();
    const columnsOf = async () => ((await sharp(await library.contactSheet(styles, 100)).metadata()).width! - 8) / 208;
    expect(await columnsOf()).toBe(styles.length);
    // Its file deleted after the list was read, as a moderator's remove does between the two.
    await rm(styles.find((style) => style.name === 'passing')!.path);
    expect(await columnsOf()).toBe(styles.length - 1);
    await harness.bot.execute('style remove', { name: 'passing' }, moderator);
  });

  it('suggests the closest style name for a typo', async () => {
    const content = { bytes: await readFile(sharedImagePath('content_dog.jpg')), name: 'dog.jpg' };
    const reply = await harness.bot.execute('stylize', { content, style_name: 'stary-night' }, contextFor('alice'));
    expect(reply.ephemeral).toBe(true);
    expect(reply.text).toBe('There is no style "stary-night". Did you mean "starry-night"?');
  });

  it('takes a style named as people write it: with spaces or underscores, or by its title', async () => {
    const library = harness.bot.library.in('web');
    for (const written of ['Starry Night', ' starry_night ', 'STARRY  NIGHT']) expect(library.resolve(written).name).toBe('starry-night');
    expect(library.get('Starry Night')).toBeUndefined();
    // By its title, whole or up to its comma, as the shipped paintings are titled.
    const moderator = contextFor('mod', { isModerator: true });
    const image = { bytes: await readFile(sharedImagePath('style_udnie.jpg')), name: 'udnie.jpg' };
    await harness.bot.execute('style add', { name: 'pier-light', title: 'Light on the Pier, Anon (1900)', image }, moderator);
    const own = harness.bot.library.in(moderator.requester.community);
    for (const written of ['light on the pier', 'Light on the Pier, Anon (1900)']) expect(own.resolve(written).name).toBe('pier-light');
    await harness.bot.execute('style remove', { name: 'pier-light' }, moderator);
    const content = { bytes: await readFile(sharedImagePath('content_dog.jpg')), name: 'dog.jpg' };
    const reply = await harness.bot.execute('stylize', { content, style_name: 'Starry Night:0.7, the scream:0.3' }, contextFor('alice'));
    expect(reply.text).toMatch(/^Queued job \S+ \(starry-night 70% \+ the-scream 30%\)/);
    await harness.bot.execute('cancel', { job: reply.jobId! }, contextFor('alice'));
  });

  it('lets moderators add and remove styles, and nobody else', async () => {
    const image = { bytes: await readFile(sharedImagePath('style_udnie.jpg')), name: 'udnie.jpg' };
    const refused = await harness.bot.execute('style add', { name: 'picabia', image }, contextFor('bob'));
    expect(refused.text).toBe('/style add is for moderators here (a moderator can let everyone add styles with /settings style_adders:everyone).');
    const added = await harness.bot.execute('style add', { name: 'picabia', image, title: 'Udnie, Picabia' }, contextFor('mod', { isModerator: true }));
    expect(added.text).toBe('Added style "picabia" (Udnie, Picabia) to the library.');
    const duplicate = await harness.bot.execute('style add', { name: 'picabia', image }, contextFor('mod', { isModerator: true }));
    expect(duplicate.text).toMatch(/already a style called "picabia"/);
    expect(harness.bot.library.in('web').suggest('pica').map((style) => style.name)).toContain('picabia');
    const removed = await harness.bot.execute('style remove', { name: 'picabia' }, contextFor('mod', { isModerator: true }));
    expect(removed.text).toMatch(/Removed style "picabia"/);
    expect(harness.bot.library.in('web').get('picabia')).toBeUndefined();
    // Untitled, a style is titled after its name, a run of dashes one space ("Blue  Rider" before).
    const untitled = await harness.bot.execute('style add', { name: 'blue--rider', image }, contextFor('mod', { isModerator: true }));
    expect(untitled.text).toBe('Added style "blue--rider" (Blue Rider) to the library.');
    await harness.bot.execute('style remove', { name: 'blue--rider' }, contextFor('mod', { isModerator: true }));
  });

  it('adds one style when two moderators add the same name at once, and tells the other it exists', async () => {
    const image = { bytes: await readFile(sharedImagePath('style_udnie.jpg')), name: 'udnie.jpg' };
    const moderator = contextFor('mod', { isModerator: true });
    const replies = await Promise.all([harness.bot.execute('style add', { name: 'twice', image }, moderator), harness.bot.execute('style add', { name: 'twice', image }, moderator)]);
    expect(replies.map((reply) => reply.text).sort()).toEqual(['Added style "twice" (Twice) to the library.', 'There is already a style called "twice"; remove it first to replace it.']);
    expect(replies.find((reply) => reply.refusal)?.refusal?.field).toBe('name');
    // The second image was stored while the first was being inserted: it is not left behind.
    const files = (await readdir(harness.bot.library.in('web').get('twice')!.path.replace(/\/[^/]+$/, ''))).filter((file) => file.startsWith('twice-'));
    expect(files).toHaveLength(1);
    await harness.bot.execute('style remove', { name: 'twice' }, moderator);
  });

  it('holds at most 100 styles of a community’s own, refused before the image is fetched, and so when two adds race for the last place', async () => {
    const community = 'discord:crowded';
    const moderator = contextFor('mod', { isModerator: true, platform: 'discord', community });
    const styles = harness.bot.library.in(community);
    const swatch = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(200) };
    for (let i = 0; i < MAX_OWN_STYLES - 1; i++) await styles.add(`swatch-${i}`, swatch, 'discord:mod');
    const image = { bytes: await readFile(sharedImagePath('style_udnie.jpg')), name: 'udnie.jpg' };
    const replies = await Promise.all([harness.bot.execute('style add', { name: 'last-a', image }, moderator), harness.bot.execute('style add', { name: 'last-b', image }, moderator)]);
    const full = 'This library holds 100 styles of its own, the most it may: remove one with /style remove to add another.';
    expect(replies.map((reply) => reply.text).sort()).toEqual([expect.stringMatching(/^Added style "last-[ab]"/), full]);
    // Full now: refused by the check that runs before a platform's picture is fetched.
    expect(harness.bot.precheck('style add', { name: 'one-more', image: pictureToFetch('image') }, moderator)).toMatchObject({ text: full, refusal: { field: 'name' } });
    // Other communities are not affected.
    expect((await harness.bot.execute('style add', { name: 'elsewhere', image }, contextFor('mod', { isModerator: true }))).text).toMatch(/^Added style "elsewhere"/);
    await harness.bot.execute('style remove', { name: 'elsewhere' }, contextFor('mod', { isModerator: true }));
  });

  it('shows a large library a page at a time, and finds styles by name or title', async () => {
    const community = 'discord:gallery';
    const styles = harness.bot.library.in(community);
    const swatch = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(90) };
    for (let i = 0; i < 40; i++) await styles.add(`swatch-${String(i).padStart(2, '0')}`, swatch, 'discord:mod');
    // The 40 and the shared library's.
    const total = styles.list().length;
    const pages = Math.ceil(total / GALLERY_PAGE);
    const asker = contextFor('ann', { platform: 'discord', community });
    const first = await harness.bot.execute('styles', {}, asker);
    expect(first.text).toMatch(new RegExp(`^${total} styles, page 1 of ${pages}: `));
    expect(first.text.endsWith('. Use one with /stylize style_name:<name>. More: /styles page:2.')).toBe(true);
    // 24 tiles, six across and four down: 6 × 200 px tiles with 8 px gaps; rows of 200 + 28 px.
    expect(await sizeOf(first.files![0]!.bytes)).toEqual({ width: 6 * 200 + 7 * 8, height: 4 * 228 + 5 * 8 });
    const last = await harness.bot.execute('styles', { page: pages }, asker);
    expect(last.text).toMatch(new RegExp(`^${total} styles, page ${pages} of ${pages}: `));
    expect(last.text).not.toMatch(/More:/);
    expect(last.text.split(': ')[1]!.split(', ')).toHaveLength(total - GALLERY_PAGE * (pages - 1));
    // Past the end: refused before anything is drawn (and before Discord shows the channel "thinking…").
    expect(harness.bot.precheck('styles', { page: pages + 1 }, asker)).toMatchObject({ text: `The gallery has ${pages} pages: page ${pages + 1} is past its end.`, refusal: { field: 'page' } });
    // By title ("Great Wave") and by name; a search that spans pages says how to see the next.
    expect((await harness.bot.execute('styles', { search: 'Wave' }, asker)).text).toBe('1 style with "Wave": great-wave. Use one with /stylize style_name:<name>.');
    const swatches = await harness.bot.execute('styles', { search: 'swatch' }, asker);
    expect(swatches.text).toMatch(/^40 styles with "swatch", page 1 of 2: swatch-00, swatch-01, .*swatch-23\. Use one with \/stylize style_name:<name>\. More: \/styles search:swatch page:2\.$/);
    expect((await harness.bot.execute('styles', { search: 'swatch', page: 2 }, asker)).text).toMatch(/^40 styles with "swatch", page 2 of 2: swatch-24, .*swatch-39\./);
    // Nothing found: the likely slip, else where to look.
    expect(harness.bot.precheck('styles', { search: 'stary-night' }, asker)).toMatchObject({ text: 'No style\'s name or title has "stary-night"; did you mean starry-night? /styles shows them all.', refusal: { field: 'search' } });
    expect(harness.bot.precheck('styles', { search: 'rembrandt' }, asker)?.text).toBe('No style\'s name or title has "rembrandt". /styles shows them all.');
    // On Slack, as typed there.
    const slack = contextFor('ann', { platform: 'slack', community: 'slack:T0GALLERY' });
    for (let i = 0; i < 30; i++) await harness.bot.library.in('slack:T0GALLERY').add(`swatch-${String(i).padStart(2, '0')}`, swatch, 'slack:mod');
    expect((await harness.bot.execute('styles', { search: 'swatch' }, slack)).text).toMatch(/Use one with \/stylize <name>\. More: \/impasto styles search=swatch page=2\.$/);
    expect(harness.bot.precheck('styles', { search: 'van gogh' }, slack)?.text).toBe('No style\'s name or title has "van gogh". /impasto styles shows them all.');
  });

  it('tells a painter whose style is removed while their photo is read, instead of failing', async () => {
    const image = { bytes: await readFile(sharedImagePath('style_udnie.jpg')), name: 'udnie.jpg' };
    const content = { bytes: await readFile(sharedImagePath('content_dog.jpg')), name: 'dog.jpg' };
    const moderator = contextFor('mod', { isModerator: true });
    await harness.bot.execute('style add', { name: 'fleeting', image }, moderator);
    const [painted, removed] = await Promise.all([harness.bot.execute('stylize', { content, style_name: 'fleeting', size: 64, iterations: 1 }, contextFor('paula')), harness.bot.execute('style remove', { name: 'fleeting' }, moderator)]);
    expect(removed.text).toMatch(/Removed style "fleeting"/);
    if (painted.jobId) await harness.bot.execute('cancel', { job: painted.jobId }, contextFor('paula'));
    else expect(painted).toMatchObject({ text: 'A style of this picture (fleeting) was removed from the library just now; choose another.', refusal: { field: 'style_name' } });
    await harness.bot.idle();
    // In a blend, the copy of the style that was still there is not left behind.
    await harness.bot.execute('style add', { name: 'fleeting', image }, moderator);
    await harness.bot.execute('style add', { name: 'keeper', image }, moderator);
    const copies = async () => (await readdir(harness.bot.dirs.uploads)).filter((file) => file.startsWith('style-')).length;
    const before = await copies();
    const [blended] = await Promise.all([harness.bot.execute('stylize', { content, style_name: 'keeper:0.5,fleeting:0.5', size: 64, iterations: 1 }, contextFor('paula')), harness.bot.execute('style remove', { name: 'fleeting' }, moderator)]);
    expect(blended.refusal?.field).toBe('style_name');
    expect(blended.text).toBe('A style of this picture (keeper 50% + fleeting 50%) was removed from the library just now; choose another.');
    expect(await copies()).toBe(before);
    await harness.bot.execute('style remove', { name: 'keeper' }, moderator);
  });

  it('rejects a bad style name with the rule', async () => {
    const image = { bytes: await readFile(sharedImagePath('style_udnie.jpg')), name: 'udnie.jpg' };
    const reply = await harness.bot.execute('style add', { name: 'Not OK!', image }, contextFor('mod', { isModerator: true }));
    expect(reply.text).toMatch(/1–32 lowercase letters, digits or dashes/);
  });

  it('ships five public-domain paintings, imported once: a removed one stays removed', async () => {
    const first = await startTestBot({ IMPASTO_DEFAULT_LIBRARY: 'true' });
    try {
      expect(first.bot.library.in('web').list().map((style) => style.name)).toEqual(['composition-vii', 'great-wave', 'shipwreck-minotaur', 'starry-night', 'the-scream']);
      expect(first.bot.library.in('web').get('starry-night')!.title).toBe('The Starry Night, Vincent van Gogh (1889)');
      // Autocomplete finds a painting by its title's words too.
      expect(first.bot.library.in('web').suggest('Van Gogh')[0]?.name).toBe('starry-night');
      expect(first.bot.library.in('web').suggest('hokusai')[0]?.name).toBe('great-wave');
      // And a style named by its painter is refused with the name to use.
      expect(first.bot.precheck('stylize', { content: pictureToFetch('photo.jpg'), style_name: 'van gogh' }, contextFor('alice'))?.text).toBe('There is no style "van gogh". Did you mean "starry-night"?');
      // The name that begins as typed first: "the" suggested the three other paintings titled "The …".
      expect(first.bot.precheck('stylize', { content: pictureToFetch('photo.jpg'), style_name: 'the' }, contextFor('alice'))?.text).toBe('There is no style "the". Did you mean "the-scream" or "great-wave" or "shipwreck-minotaur"?');
      // A painting named by its title, up to the painter.
      expect(first.bot.library.in('web').resolve('The Starry Night').name).toBe('starry-night');
      const reply = await first.bot.execute('style remove', { name: 'the-scream' }, contextFor('mod', { isModerator: true }));
      expect(reply.refusal).toBeUndefined();
    } finally {
      await first.stop({ keepData: true });
    }
    const restarted = await startTestBot({ IMPASTO_DEFAULT_LIBRARY: 'true' }, undefined, first.dataDir);
    try {
      expect(restarted.bot.library.in('web').list().map((style) => style.name)).toEqual(['composition-vii', 'great-wave', 'shipwreck-minotaur', 'starry-night']);
    } finally {
      await restarted.stop();
    }
  });

  it('links the shipped paintings to their fast networks, and marks only those whose network is installed', async () => {
    const withNetworks = await startTestBot({ IMPASTO_DEFAULT_LIBRARY: 'true' });
    try {
      const networks = Object.fromEntries(withNetworks.bot.library.in('web').list().map((style) => [style.name, style.network]));
      expect(networks).toEqual({ 'composition-vii': undefined, 'great-wave': 'wave', 'shipwreck-minotaur': 'wreck', 'starry-night': undefined, 'the-scream': 'scream' });
      expect(withNetworks.bot.library.in('web').suggest('scre').map(styleChoiceLabel)).toContain('the-scream · fast');
      const reply = await withNetworks.bot.execute('styles', {}, contextFor('anyone'));
      // The list says which paint in seconds, as the gallery's captions and autocomplete do.
      expect(reply.text).toBe('5 styles: composition-vii, great-wave · fast, shipwreck-minotaur · fast, starry-night, the-scream · fast. Use one with /stylize style_name:<name> (those marked fast paint in seconds).');
    } finally {
      await withNetworks.stop({ keepData: true });
    }
    // The same library where the networks are not installed: nothing is offered as fast.
    const empty = await mkdtemp(join(tmpdir(), 'impasto-no-fast-'));
    const without = await startTestBot({ IMPASTO_DEFAULT_LIBRARY: 'true', IMPASTO_FAST_WEIGHTS_DIR: empty }, undefined, withNetworks.dataDir);
    try {
      expect(without.bot.library.in('web').list().filter((style) => style.network)).toEqual([]);
      const refused = await without.bot.execute('stylize', { content: { bytes: await readFile(sharedImagePath('content_dog.jpg')), name: 'dog.jpg' }, style_name: 'the-scream', mode: 'fast' }, contextFor('anyone'));
      expect(refused.refusal?.field).toBe('mode');
      expect(refused.text).toMatch(/"the-scream" has no fast network/);
    } finally {
      await without.stop();
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('gives a library seeded by an older version its network links, without bringing back removed paintings', async () => {
    const first = await startTestBot({ IMPASTO_DEFAULT_LIBRARY: 'true' });
    await first.bot.execute('style remove', { name: 'great-wave' }, contextFor('mod', { isModerator: true }));
    await first.stop({ keepData: true });
    // As the first version left it: no links, seeded at version 1.
    const db = openDatabase(join(first.dataDir, 'impasto.sqlite'));
    db.prepare('UPDATE styles SET network = NULL').run();
    db.prepare("UPDATE settings SET value = '1' WHERE key = 'default_library_seeded'").run();
    db.close();
    const upgraded = await startTestBot({ IMPASTO_DEFAULT_LIBRARY: 'true' }, undefined, first.dataDir);
    try {
      expect(upgraded.bot.library.in('web').get('great-wave')).toBeUndefined();
      expect(upgraded.bot.library.in('web').get('the-scream')?.network).toBe('scream');
      expect(upgraded.bot.library.in('web').get('shipwreck-minotaur')?.network).toBe('wreck');
    } finally {
      await upgraded.stop();
    }
  });
});
