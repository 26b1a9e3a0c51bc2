import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLICATION_ID, GUILD_ID, interactionPayload, startFakeDiscord, type FakeDiscord } from '../fakes/discord/server.ts';
import { appEnv, prepareAppDirs, startAppProcess } from '../helpers/app.ts';

/**
 * One adapter's failure must not take the others down (issue 19, item 11): a real `impasto start`
 * with Discord (against the fake) and the web playground both on, fed malformed gateway packets
 * that make discord.js throw outside any handler of ours.
 */
const children: ChildProcess[] = [];
let fake: FakeDiscord;
let child: ChildProcess;
let web: string;
let log: string[];

beforeAll(async () => {
  fake = await startFakeDiscord();
  const started = await startAppProcess(
    appEnv(await prepareAppDirs(), {
      DISCORD_TOKEN: 'fake-discord-token-0123456789',
      DISCORD_API_URL: fake.apiUrl,
      DISCORD_CDN_HOSTS: fake.cdnHost,
      DISCORD_GUILD_ID: GUILD_ID,
      IMPASTO_WEB: 'on',
      IMPASTO_LOG_LEVEL: 'error',
    }),
    children,
  );
  child = started.child;
  web = started.url;
  log = started.log;
});
afterAll(async () => {
  for (const process of children) if (process.exitCode === null) process.kill('SIGKILL');
  await fake?.close();
});

describe('adapter isolation', () => {
  it('logs a malformed Discord packet, and Discord and the playground keep working', async () => {
    await expect.poll(() => fake.gatewayOps.includes(2), { timeout: 60_000 }).toBe(true); // IDENTIFY
    fake.dispatchRaw('INTERACTION_CREATE', { type: 2 });
    fake.dispatchRaw('INTERACTION_CREATE', null);
    await expect.poll(() => log.join('').includes('unhandled rejection'), { timeout: 30_000 }).toBe(true);
    expect(log.join('')).toContain('"adapter":"discord"');
    expect(child.exitCode).toBeNull();

    const info = await fetch(`${web}api/info`);
    expect(info.status).toBe(200);
    const help = interactionPayload({ type: 2, user: { id: '100000000000000003', username: 'carol' }, data: { id: '800000000000000003', name: 'help', type: 1 } });
    fake.dispatchInteraction(help);
    const answered = await fake.waitForRequest((request) => request.method === 'PATCH' && request.path === `/webhooks/${APPLICATION_ID}/${help.token as string}/messages/@original`);
    expect((answered.json as { content: string }).content).toMatch(/^Ways to ask: .*\n\n\/stylize: Paint a photo/s);
    expect(child.exitCode).toBeNull();
  });
});
