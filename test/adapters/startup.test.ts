import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord/server.ts';
import { APP_TOKEN, BOT_TOKEN, startFakeSlack, type FakeSlack } from '../fakes/slack/server.ts';
import { appEnv, IMPASTO_BIN, killWithTestProcess, prepareAppDirs } from '../helpers/app.ts';

/**
 * `impasto start` when a chat platform cannot be connected to: a refused token or no route to the
 * platform. The real command, against the fakes (which refuse tokens other than theirs, as the
 * platforms do): it must exit by itself with one line saying what to fix, the playground it had
 * started closed again, and no stack trace.
 */
let discord: FakeDiscord;
let slack: FakeSlack;
let closedPort: number;

beforeAll(async () => {
  [discord, slack] = await Promise.all([startFakeDiscord(), startFakeSlack()]);
  // A port that was free a moment ago and that nothing listens on: connecting is refused.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
const children: ChildProcess[] = [];
afterAll(async () => {
  // One that did not exit by itself (the failure these tests look for) is not left running.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all([discord?.close(), slack?.close()]);
});

/** Runs `impasto start` to its end: its exit code and what it wrote to stderr. */
async function startToEnd(overrides: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const env = { ...process.env, ...appEnv(await prepareAppDirs(), { IMPASTO_LOG_LEVEL: 'error', ...overrides }) };
  const child = spawn(process.execPath, [IMPASTO_BIN, 'start'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  killWithTestProcess(child);
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

const discordEnv = (overrides: Record<string, string> = {}) => ({ DISCORD_TOKEN: 'fake-discord-token-0123456789', DISCORD_API_URL: discord.apiUrl, DISCORD_CDN_HOSTS: discord.cdnHost, ...overrides });
const slackEnv = (overrides: Record<string, string> = {}) => ({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: slack.apiUrl, SLACK_FILE_HOSTS: slack.fileHost, ...overrides });

describe('impasto start, when a chat platform cannot be connected to', () => {
  it('says Discord refused the token, and closes the playground it had opened', async () => {
    const { code, stderr } = await startToEnd(discordEnv({ DISCORD_TOKEN: 'not-the-bot-token', IMPASTO_WEB: 'on' }));
    expect(code).toBe(2);
    expect(stderr).toContain('impasto: Discord refused DISCORD_TOKEN: it is not a valid bot token. Copy it again from the Discord developer portal (your application → Bot → Reset Token).');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('says Discord could not be reached, naming the address setting in use', async () => {
    const { code, stderr } = await startToEnd(discordEnv({ DISCORD_API_URL: `http://127.0.0.1:${closedPort}/api` }));
    expect(code).toBe(2);
    expect(stderr).toContain("impasto: Could not reach Discord (ECONNREFUSED): check this machine's connection to the internet, and DISCORD_API_URL, then start again.");
  });

  it('says which Slack token was refused: the bot token, or the app-level token of Socket Mode', async () => {
    const bot = await startToEnd(slackEnv({ SLACK_BOT_TOKEN: 'xoxb-not-the-bot-token' }));
    expect(bot.code).toBe(2);
    expect(bot.stderr).toContain("impasto: Slack refused SLACK_BOT_TOKEN (invalid_auth). Copy the Bot User OAuth Token (xoxb-…) again from your app's OAuth & Permissions page");
    expect(bot.stderr).not.toMatch(/\n\s+at /);
    const app = await startToEnd(slackEnv({ SLACK_APP_TOKEN: 'xapp-not-the-app-token', IMPASTO_WEB: 'on' }));
    expect(app.code).toBe(2);
    expect(app.stderr).toContain('impasto: Slack refused SLACK_APP_TOKEN (invalid_auth). Create an app-level token (xapp-…) with the connections:write scope');
  });

  it("says Slack's Socket Mode connection could not be opened", async () => {
    const bringBack = slack.takeSocketDown();
    try {
      const { code, stderr } = await startToEnd(slackEnv());
      expect(code).toBe(2);
      expect(stderr).toContain('impasto: Slack accepted SLACK_APP_TOKEN, but the Socket Mode connection it named could not be opened: check that this machine may open WebSocket connections to Slack');
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      bringBack();
    }
  });

  it('says Slack could not be reached', async () => {
    const { code, stderr } = await startToEnd(slackEnv({ SLACK_API_URL: `http://127.0.0.1:${closedPort}/api/` }));
    expect(code).toBe(2);
    expect(stderr).toContain("impasto: Could not reach Slack (ECONNREFUSED): check this machine's connection to the internet, and SLACK_API_URL, then start again.");
  });
});
