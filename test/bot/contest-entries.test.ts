import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadedImage } from '../../src/bot/commands/types.ts';
import { contextFor, importSharedStyles, startTestBot } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';

// Contest entries are checked and sized like /stylize's photos, against the contest's fixed size.
let harness: Awaited<ReturnType<typeof startTestBot>>;
let photo: UploadedImage;
let strip: UploadedImage;
const channel = { platform: 'discord' as const, channelId: 'contest-channel' };
const member = (user: string) => ({ ...contextFor(user, { platform: 'discord', community: 'discord:A' }), origin: channel });
const moderator = { ...contextFor('mod', { platform: 'discord', community: 'discord:A', isModerator: true }), origin: channel };

beforeAll(async () => {
  harness = await startTestBot({ IMPASTO_MAX_SIZE: '96', IMPASTO_MAX_ITERATIONS: '300' });
  await importSharedStyles(harness.bot);
  photo = { bytes: await readFile(sharedImagePath('content_dog.jpg')), name: 'dog.jpg' };
  strip = { bytes: await sharp({ create: { width: 2000, height: 50, channels: 3, background: '#808080' } }).png().toBuffer(), name: 'strip.png' };
});
afterAll(() => harness.stop());

describe('contest entries', () => {
  it('refuses a contest image too narrow to paint before the contest starts', async () => {
    const refused = await harness.bot.execute('contest start', { title: 'Strips', ends: '1h', style: strip }, moderator);
    expect(refused.refusal?.field).toBe('style');
    expect(refused.text).toMatch(/The style image is 2000×50: too narrow to paint/);
    expect(harness.bot.contests.openIn('discord', channel.channelId)).toBeUndefined();
  });

  it('starts one contest when two moderators start one in the same channel at once', async () => {
    const where = { ...moderator, origin: { platform: 'discord' as const, channelId: 'race-channel' } };
    const replies = await Promise.all([harness.bot.execute('contest start', { title: 'First', ends: '1h', style_name: 'the-scream' }, where), harness.bot.execute('contest start', { title: 'Second', ends: '1h', style_name: 'udnie' }, where)]);
    expect(replies.filter((reply) => reply.text.startsWith('Started'))).toHaveLength(1);
    expect(replies.find((reply) => !reply.text.startsWith('Started'))?.text).toMatch(/is still running in this channel; end it first/);
    // The loser's copy of its style is not left behind.
    const contest = harness.bot.contests.openIn('discord', 'race-channel')!;
    expect(await readdir(dirname(contest.stylePath))).toEqual([basename(contest.stylePath)]);
    await harness.bot.execute('contest cancel', {}, where);
    // Over, it has no entries, not "no entries yet".
    expect((await harness.bot.execute('contest status', {}, where)).text).toBe(`"${contest.title}" (style ${contest.styleLabel}, cancelled): no entries.`);
  });

  it('says there is no contest before it reads the photo', async () => {
    const damaged = { bytes: Buffer.from('not an image at all'), name: 'x.png' };
    expect((await harness.bot.execute('contest enter', { content: damaged }, member('ann'))).text).toMatch(/There is no contest running in this channel/);
  });

  it('refuses a photo too narrow to paint at once, without counting it as the member’s entry', async () => {
    expect((await harness.bot.execute('contest start', { title: 'Dogs', ends: '1h', style_name: 'the-scream' }, moderator)).refusal).toBeUndefined();
    const refused = await harness.bot.execute('contest enter', { content: strip }, member('bea'));
    expect(refused.refusal?.field).toBe('content');
    expect(refused.text).toMatch(/The photo is 2000×50: too narrow to paint/);
    expect(refused.jobId).toBeUndefined();
    // Thin only at the contest's size (96 px here): the member cannot choose another, so crop it.
    const thin = { bytes: await sharp({ create: { width: 800, height: 100, channels: 3, background: '#808080' } }).png().toBuffer(), name: 'thin.png' };
    const cropIt = await harness.bot.execute('contest enter', { content: thin }, member('bea'));
    expect(cropIt.text).toBe('At size 96 the photo would be only 12 px across; crop it.');
    expect(cropIt.refusal?.field).toBe('content');
    const entered = await harness.bot.execute('contest enter', { content: photo }, member('bea'));
    expect(entered.jobId).toBeDefined();
    await harness.bot.execute('cancel', { job: entered.jobId! }, member('bea'));
    await harness.bot.idle();
  });

  it('counts entries sent at once against the member’s limit', async () => {
    const replies = await Promise.all([1, 2, 3].map(() => harness.bot.execute('contest enter', { content: photo }, member('dee'))));
    const queued = replies.filter((reply) => reply.jobId);
    expect(queued).toHaveLength(1);
    for (const reply of replies.filter((candidate) => !candidate.jobId)) expect(reply.text).toMatch(/You already have 1 entry in "Dogs"|Slow down: one contest entry every 10 seconds/);
    await harness.bot.execute('cancel', { job: queued[0]!.jobId! }, member('dee'));
    await harness.bot.idle();
  });

  it('stores a large photo at the contest’s size, shrunk as it is decoded', async () => {
    const large = { bytes: await sharp(photo.bytes).resize(2400, 1800).jpeg({ quality: 90 }).toBuffer(), name: 'phone.jpg' };
    const entered = await harness.bot.execute('contest enter', { content: large }, member('cid'));
    const job = harness.bot.job(entered.jobId!)!;
    const { width, height } = await sharp(job.contentPath).metadata();
    expect([width, height]).toEqual([job.options.size, (job.options.size! * 3) / 4]);
    await harness.bot.execute('cancel', { job: entered.jobId! }, member('cid'));
    await harness.bot.idle();
  });
});
