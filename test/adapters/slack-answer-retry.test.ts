import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSlackAdapter, type SlackAdapter } from '../../src/adapters/slack/adapter.ts';
import { APP_TOKEN, BOT_TOKEN, CHANNEL_ID, eventCallback, nextTs, startFakeSlack, TEAM_ID, type ApiCall, type FakeSlack } from '../fakes/slack/server.ts';
import { importSharedStyles, restartWithAdapter, startTestBot, type TestBot } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';

/**
 * A job's last message on Slack is three calls (the status updated, the files uploaded, the
 * buttons posted): when Slack fails the last of them for longer than the Web API client tries, the
 * adapter tries again (or the next start does), without uploading the picture a second time. A
 * refusal (the bot removed from the channel) is not tried again, now or at the next start. A
 * command whose answer Slack failed is a warning in the log, not an error (Slack's trouble, not
 * ours), and the member is asked to try again.
 */
describe('Slack: a finished job is answered though Slack failed as it was sent', () => {
  const ALICE = 'U0ALICE';
  let fake: FakeSlack;
  let harness: TestBot;
  let adapter: SlackAdapter;
  let photo: Record<string, unknown>;
  const adapterLog: string[] = [];
  const env = () => ({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.apiUrl, SLACK_FILE_HOSTS: fake.fileHost, IMPASTO_MAX_SIZE: '96' });
  const startAdapter = (bot: TestBot) =>
    startSlackAdapter({ bot: bot.bot, env: bot.env, logger: pino({ level: 'warn' }, new Writable({ write: (chunk, _encoding, done) => (adapterLog.push(String(chunk)), done()) })), answerRetryDelaysMs: [20] });
  const inThread = (threadTs: string, method: string) => (call: ApiCall) => call.method === method && call.args.thread_ts === threadTs;
  const isButtons = (threadTs: string) => (call: ApiCall) => inThread(threadTs, 'chat.postMessage')(call) && /^Try it again/.test(String(call.args.text));

  beforeAll(async () => {
    fake = await startFakeSlack();
    photo = fake.addFile('tubingen.jpg', await readFile(sharedImagePath('content_tubingen.jpg')), 'image/jpeg');
    harness = await startTestBot(env());
    await importSharedStyles(harness.bot);
    adapter = await startAdapter(harness);
  });
  afterAll(async () => {
    await adapter?.stop();
    await harness?.stop();
    await fake?.close();
  });

  /** Alice posts her photo and asks for it in its thread; resolves with the thread. */
  async function paintInThread(eventId: string): Promise<string> {
    const parent = fake.postUserMessage(ALICE, '', [photo]);
    const ts = nextTs();
    await fake.sendEnvelope('events_api', eventCallback(eventId, { type: 'app_mention', user: ALICE, text: '<@U0BOT> starry-night size=64 iterations=3', ts, channel: CHANNEL_ID, thread_ts: parent.ts, event_ts: ts }));
    return parent.ts;
  }

  it('posts the buttons again after Slack failed them, and uploads the picture once', async () => {
    // The Web API client tries a call three times (retries: 2): four failures defeat its first call and one more.
    fake.failCalls((call) => call.method === 'chat.postMessage' && /^Try it again/.test(String(call.args.text)), 4, 503);
    const thread = await paintInThread('Ev-retry-1');
    const buttons = await fake.waitForCall((call) => isButtons(thread)(call) && call.response?.ok === true);
    expect(fake.calls.filter(isButtons(thread)).map((call) => call.response?.failedWith ?? 'ok')).toEqual([503, 503, 503, 503, 'ok']);
    expect(fake.calls.filter(inThread(thread, 'files.completeUploadExternal'))).toHaveLength(1);
    const labels = (JSON.parse(String(buttons.args.blocks)) as { elements: { text: { text: string } }[] }[])[0]!.elements.map((button) => button.text.text);
    expect(labels).toEqual(['Less style', 'More style', 'Again with another seed']);
    expect(adapterLog.some((line) => line.includes('could not deliver to Slack') && line.includes('"retryInMs":20'))).toBe(true);
  }, 120_000);

  it('sends the picture at the next start, into the same status message, when Slack failed until the bot stopped', async () => {
    const stopFailing = fake.failCalls((call) => call.method === 'files.completeUploadExternal', Number.POSITIVE_INFINITY, 503);
    const thread = await paintInThread('Ev-retry-3');
    // Its two tries (the first, and one after 20 ms), of three calls each, all failed.
    const completions = () => fake.calls.filter(inThread(thread, 'files.completeUploadExternal'));
    await fake.waitForCall(() => completions().length === 6);
    const status = fake.calls.find(inThread(thread, 'chat.postMessage'))!;
    const statusTs = String(status.response!.ts);
    const before = fake.calls.length;

    ({ harness, adapter } = await restartWithAdapter({ harness, adapter }, env(), startAdapter, stopFailing));
    expect(harness.logLines.some((line) => line.includes('answering again'))).toBe(true);
    await fake.waitForCall((call) => fake.calls.indexOf(call) >= before && isButtons(thread)(call) && call.response?.ok === true);
    const afterRestart = fake.calls.slice(before);
    // The status message the first process posted says "Done"; no other is posted in the thread.
    expect(afterRestart.filter((call) => call.method === 'chat.update' && call.args.ts === statusTs).map((call) => String(call.args.text))).toEqual([expect.stringMatching(/Done in/)]);
    expect(afterRestart.filter((call) => inThread(thread, 'chat.postMessage')(call) && !isButtons(thread)(call))).toEqual([]);
    expect(completions().map((call) => call.response?.failedWith ?? 'ok')).toEqual([503, 503, 503, 503, 503, 503, 'ok']);
  }, 120_000);

  it('posts the buttons at the next start when Slack failed them until the bot stopped, without uploading the picture again', async () => {
    const stopFailing = fake.failCalls((call) => call.method === 'chat.postMessage' && /^Try it again/.test(String(call.args.text)), Number.POSITIVE_INFINITY, 503);
    const thread = await paintInThread('Ev-retry-5');
    // Its two tries (the first, and one after 20 ms), of three calls each, all failed.
    await fake.waitForCall(() => fake.calls.filter(isButtons(thread)).length === 6);

    ({ harness, adapter } = await restartWithAdapter({ harness, adapter }, env(), startAdapter, stopFailing));
    await fake.waitForCall((call) => isButtons(thread)(call) && call.response?.ok === true);
    expect(fake.calls.filter(isButtons(thread)).map((call) => call.response?.failedWith ?? 'ok')).toEqual([...Array<number>(6).fill(503), 'ok']);
    expect(fake.calls.filter(inThread(thread, 'files.completeUploadExternal'))).toHaveLength(1);
  }, 120_000);

  it('posts a new status message when its old one was deleted, and the picture still arrives', async () => {
    fake.failCalls((call) => call.method === 'chat.update', 1, 'message_not_found');
    const thread = await paintInThread('Ev-retry-4');
    await fake.waitForCall((call) => isButtons(thread)(call) && call.response?.ok === true);
    const statusPosts = fake.calls.filter((call) => inThread(thread, 'chat.postMessage')(call) && !isButtons(thread)(call));
    expect(statusPosts).toHaveLength(2);
    const updates = fake.calls.filter((call) => call.method === 'chat.update' && [statusPosts[0]!.response!.ts, statusPosts[1]!.response!.ts].includes(call.args.ts));
    expect(updates[0]!.response?.failedWith).toBe('message_not_found');
    expect(updates.at(-1)!.args.ts).toBe(statusPosts[1]!.response!.ts);
    expect(String(updates.at(-1)!.args.text)).toMatch(/Done in/);
    expect(fake.calls.filter(inThread(thread, 'files.completeUploadExternal'))).toHaveLength(1);
  }, 120_000);

  it('logs a command Slack failed to take as a warning, not an error, and tells the member to try again', async () => {
    const isToldAlice = (call: ApiCall) => call.method === 'chat.postEphemeral' && call.args.user === ALICE;
    // The client tries a call three times: three failures defeat its first call; the next gets through.
    fake.failCalls(isToldAlice, 3, 503);
    const logged = adapterLog.length;
    const before = fake.calls.length;
    await fake.sendEnvelope('slash_commands', { command: '/impasto', text: 'help', user_id: ALICE, user_name: 'alice', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 't', response_url: `${fake.apiUrl}response` });
    const told = await fake.waitForCall((call) => fake.calls.indexOf(call) >= before && isToldAlice(call) && call.response?.ok === true);
    expect(told.args.text).toBe('Slack did not answer just now; please try again in a moment.');
    const lines = adapterLog.slice(logged).map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'slack request failed: Slack did not answer' }));
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  }, 60_000);

  it("logs an answer Slack failed to take at a command's response URL as a warning, not an error", async () => {
    const isAnswer = (call: ApiCall) => call.method === 'response';
    fake.failCalls(isAnswer, 1, 503);
    const logged = adapterLog.length;
    const message = fake.postUserMessage(ALICE, 'no picture here');
    await fake.sendEnvelope('interactive', { type: 'message_action', callback_id: 'use_as_style', trigger_id: 't', team: { id: TEAM_ID, domain: 'painters' }, user: { id: ALICE, name: 'alice', username: 'alice', team_id: TEAM_ID }, channel: { id: CHANNEL_ID, name: 'general' }, message, message_ts: message.ts, response_url: `${fake.apiUrl}response`, token: 'verification' });
    await fake.waitForCall((call) => isAnswer(call) && call.response?.failedWith === 503);
    await vi.waitFor(() => expect(adapterLog.length).toBeGreaterThan(logged));
    const lines = adapterLog.slice(logged).map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'slack handler failed: Slack did not answer' }));
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  }, 60_000);

  it('does not try again when Slack refused (not_in_channel), nor at the next start', async () => {
    fake.failCalls((call) => call.method === 'files.completeUploadExternal', 1, 'not_in_channel');
    const thread = await paintInThread('Ev-retry-2');
    await fake.waitForCall((call) => call.method === 'files.completeUploadExternal' && call.response?.failedWith === 'not_in_channel');
    ({ harness, adapter } = await restartWithAdapter({ harness, adapter }, env(), startAdapter));
    expect(harness.logLines.some((line) => line.includes('answering again'))).toBe(false);
    expect(fake.calls.filter(inThread(thread, 'files.completeUploadExternal'))).toHaveLength(1);
    expect(fake.calls.filter(isButtons(thread))).toEqual([]);
  }, 120_000);
});
