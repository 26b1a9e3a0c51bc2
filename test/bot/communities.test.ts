import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadedImage } from '../../src/bot/commands/types.ts';
import { pictureToFetch } from '../../src/bot/commands/images.ts';
import { contextFor, importSharedStyles, startTestBot, waitForEnd, waitForEvent } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';

// One bot serving two Discord servers, A and B, with the shared paintings imported for all.
let harness: Awaited<ReturnType<typeof startTestBot>>;
let photo: UploadedImage;
let painting: UploadedImage;
const inA = (user: string, isModerator = false) => contextFor(user, { platform: 'discord', community: 'discord:A', isModerator });
const inB = (user: string, isModerator = false) => contextFor(user, { platform: 'discord', community: 'discord:B', isModerator });

beforeAll(async () => {
  harness = await startTestBot({ IMPASTO_MAX_SIZE: '96', IMPASTO_MAX_ITERATIONS: '300', IMPASTO_MAX_QUEUED_PER_USER: '5' });
  await importSharedStyles(harness.bot);
  photo = { bytes: await readFile(sharedImagePath('content_dog.jpg')), name: 'dog.jpg' };
  painting = { bytes: await readFile(sharedImagePath('style_udnie.jpg')), name: 'udnie.jpg' };
});
afterAll(() => harness.stop());

describe('communities', () => {
  it('keep their styles to themselves: another server can neither see, use nor remove them', async () => {
    expect((await harness.bot.execute('style add', { name: 'a-only', image: painting }, inA('mod-a', true))).refusal).toBeUndefined();
    expect(harness.bot.library.in('discord:A').get('a-only')).toBeDefined();
    expect(harness.bot.library.in('discord:B').get('a-only')).toBeUndefined();
    expect((await harness.bot.execute('styles', {}, inB('bob'))).text).not.toMatch(/a-only/);
    const used = await harness.bot.execute('stylize', { content: photo, style_name: 'a-only' }, inB('bob'));
    expect(used.refusal?.field).toBe('style_name');
    const removed = await harness.bot.execute('style remove', { name: 'a-only' }, inB('mod-b', true));
    expect(removed.text).toMatch(/There is no style "a-only"/);
    expect(harness.bot.library.in('discord:A').get('a-only')).toBeDefined();
    // B may have its own style of the same name.
    expect((await harness.bot.execute('style add', { name: 'a-only', image: painting }, inB('mod-b', true))).refusal).toBeUndefined();
  });

  it('remove a shared painting for themselves only', async () => {
    await harness.bot.execute('style remove', { name: 'starry-night' }, inA('mod-a', true));
    expect(harness.bot.library.in('discord:A').get('starry-night')).toBeUndefined();
    expect(harness.bot.library.in('discord:B').get('starry-night')).toBeDefined();
    expect(harness.bot.library.shared().get('starry-night')).toBeDefined();
  });

  it('see only their own jobs in the queue, and moderators cancel only their own server’s', async () => {
    const long = await harness.bot.execute('stylize', { content: photo, style_name: 'the-scream', iterations: 300 }, inA('alice'));
    await waitForEvent(harness.events, harness.bot, (event) => event.job.id === long.jobId && event.type === 'started');
    const queueA = await harness.bot.execute('queue', {}, inA('alice'));
    expect(queueA.text).toMatch(new RegExp(`job ${long.jobId} by user-alice \\(yours\\)`));
    const queueB = await harness.bot.execute('queue', {}, inB('bob'));
    expect(queueB.text).not.toMatch(/alice/);
    // In words that fit a server, a workspace and a direct message alike.
    expect(queueB.text).toBe('Nothing from here is waiting. 1 job from elsewhere is in the queue too.');
    const refused = await harness.bot.execute('cancel', { job: long.jobId! }, inB('mod-b', true));
    expect(refused.text).toMatch(/There is no job/);
    expect(harness.bot.job(long.jobId!)!.status).toBe('running');
    const cancelled = await harness.bot.execute('cancel', { job: long.jobId! }, inA('mod-a', true));
    expect(cancelled.text).toMatch(/^Cancelled job/);
    await harness.bot.idle();
  });

  it('vote in, and remove entries of, only their own contests', async () => {
    await harness.bot.execute('contest start', { title: 'A only', ends: '1h', style_name: 'the-scream' }, { ...inA('mod-a', true), origin: { platform: 'discord', channelId: 'a-channel' } });
    const entered = await harness.bot.execute('contest enter', { content: photo }, { ...inA('alice'), origin: { platform: 'discord', channelId: 'a-channel' } });
    expect((await waitForEvent(harness.events, harness.bot, (event) => event.job.id === entered.jobId && ['succeeded', 'failed'].includes(event.type))).type).toBe('succeeded');
    const entry = harness.bot.contests.ranking(harness.bot.contests.openIn('discord', 'a-channel')!.id)[0]!;
    expect((await harness.bot.vote(entry.id, inB('bob'))).text).toMatch(/not in a contest any more/);
    expect((await harness.bot.vote(entry.id, inA('carol'))).refusal).toBeUndefined();
    // Entry ids are shown on every entry's post: another server's moderator who reads one cannot remove it.
    const elsewhere = await harness.bot.execute('contest remove', { entry: entry.id }, { ...inB('mod-b', true), origin: { platform: 'discord', channelId: 'b-channel' } });
    expect(elsewhere.text).toBe(`There is no entry "${entry.id}".`);
    expect(harness.bot.contests.entry(entry.id)!.status).toBe('posted');
    const removed = await harness.bot.execute('contest remove', { entry: entry.id }, { ...inA('mod-a', true), origin: { platform: 'discord', channelId: 'a-channel' } });
    expect(removed.text).toBe(`Removed entry ${entry.id} by user-alice.`);
    expect(harness.bot.contests.entry(entry.id)!.status).toBe('removed');
  });
});

