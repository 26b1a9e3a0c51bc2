import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { watchConnection } from '../../src/adapters/connection-watch.ts';
import { startDiscordAdapter, type DiscordAdapter } from '../../src/adapters/discord/adapter.ts';
import { startSlackAdapter, type SlackAdapter } from '../../src/adapters/slack/adapter.ts';
import { logSlackFailure } from '../../src/adapters/slack/render.ts';
import * as discord from '../fakes/discord/server.ts';
import * as slack from '../fakes/slack/server.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';

/**
 * A chat platform's live connection (Discord's gateway, Slack's Socket Mode socket) lost for a while:
 * said in the log once it lasts (a warning, then a line when it is back) and in the metrics
 * (`impasto_chat_connected`), and re-established whatever failed meanwhile. Found while writing
 * this: Slack's client gave up for good when Slack's Web API failed as it asked for a new socket,
 * and the bot stayed deaf to Slack until restarted.
 */

/** A logger whose lines the test reads. */
function capturedLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _encoding, done) => (lines.push(JSON.parse(String(chunk)) as { level: number; msg: string }), done()) }));
  return { logger, lines, said: (pattern: RegExp) => lines.filter((line) => pattern.test(line.msg ?? '')) };
}

const connectedGauge = async (bot: TestBot, platform: string) => {
  const metrics = await (await fetch(bot.bot.metricsUrl()!)).text();
  return new RegExp(`^impasto_chat_connected\\{platform="${platform}"\\} (\\d)$`, 'm').exec(metrics)?.[1];
};

describe('watchConnection', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('says an outage once it lasts, again while it lasts, and when it is over; reports each change at once', () => {
    vi.useFakeTimers();
    const { logger, lines } = capturedLogger();
    const reports: boolean[] = [];
    const watch = watchConnection({ platform: 'Discord', logger, report: (connected) => reports.push(connected), graceMs: 30_000, reminderMs: 300_000 });
    expect(reports).toEqual([true]);

    // A blip (both platforms ask for routine reconnections): reported, not logged.
    watch.lost();
    vi.advanceTimersByTime(2_000);
    watch.restored();
    vi.advanceTimersByTime(60_000);
    expect(reports).toEqual([true, false, true]);
    expect(lines).toEqual([]);

    watch.lost();
    watch.lost(); // the client's next try, still down
    vi.advanceTimersByTime(29_000);
    expect(lines).toEqual([]);
    vi.advanceTimersByTime(1_000);
    vi.advanceTimersByTime(300_000);
    watch.restored();
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, 'no connection to Discord for 30 s: nothing said in chat reaches the bot until it is back (it keeps reconnecting)'],
      [40, 'no connection to Discord for 5 min 30 s: nothing said in chat reaches the bot until it is back (it keeps reconnecting)'],
      [30, 'connected to Discord again, after 5 min 30 s'],
    ]);
    expect(reports).toEqual([true, false, true, false, true]);

    // Stopping (the adapter's own disconnection follows) says nothing more.
    watch.stop();
    watch.lost();
    vi.advanceTimersByTime(600_000);
    expect(lines).toHaveLength(3);
    expect(reports).toHaveLength(5);
  });
});

describe('Discord: the gateway down for a while', () => {
  let fake: discord.FakeDiscord;
  let harness: TestBot;
  let adapter: DiscordAdapter;
  const log = capturedLogger();

  beforeAll(async () => {
    fake = await discord.startFakeDiscord();
    harness = await startTestBot({ DISCORD_TOKEN: discord.BOT_TOKEN, DISCORD_API_URL: fake.apiUrl, DISCORD_CDN_HOSTS: fake.cdnHost, IMPASTO_METRICS_PORT: '0' });
    adapter = await startDiscordAdapter({ bot: harness.bot, env: harness.env, logger: log.logger, connectionLogMs: { graceMs: 200 } });
  });
  afterAll(async () => {
    await adapter?.stop();
    await harness?.stop();
    await fake?.close();
  });

  it('is said in the log and the metrics, and the bot answers again once it is back', async () => {
    expect(await connectedGauge(harness, 'discord')).toBe('1');
    const bringBack = fake.takeGatewayDown();
    await vi.waitFor(() => expect(log.said(/^no connection to Discord for /)).toHaveLength(1), { timeout: 30_000 });
    expect(await connectedGauge(harness, 'discord')).toBe('0');

    bringBack();
    await vi.waitFor(() => expect(log.said(/^connected to Discord again, after \d+ s$/)).toHaveLength(1), { timeout: 30_000 });
    expect(await connectedGauge(harness, 'discord')).toBe('1');
    const help = discord.interactionPayload({ type: 2, user: { id: '300000000000000009', username: 'erin' }, data: { id: '800000000000000003', name: 'help', type: 1 } });
    fake.dispatchInteraction(help);
    await fake.waitForRequest((request) => request.path === `/interactions/${help.id as string}/${help.token as string}/callback`);
    expect(log.lines.filter((line) => line.level >= 50)).toEqual([]);
  }, 60_000);

  it('says so, as an error naming what to check, when Discord closes the gateway for good (the token reset meanwhile)', async () => {
    fake.dropGateway(4004);
    const errors = () => log.lines.filter((line) => line.level === 50).map((line) => line.msg);
    await vi.waitFor(() => expect(errors()).toHaveLength(2), { timeout: 30_000 });
    // Discord's reason comes as discord.js's own error, beside ours.
    expect(errors().sort()).toEqual([
      "Discord closed the gateway connection for good (close code 4004): nothing said in chat reaches the bot until it is restarted, after checking DISCORD_TOKEN and the bot's intents in the developer portal",
      'discord gateway error',
    ]);
    expect(await connectedGauge(harness, 'discord')).toBe('0');
    // Not followed by "it keeps reconnecting": it does not. (Past the grace, 200 ms here, several times over.)
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(log.said(/^no connection to Discord for /)).toHaveLength(1); // the outage's in the test above
  }, 60_000);
});

