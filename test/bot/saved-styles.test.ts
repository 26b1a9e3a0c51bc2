import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/bot/database.ts';
import { SavedStyles } from '../../src/bot/styles/saved.ts';
import { InputError } from '../../src/engine/errors.ts';
import { decodeImage, DEFAULT_DECODE_LIMITS } from '../../src/engine/image.ts';
import { contextFor, startTestBot, waitForEnd } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';

// Real SQLite and real files in a temporary data directory.
let root: string;
let db: Db;
let saved: SavedStyles;
const alice = { platform: 'discord', userId: 'alice' } as const;
const dir = () => join(root, 'saved-styles');

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'impasto-saved-'));
  db = openDatabase(join(root, 'impasto.sqlite'));
  saved = new SavedStyles(db, dir(), DEFAULT_DECODE_LIMITS);
});
afterEach(async () => {
  db.close();
  await rm(root, { recursive: true, force: true });
});

const painting = async (file: string, name: string) => ({ bytes: await readFile(sharedImagePath(file)), name });

describe('saved styles', () => {
  it('keeps one per person: a new one replaces the last, whose file goes', async () => {
    const first = await saved.save(alice, await painting('style_starry_night.jpg', 'starry.jpg'));
    const second = await saved.save(alice, await painting('style_the_scream.jpg', 'scream.jpg'));
    expect(saved.find(alice)).toMatchObject({ name: 'scream.jpg', path: second.path });
    expect(await readdir(dir())).toEqual([second.path.slice(dir().length + 1)]);
    expect(first.path).not.toBe(second.path);
    // Someone else's, on another platform with the same id, is theirs.
    expect(saved.find({ platform: 'slack', userId: 'alice' })).toBeUndefined();
  });

  it('outlives the process: the image is read back from disk, re-encoded, no larger than a job paints', async () => {
    await saved.save(alice, await painting('style_starry_night.jpg', 'starry.jpg'));
    db.close();
    db = openDatabase(join(root, 'impasto.sqlite'));
    const again = new SavedStyles(db, dir(), DEFAULT_DECODE_LIMITS);
    const image = await again.imageOf(alice);
    expect(image?.name).toBe('starry.jpg');
    expect((await sharp(image!.bytes).metadata()).format).toBe('png');
    const decoded = await decodeImage(image!.bytes, DEFAULT_DECODE_LIMITS);
    expect(Math.max(decoded.width, decoded.height)).toBeLessThanOrEqual(1024);
  });

  it('refuses what a job would refuse as a style, naming the style option, and keeps nothing', async () => {
    const narrow = { bytes: await sharp({ create: { width: 40, height: 800, channels: 3, background: '#335' } }).png().toBuffer(), name: 'strip.png' };
    const error = await saved.save(alice, narrow).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ field: 'style', message: expect.stringMatching(/^The style image is 40×800: too narrow to paint/) });
    const text = await saved.save(alice, { bytes: new TextEncoder().encode('not a picture'), name: 'notes.png' }).catch((caught: unknown) => caught);
    expect(text).toMatchObject({ field: 'style', message: expect.stringMatching(/^The style image /) });
    expect(saved.find(alice)).toBeUndefined();
    expect(await readdir(dir())).toEqual([]);
  });

  it('keeps nothing of a save still under way when its owner is forgotten', async () => {
    const saving = saved.save(alice, await painting('style_starry_night.jpg', 'starry.jpg'));
    expect(await saved.forget(alice)).toBe(false);
    await expect(saving).rejects.toMatchObject({ field: 'style', message: 'You used forget-me while this style was being saved, so it was not kept.' });
    expect(saved.find(alice)).toBeUndefined();
    expect(await readdir(dir())).toEqual([]);
    // A save after it is kept.
    await saved.save(alice, await painting('style_starry_night.jpg', 'starry.jpg'));
    expect(saved.find(alice)?.name).toBe('starry.jpg');
  });

  it('forgets one whose file was deleted by hand, and says whether there was one to forget', async () => {
    const { path } = await saved.save(alice, await painting('style_starry_night.jpg', 'starry.jpg'));
    await rm(path);
    await expect(saved.imageOf(alice)).rejects.toMatchObject({ field: 'style', message: expect.stringMatching(/^You have no saved style \(any more\)/) });
    expect(saved.find(alice)).toBeUndefined();
    await saved.save(alice, await painting('style_starry_night.jpg', 'starry.jpg'));
    expect(await saved.forget(alice)).toBe(true);
    expect(await saved.forget(alice)).toBe(false);
    expect(await readdir(dir())).toEqual([]);
  });
});