describe('fair sharing between communities', () => {
  let shared: Awaited<ReturnType<typeof startTestBot>>;
  const finished = (jobId: string) => waitForEnd(shared.events, shared.bot, jobId);
  const quick = () => ({ content: photo, style: painting, iterations: 2 });
  beforeAll(async () => {
    shared = await startTestBot({ IMPASTO_MAX_SIZE: '64', IMPASTO_MAX_ITERATIONS: '300', IMPASTO_MAX_QUEUED_PER_USER: '5', IMPASTO_MAX_QUEUED_PER_COMMUNITY: '2', IMPASTO_DAILY_JOBS_PER_USER: '2', IMPASTO_DAILY_JOBS_PER_COMMUNITY: '4' });
  });
  afterAll(() => shared.stop());
  const inC = (user: string) => contextFor(user, { platform: 'discord', community: 'discord:C' });
  const inD = (user: string) => contextFor(user, { platform: 'discord', community: 'discord:D' });
  const inE = (user: string) => contextFor(user, { platform: 'discord', community: 'discord:E' });

  it('caps one server’s waiting jobs, so that another server still gets in', async () => {
    const running = await shared.bot.execute('stylize', { content: photo, style: painting, iterations: 300 }, inC('c1'));
    await waitForEvent(shared.events, shared.bot, (event) => event.job.id === running.jobId && event.type === 'started');
    const waiting = [await shared.bot.execute('stylize', quick(), inC('c2')), await shared.bot.execute('stylize', quick(), inC('c3'))];
    const refused = await shared.bot.execute('stylize', quick(), inC('c4'));
    expect(refused.text).toBe('This server already has 2 jobs waiting, its share of the queue. Try again when some have finished.');
    // The chats ask before fetching a member's picture, and are told the same.
    expect(shared.bot.precheck('stylize', { ...quick(), content: pictureToFetch('photo.jpg') }, inC('c4'))?.text).toBe(refused.text);
    const other = await shared.bot.execute('stylize', quick(), inD('d1'));
    expect(other.refusal).toBeUndefined();
    for (const reply of [running, ...waiting]) await shared.bot.execute('cancel', { job: reply.jobId! }, inC(reply === running ? 'c1' : reply === waiting[0] ? 'c2' : 'c3'));
    await finished(other.jobId!);
  });

  it('counts a day’s pictures per person, result buttons included, and per server', async () => {
    const first = await shared.bot.execute('stylize', quick(), inE('erin'));
    await finished(first.jobId!);
    const again = await shared.bot.rerun(first.jobId!, inE('erin'), 'seed');
    expect(again.refusal).toBeUndefined();
    await finished(again.jobId!);
    const third = await shared.bot.execute('stylize', quick(), inE('erin'));
    expect(third.text).toMatch(/^You have made 2 pictures in the last 24 hours, the most one person may; your next one can start in 2\d h \d+ min \(\d+ \w+, \d\d:\d\d UTC\)\.$/);
    expect(shared.bot.precheck('stylize', { content: pictureToFetch('photo.jpg'), style: pictureToFetch('painting.jpg') }, inE('erin'))?.text).toBe(third.text);
    expect((await shared.bot.rerun(first.jobId!, inE('erin'), 'less')).text).toMatch(/^You have made 2 pictures/);
    // Server E has made 2; two more people make it 4, its daily share.
    for (const user of ['fay', 'gus']) await finished((await shared.bot.execute('stylize', quick(), inE(user))).jobId!);
    const fifth = await shared.bot.execute('stylize', quick(), inE('hal'));
    expect(fifth.text).toMatch(/^This server has made 4 pictures in the last 24 hours, its daily share/);
  });
});

