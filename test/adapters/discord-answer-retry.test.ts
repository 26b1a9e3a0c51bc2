import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordAdapter, type DiscordAdapter } from '../../src/adapters/discord/adapter.ts';
import { attachmentObject, interactionPayload, startFakeDiscord, userMessage, type FakeDiscord, type RecordedRequest } from '../fakes/discord/server.ts';
import { importSharedStyles, restartWithAdapter, startTestBot, waitForEnd, type TestBot } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';

/**
 * A job's last message (its picture) must reach the member even when Discord fails for a while as
 * it is sent, or the bot stops between painting and posting: the fake Discord answers the final edit
 * with errors, and the picture arrives once they stop, tried again by the adapter or by the next
 * start; a reply deleted meanwhile is edited no more, and the picture comes as a new message. A
 * refusal that will not change
 * (Missing Permissions) is not tried again. A command whose answer Discord failed is a warning in
 * the log, not an error (Discord's trouble, not ours), and the member is asked to try again.
 */
describe('Discord: a finished job is answered though Discord failed as it was sent', () => {
  let fake: FakeDiscord;
  let harness: TestBot;
  let adapter: DiscordAdapter;
  const adapterLog: string[] = [];
  const env = () => ({ DISCORD_TOKEN: 'fake-discord-token-0123456789', DISCORD_API_URL: fake.apiUrl, DISCORD_CDN_HOSTS: fake.cdnHost, IMPASTO_MAX_SIZE: '96' });
  const dana = { id: '300000000000000002', username: 'dana' };
  const startAdapter = (bot: TestBot) =>
    startDiscordAdapter({ bot: bot.bot, env: bot.env, logger: pino({ level: 'warn' }, new Writable({ write: (chunk, _encoding, done) => (adapterLog.push(String(chunk)), done()) })), answerRetryDelaysMs: [20] });
  const restart = async (whileDown?: () => void) => ({ harness, adapter } = await restartWithAdapter({ harness, adapter }, env(), startAdapter, whileDown));
  /** The edit that carries a result (the PNG and the GIF): the job's last message. */
  const isFinalEdit = (request: RecordedRequest) => request.method === 'PATCH' && request.files.length === 2;
  const answeredAgain = (bot: TestBot) => bot.logLines.some((line) => line.includes('answering again'));

  beforeAll(async () => {
    fake = await startFakeDiscord();
    harness = await startTestBot(env());
    await importSharedStyles(harness.bot);
    adapter = await startAdapter(harness);
  });
  afterAll(async () => {
    await adapter?.stop();
    await harness?.stop();
    await fake?.close();
  });

  /** The first request from `from` on (an index in `fake.requests`) that matches. */
  const requestAfter = (from: number, predicate: (request: RecordedRequest) => boolean) => fake.waitForRequest((request) => fake.requests.indexOf(request) >= from && predicate(request));

  /** Dana asks for a small picture in a direct message; resolves with the job's id once it is painted. */
  async function paintInDirectMessage(): Promise<string> {
    const before = fake.requests.length;
    const photo = fake.addCdnFile('me.jpg', await readFile(sharedImagePath('content_tubingen.jpg')), 'image/jpeg');
    const sent = fake.postDirectMessage(dana, { ...userMessage(dana, [attachmentObject(photo, 'me.jpg', 'image/jpeg', 40_000)]), content: 'starry-night size=64 iterations=3' });
    // The bot's reply says "Queued" once the job is in the store.
    await requestAfter(before, (request) => request.method === 'PATCH' && request.path.startsWith(`/channels/${String(sent.channel_id)}/messages/`));
    const job = harness.bot.jobsOf('discord', dana.id)[0]!;
    await waitForEnd(harness.events, harness.bot, job.id);
    return job.id;
  }

  it('tries the picture again after Discord failed more often than discord.js tries, and it arrives once', async () => {
    // discord.js tries a call four times on a 5xx: five failures defeat its first call and one more.
    fake.failRequests(isFinalEdit, 5, 503);
    const before = fake.requests.length;
    await paintInDirectMessage();
    const delivered = await requestAfter(before, (request) => isFinalEdit(request) && request.failedWith === undefined);
    const finalEdits = fake.requests.slice(before).filter(isFinalEdit);
    expect(finalEdits.map((request) => request.failedWith)).toEqual([503, 503, 503, 503, 503, undefined]);
    expect(new Set(finalEdits.map((request) => request.path))).toEqual(new Set([delivered.path]));
    expect((await sharp(delivered.files[0]!.bytes).metadata()).format).toBe('png');
    expect(adapterLog.some((line) => line.includes('could not deliver to Discord') && line.includes('"retryInMs":20'))).toBe(true);

    // Recorded as answered: the next start does not send it again.
    const beforeRestart = fake.requests.length;
    await restart();
    expect(answeredAgain(harness)).toBe(false);
    expect(fake.requests.slice(beforeRestart).filter(isFinalEdit)).toEqual([]);
  }, 120_000);

  it('sends the picture at the next start when Discord failed until the bot stopped', async () => {
    const stopFailing = fake.failRequests(isFinalEdit, Number.POSITIVE_INFINITY, 503);
    const before = fake.requests.length;
    await paintInDirectMessage();
    // Its two tries (the first, and one after 20 ms), of four requests each, all failed.
    const finalEdits = () => fake.requests.slice(before).filter(isFinalEdit);
    await requestAfter(before, () => finalEdits().length === 8);
    const reply = finalEdits()[0]!.path;

    await restart(stopFailing);
    expect(answeredAgain(harness)).toBe(true);
    const delivered = await requestAfter(before, (request) => isFinalEdit(request) && request.failedWith === undefined);
    expect(delivered.path).toBe(reply);
    expect((delivered.json as { content: string }).content).toMatch(/^Done in /);
    expect((await sharp(delivered.files[0]!.bytes).metadata()).format).toBe('png');

    await restart();
    expect(answeredAgain(harness)).toBe(false);
    expect(finalEdits().map((request) => request.failedWith)).toEqual([...Array<number>(8).fill(503), undefined]);
  }, 120_000);

  it('stops editing a reply deleted while it painted, and posts the picture as a new message naming the member', async () => {
    // The first edit after "Queued" finds the reply gone (the member or a moderator deleted it).
    const isReplyEdit = (request: RecordedRequest) => request.method === 'PATCH' && /^\/channels\/\d+\/messages\/\d+$/.test(request.path) && !/^Queued/.test(String((request.json as { content?: string } | undefined)?.content));
    fake.failRequests(isReplyEdit, 1, 404);
    const before = fake.requests.length;
    await paintInDirectMessage();
    const posted = await requestAfter(before, (request) => request.method === 'POST' && /^\/channels\/\d+\/messages$/.test(request.path) && request.files.length === 2);
    expect((posted.json as { content: string }).content).toMatch(new RegExp(`^<@${dana.id}> Done in `));
    expect((await sharp(posted.files[0]!.bytes).metadata()).format).toBe('png');
    // Edited no more after Discord said it was gone: its progress and its picture alike.
    const gone = fake.requests.slice(before).find((request) => request.failedWith === 404)!;
    expect(fake.requests.slice(fake.requests.indexOf(gone) + 1).filter((request) => request.path === gone.path)).toEqual([]);
  }, 120_000);

  it('logs a command Discord failed to take as a warning, not an error, and tells the member to try again', async () => {
    const help = interactionPayload({ type: 2, user: dana, data: { id: '800000000000000007', name: 'help', type: 1 } });
    const ofHelp = (request: RecordedRequest) => request.path.includes(help.token as string);
    // discord.js tries a call four times on a 5xx: four failures defeat its first call; the next gets through.
    fake.failRequests(ofHelp, 4, 503);
    const logged = adapterLog.length;
    fake.dispatchInteraction(help);
    const told = await fake.waitForRequest((request) => ofHelp(request) && request.failedWith === undefined);
    expect(JSON.stringify(told.json)).toContain('Discord did not answer just now; please try again in a moment.');
    const lines = adapterLog.slice(logged).map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'discord interaction failed: Discord did not answer' }));
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  }, 60_000);

  it('does not try again when Discord refused for good (Missing Permissions)', async () => {
    fake.failRequests(isFinalEdit, 1, 403);
    const before = fake.requests.length;
    await paintInDirectMessage();
    await requestAfter(before, (request) => isFinalEdit(request) && request.failedWith === 403);
    await restart();
    expect(answeredAgain(harness)).toBe(false);
    expect(fake.requests.slice(before).filter(isFinalEdit).map((request) => request.failedWith)).toEqual([403]);
  }, 120_000);
});