describe('Slack: the Socket Mode connection down for a while', () => {
  let fake: slack.FakeSlack;
  let harness: TestBot;
  let adapter: SlackAdapter;
  const log = capturedLogger();

  beforeAll(async () => {
    fake = await slack.startFakeSlack();
    harness = await startTestBot({ SLACK_BOT_TOKEN: slack.BOT_TOKEN, SLACK_APP_TOKEN: slack.APP_TOKEN, SLACK_API_URL: fake.apiUrl, SLACK_FILE_HOSTS: fake.fileHost, IMPASTO_METRICS_PORT: '0' });
    adapter = await startSlackAdapter({ bot: harness.bot, env: harness.env, logger: log.logger, connectionLogMs: { graceMs: 200 }, reconnectDelaysMs: [50, 100, 200] });
  });
  afterAll(async () => {
    await adapter?.stop();
    await harness?.stop();
    await fake?.close();
  });

  it('is reconnected though Slack failed to give it a new socket meanwhile (its client gave up there), and said so', async () => {
    expect(await connectedGauge(harness, 'slack')).toBe('1');
    const before = fake.connections();
    const bringBack = fake.takeSocketDown();
    // Slack's Web API fails too: the WebClient's three tries each time, several times over.
    const isNewSocket = (call: slack.ApiCall) => call.method === 'apps.connections.open';
    const stopFailing = fake.failCalls(isNewSocket, Number.POSITIVE_INFINITY, 503);
    await vi.waitFor(() => expect(fake.calls.filter((call) => isNewSocket(call) && call.response?.failedWith === 503).length).toBeGreaterThanOrEqual(6), { timeout: 30_000 });
    expect(log.said(/^no connection to Slack for /)).toHaveLength(1);
    expect(await connectedGauge(harness, 'slack')).toBe('0');

    stopFailing();
    bringBack();
    await vi.waitFor(() => expect(fake.connections()).toBeGreaterThan(before), { timeout: 30_000 });
    await vi.waitFor(() => expect(log.said(/^connected to Slack again, after \d+ s$/)).toHaveLength(1), { timeout: 30_000 });
    expect(await connectedGauge(harness, 'slack')).toBe('1');
    const ack = await fake.sendEnvelope('slash_commands', { command: '/impasto', text: 'help', user_id: 'U0ERIN', user_name: 'erin', channel_id: slack.CHANNEL_ID, team_id: slack.TEAM_ID, trigger_id: 't', response_url: `${fake.apiUrl}response` });
    expect(ack.envelope_id).toBeDefined();
    // The socket client's own complaints about the connection are warnings: the outage is not ours to fix.
    expect(log.lines.filter((line) => line.level >= 50)).toEqual([]);
  }, 90_000);

  it('logs a request whose acknowledgement the dropped socket could not carry as a warning, not an error (found by fuzz:chat --outages)', () => {
    // Slack's Socket Mode client as Bolt loads it (its own dependency, not this project's), and the
    // errors it throws when a listener acknowledges a request after the socket dropped. The flood
    // hit it during an outage, most likely behind /stylize, which then asked Slack about the channel
    // before acknowledging; it acknowledges first now, and the window left is too short to hit on
    // purpose here.
    const socketMode = createRequire(createRequire(import.meta.url).resolve('@slack/bolt'))('@slack/socket-mode') as Record<string, new () => Error>;
    const lines = capturedLogger();
    for (const name of ['SMSendWhileNotReadyError', 'SMSendWhileDisconnectedError']) logSlackFailure(lines.logger, new socketMode[name]!(), 'slack handler failed');
    expect(lines.lines.map(({ level, msg }) => ({ level, msg }))).toEqual([
      { level: 40, msg: 'slack handler failed: Slack did not answer' },
      { level: 40, msg: 'slack handler failed: Slack did not answer' },
    ]);
  });
});