describe('a person’s limits, held to a community’s', () => {
  let alone: Awaited<ReturnType<typeof startTestBot>>;
  beforeAll(async () => {
    // Each person's limits are set above the community's, which a person alone can never pass.
    alone = await startTestBot({ IMPASTO_MAX_SIZE: '64', IMPASTO_MAX_ITERATIONS: '300', IMPASTO_MAX_QUEUED_PER_USER: '5', IMPASTO_MAX_QUEUED_PER_COMMUNITY: '1', IMPASTO_DAILY_JOBS_PER_USER: '50', IMPASTO_DAILY_JOBS_PER_COMMUNITY: '2' });
  });
  afterAll(() => alone.stop());
  const inDirectMessage = () => ({ ...contextFor('dan', { platform: 'discord', community: 'discord:dm-dan' }), direct: { ofCommunity: false } });

  it('are told as the person’s own in a Discord direct message, a community of one, never as a server’s', async () => {
    const running = await alone.bot.execute('stylize', { content: photo, style: painting, iterations: 300 }, inDirectMessage());
    await waitForEvent(alone.events, alone.bot, (event) => event.job.id === running.jobId && event.type === 'started');
    const waiting = await alone.bot.execute('stylize', { content: photo, style: painting, iterations: 2 }, inDirectMessage());
    expect(waiting.refusal).toBeUndefined();
    const refused = await alone.bot.execute('stylize', { content: photo, style: painting, iterations: 2 }, inDirectMessage());
    expect(refused.text).toBe('You already have 1 job waiting; the limit is 1 per person. Wait for one to finish, or cancel one.');
    for (const reply of [waiting, running]) await alone.bot.execute('cancel', { job: reply.jobId! }, inDirectMessage());
    await alone.bot.idle();
    const third = await alone.bot.execute('stylize', { content: photo, style: painting, iterations: 2 }, inDirectMessage());
    expect(third.text).toMatch(/^You have made 2 pictures in the last 24 hours, the most one person may; your next one can start in /);
  });

  it('hold one person to a community’s share, even across several servers', async () => {
    const inServer = (community: string) => contextFor('eve', { platform: 'discord', community });
    const running = await alone.bot.execute('stylize', { content: photo, style: painting, iterations: 300 }, inServer('discord:X'));
    await waitForEvent(alone.events, alone.bot, (event) => event.job.id === running.jobId && event.type === 'started');
    const waiting = await alone.bot.execute('stylize', { content: photo, style: painting, iterations: 2 }, inServer('discord:Y'));
    expect(waiting.refusal).toBeUndefined();
    const refused = await alone.bot.execute('stylize', { content: photo, style: painting, iterations: 2 }, inServer('discord:X'));
    expect(refused.text).toBe('You already have 1 job waiting; the limit is 1 per person. Wait for one to finish, or cancel one.');
    for (const reply of [waiting, running]) await alone.bot.execute('cancel', { job: reply.jobId! }, inServer('discord:X'));
    await alone.bot.idle();
  });
});

