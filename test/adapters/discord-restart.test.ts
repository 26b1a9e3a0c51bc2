import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordAdapter, type DiscordAdapter } from '../../src/adapters/discord/adapter.ts';
import { wasInterrupted } from '../../src/bot/jobs/store.ts';
import { attachmentObject, startFakeDiscord, userMessage, type FakeDiscord, type RecordedRequest } from '../fakes/discord/server.ts';
import { contextFor, importSharedStyles, restartWithAdapter, startTestBot } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';

/**
 * A job asked for in a direct message answers by editing the bot's own reply with the bot token
 * (no interaction token, so no 15 minutes): its reply's address is in the job store, and a bot
 * restarted mid-queue goes on answering the interrupted job and the one waiting, in their replies.
 */
describe('Discord direct-message jobs across a restart', () => {
  let fake: FakeDiscord;
  let harness: Awaited<ReturnType<typeof startTestBot>>;
  let adapter: DiscordAdapter;
  const env = () => ({ DISCORD_TOKEN: 'fake-discord-token-0123456789', DISCORD_API_URL: fake.apiUrl, DISCORD_CDN_HOSTS: fake.cdnHost, IMPASTO_MAX_SIZE: '96', IMPASTO_MAX_ITERATIONS: '1000' });
  const dana = { id: '300000000000000001', username: 'dana' };

  beforeAll(async () => {
    fake = await startFakeDiscord();
    harness = await startTestBot(env());
    await importSharedStyles(harness.bot);
    adapter = await startDiscordAdapter({ bot: harness.bot, env: harness.env, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await adapter?.stop();
    await harness?.stop();
    await fake?.close();
  });

  it('answers the interrupted job and the waiting one after a restart, each in its own reply', async () => {
    const photo = fake.addCdnFile('me.jpg', await readFile(sharedImagePath('content_tubingen.jpg')), 'image/jpeg');
    const send = (text: string) => fake.postDirectMessage(dana, { ...userMessage(dana, [attachmentObject(photo, 'me.jpg', 'image/jpeg', 40_000)]), content: text });
    const editsOf = (channelId: string, pattern: RegExp) => (request: RecordedRequest) =>
      request.method === 'PATCH' && request.path.startsWith(`/channels/${channelId}/messages/`) && pattern.test((request.json as { content?: string } | undefined)?.content ?? '');

    // Neither style has a network: both are optimisations, on one lane, the second behind the first
    // (which is long: a thousand iterations, so that it is surely still painting when the bot stops).
    const long = send('udnie size=96 iterations=1000');
    await fake.waitForRequest(editsOf(String(long.channel_id), /iteration [2-9]\d*\/1000/));
    const waiting = send('starry-night size=64 iterations=3');
    const queued = await fake.waitForRequest(editsOf(String(waiting.channel_id), /^Queued/));
    const waitingReply = queued.path;

    const beforeRestart = fake.requests.length;
    ({ harness, adapter } = await restartWithAdapter({ harness, adapter }, env(), (next) => startDiscordAdapter({ bot: next.bot, env: next.env, logger: pino({ level: 'silent' }) })));

    // The first was painting when the bot stopped: it is started again, from the store. Cancelled
    // now, it says so in its reply; the one waiting behind it then paints, and its picture arrives in
    // its reply. Both edits come from the new process, by the bot token.
    const afterRestart = (request: RecordedRequest) => fake.requests.indexOf(request) >= beforeRestart;
    const udnie = harness.bot.jobsOf('discord', dana.id).find((job) => job.styleLabel === 'udnie')!;
    expect(wasInterrupted(udnie)).toBe(true);
    const cancelled = await harness.bot.execute('cancel', { job: udnie.id }, contextFor(dana.id, { platform: 'discord', community: `discord:dm-${dana.id}` }));
    expect(cancelled.refusal).toBeUndefined();
    const cancelEdit = await fake.waitForRequest((request) => afterRestart(request) && editsOf(String(long.channel_id), new RegExp(`^Job ${udnie.id} was cancelled\\.$`))(request));
    const later = await fake.waitForRequest((request) => afterRestart(request) && request.path === waitingReply && request.files.length === 2);
    expect(cancelEdit.path).not.toBe(waitingReply);
    // Cancelled while the new engine was still loading, it was never painted: its reply says
    // "cancelled" to the end (its progress used to overwrite that, and held up the job behind it).
    expect(fake.requests.slice(fake.requests.indexOf(cancelEdit) + 1).filter((request) => request.path === cancelEdit.path)).toEqual([]);
    expect((later.json as { content: string }).content).toMatch(/style starry-night · 64×\d+/);
    expect((await sharp(later.files[0]!.bytes).metadata()).format).toBe('png');
  }, 180_000);
});