describe('a saved style in /stylize', () => {
  // The real bot and engine, with small limits so that the job is quick.
  let harness: Awaited<ReturnType<typeof startTestBot>>;
  beforeAll(async () => {
    harness = await startTestBot({ IMPASTO_MAX_SIZE: '64', IMPASTO_MAX_ITERATIONS: '3' });
  });
  afterAll(() => harness.stop());
  const photo = () => painting('content_dog.jpg', 'dog.jpg');

  it('paints with it by its name, from a copy of its own (replacing it later cannot touch the job)', async () => {
    const member = contextFor('mia', { platform: 'discord' });
    const refused = await harness.bot.execute('stylize', { content: await photo(), style_name: 'my-style' }, member);
    expect(refused).toMatchObject({ refusal: {}, text: 'You have no saved style (any more): save one with "Use as style" on a message with a painting.' });

    const saved = await harness.bot.savedStyles.save(member.requester, await painting('style_starry_night.jpg', 'starry.jpg'));
    const reply = await harness.bot.execute('stylize', { content: await photo(), style_name: ' my-style ' }, member);
    expect(reply.refusal).toBeUndefined();
    const job = harness.bot.job(reply.jobId!)!;
    expect(job.styleLabel).toBe('saved style starry.jpg');
    expect(job.stylePath.startsWith(join(harness.dataDir, 'uploads'))).toBe(true);
    expect(job.stylePath).not.toBe(saved.path);
    // Saved again while the job waits: the old file goes, the job's copy stays.
    await harness.bot.savedStyles.save(member.requester, await painting('style_the_scream.jpg', 'scream.jpg'));
    expect((await waitForEnd(harness.events, harness.bot, job.id)).type).toBe('succeeded');
    await expect(readFile(saved.path)).rejects.toThrow();
  });

  it('stands in for a style not given, and only then: refused early and plainly for a member who has none', async () => {
    const member = contextFor('ola', { platform: 'slack' });
    const noStyle = 'Which style? Upload a style image, or name a library style with style_name (see /styles). A painting you save with Use as style (on its message) is then used whenever you name none.';
    // Before any file is fetched (the photo a stand-in), and when run.
    expect(harness.bot.precheck('stylize', { content: { bytes: new Uint8Array(0), name: 'dog.jpg' } }, member)).toMatchObject({ refusal: { field: 'style' }, text: noStyle });
    expect(await harness.bot.execute('stylize', { content: await photo(), size: 64 }, member)).toMatchObject({ refusal: { field: 'style' }, text: noStyle });

    await harness.bot.savedStyles.save(member.requester, await painting('style_starry_night.jpg', 'starry.jpg'));
    expect(harness.bot.precheck('stylize', { content: { bytes: new Uint8Array(0), name: 'dog.jpg' } }, member)).toBeUndefined();
    const styleless = await harness.bot.execute('stylize', { content: await photo(), size: 64 }, member);
    expect(harness.bot.job(styleless.jobId!)?.styleLabel).toBe('saved style starry.jpg');
    // A style given wins over it; both given is still refused.
    expect(await harness.bot.execute('stylize', { content: await photo(), size: 64, style_name: 'nonesuch' }, member)).toMatchObject({ refusal: { field: 'style_name' }, text: expect.stringMatching(/nonesuch/) });
    const uploaded = await harness.bot.execute('stylize', { content: await photo(), size: 64, style: await painting('style_the_scream.jpg', 'scream.jpg') }, member);
    expect(harness.bot.job(uploaded.jobId!)?.styleLabel).toBe('uploaded image');
    expect(harness.bot.precheck('stylize', { content: { bytes: new Uint8Array(0), name: 'dog.jpg' }, style: { bytes: new Uint8Array(0), name: 'a.jpg' }, style_name: 'wave' }, member)).toMatchObject({ text: 'Give either a style image or a style_name, not both.' });
    for (const id of [styleless.jobId, uploaded.jobId]) await waitForEnd(harness.events, harness.bot, id!);
  });

  it('is taken alone: not in a blend, not behind a person, and no library style may take its name', async () => {
    const member = contextFor('noa', { platform: 'discord', isModerator: true });
    await harness.bot.savedStyles.save(member.requester, await painting('style_starry_night.jpg', 'starry.jpg'));
    await harness.bot.execute('style add', { name: 'wave', image: await painting('style_great_wave.jpg', 'wave.jpg') }, member);
    const blended = await harness.bot.execute('stylize', { content: await photo(), style_name: 'my-style:0.5, wave:0.5' }, member);
    expect(blended.text).toBe('"my-style" is your saved style: name it alone in /stylize (it cannot be blended, painted behind a person or set for a contest).');
    const added = await harness.bot.execute('style add', { name: 'my-style', image: await painting('style_the_scream.jpg', 'scream.jpg') }, member);
    expect(added.text).toBe('"my-style" is the name of each member\'s own saved style ("Use as style"); choose another.');
  });
});