describe('community settings', () => {
  it('let a server’s moderators lower its limits and let everyone add styles, for that server only', async () => {
    const refusedToMember = await harness.bot.execute('settings', { max_size: 64 }, inA('alice'));
    expect(refusedToMember.text).toBe('/settings is for moderators only.');
    const saved = await harness.bot.execute('settings', { max_size: 64, style_adders: 'everyone' }, inA('mod-a', true));
    expect(saved.text).toBe('Saved. Largest size 64 px · at most 300 iterations · styles added by everyone · results shown.');
    expect((await harness.bot.execute('settings', {}, inA('mod-a', true))).text).toMatch(/^Largest size 64 px/);
    const tooLarge = await harness.bot.execute('stylize', { content: photo, style: painting, size: 96 }, inA('alice'));
    expect(tooLarge.refusal?.field).toBe('size');
    expect(tooLarge.text).toBe('This server allows sizes up to 64 px (its moderators chose it).');
    // Without asking, A's jobs get A's largest size; B keeps the deployment's.
    const inAJob = await harness.bot.execute('stylize', { content: photo, style: painting, iterations: 2 }, inA('alice'));
    expect(harness.bot.job(inAJob.jobId!)!.options.size).toBe(64);
    expect((await harness.bot.execute('stylize', { content: photo, style: painting, size: 96, iterations: 2 }, inB('bob'))).refusal).toBeUndefined();
    expect((await harness.bot.execute('style add', { name: 'alices-pick', image: painting }, inA('alice'))).refusal).toBeUndefined();
    expect((await harness.bot.execute('style add', { name: 'bobs-pick', image: painting }, inB('bob'))).refusal).toBeDefined();
    await harness.bot.idle();
  });

  it('count one iteration as one, not "1 iterations"', async () => {
    const saved = await harness.bot.execute('settings', { max_iterations: 1 }, inA('mod-a', true));
    expect(saved.text).toMatch(/ · at most 1 iteration · /);
    const refused = await harness.bot.execute('stylize', { content: photo, style: painting, iterations: 2 }, inA('alice'));
    expect(refused.text).toBe('This server allows up to 1 iteration (its moderators chose it).');
    expect((await harness.bot.execute('settings', { max_iterations: 2 }, inA('mod-a', true))).text).toMatch(/ · at most 2 iterations · /);
  });

  it('speak of a Slack workspace as a workspace, not a server, its help included', async () => {
    const inSlack = (user: string, isModerator = false) => contextFor(user, { platform: 'slack', community: 'slack:T1', isModerator });
    // Slack has no spoilers: the setting is neither shown nor taken there.
    expect((await harness.bot.execute('settings', { max_size: 64 }, inSlack('mod-s', true))).text).toBe('Saved. Largest size 64 px · at most 300 iterations · styles added by moderators.');
    const spoiler = await harness.bot.execute('settings', { spoiler_results: true }, inSlack('mod-s', true));
    expect(spoiler).toMatchObject({ text: 'spoiler_results is for Discord, which can post a picture behind a spoiler; here results are always shown.', refusal: { field: 'spoiler_results' } });
    expect(harness.bot.settingsOf('slack:T1').spoilerResults).toBe(false);
    expect((await harness.bot.execute('stylize', { content: photo, style: painting, size: 96 }, inSlack('sam'))).text).toBe('This workspace allows sizes up to 64 px (its moderators chose it).');
    expect((await harness.bot.execute('style remove', { name: 'udnie' }, inSlack('mod-s', true))).text).toBe('Removed style "udnie" from this workspace\'s library. Jobs already queued with it still run.');
    const help = (await harness.bot.execute('help', {}, inSlack('sam'))).text;
    expect(help).toMatch(/\n\/impasto style add: Add a style to this workspace's library\n/);
    expect(help).not.toMatch(/server/);
    expect((await harness.bot.execute('help', { command: 'settings' }, inSlack('sam'))).text).toMatch(/^\/impasto settings: Show or change this workspace's settings/);
    // Discord shows the definitions as they are written, beside its slash commands.
    expect((await harness.bot.execute('help', {}, inA('alice'))).text).toMatch(/\n\/style add: Add a style to this server's library\n/);
  });
});
