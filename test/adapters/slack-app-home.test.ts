import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackAdapter, type SlackAdapter } from '../../src/adapters/slack/adapter.ts';
import { importSharedStyles, startTestBot } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';
import { APP_TOKEN, BOT_TOKEN, CHANNEL_ID, eventCallback, startFakeSlack, TEAM_ID, type ApiCall, type FakeSlack } from '../fakes/slack/server.ts';

/** The Home tab, drawn by the real Bolt for a fake Slack on 127.0.0.1 (test/fakes/slack), which checks its blocks as Slack would. */
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
let fake: FakeSlack;
let harness: Awaited<ReturnType<typeof startTestBot>>;
let adapter: SlackAdapter;

beforeAll(async () => {
  fake = await startFakeSlack();
  harness = await startTestBot({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.apiUrl, SLACK_FILE_HOSTS: fake.fileHost, IMPASTO_MAX_SIZE: '128' });
  await importSharedStyles(harness.bot);
  adapter = await startSlackAdapter({ bot: harness.bot, env: harness.env, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await adapter?.stop();
  await harness?.stop();
  await fake?.close();
});

let events = 0;
/** A member opens the app: its Home tab, or its Messages tab. */
function openApp(user: string, tab: 'home' | 'messages') {
  events += 1;
  return fake.sendEnvelope('events_api', eventCallback(`Ev0HOME${events}`, { type: 'app_home_opened', user, channel: `D0${user}`, tab, event_ts: String(Date.now() / 1000) }));
}

/** A published Home tab's blocks' text, one string per block. */
function blocksOf(call: ApiCall): string[] {
  const view = (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as { type: string; blocks: { type: string; text?: { text: string } }[] };
  expect(view.type).toBe('home');
  return view.blocks.map((block) => (block.type === 'divider' ? '---' : block.text!.text));
}

/** The Home tab published for `user` after `since` calls (and saying `what`, when given): its blocks' text. */
async function homeOf(user: string, since: number, what?: RegExp): Promise<string[]> {
  const call = await fake.waitForCall((candidate) => fake.calls.indexOf(candidate) >= since && candidate.method === 'views.publish' && candidate.args.user_id === user && (what === undefined || what.test(blocksOf(candidate).join('\n'))));
  expect(call.response).toMatchObject({ ok: true });
  return blocksOf(call);
}

const published = (calls: readonly ApiCall[]) => calls.filter((call) => call.method === 'views.publish').length;

describe('the Slack Home tab', () => {
  it('shows a new member how to ask, as typed on Slack, the library, and that they have no pictures or saved style yet', async () => {
    const before = fake.calls.length;
    await openApp(ALICE, 'home');
    const home = await homeOf(ALICE, before);
    expect(home.slice(0, 1)).toEqual(['impasto']);
    expect(home).toContain('How to ask');
    const text = home.join('\n');
    expect(text).toMatch(/Ways to ask: \/stylize starry-night/);
    expect(text).toMatch(/^\/impasto styles: Show the style library as a gallery$/m);
    // Every command, the contests' too: the tab is no direct message, though Slack names one with it.
    expect(text).toMatch(/^\/impasto contest start: /m);
    expect(text).not.toContain('Not here');
    expect(text).toContain('None yet: /stylize starry-night paints the latest picture you shared.');
    expect(text).toContain('None yet: Use as style, on a message with a picture, saves that picture as your style.');
    const styles = harness.bot.library.in(`slack:${TEAM_ID}`).list();
    expect(text).toContain(`${styles.length} styles`);
    for (const style of styles) expect(text).toContain(style.name);
    expect(home).not.toContain('Contests');
  });

  it('draws the tab again as the member\'s job starts and ends, once they have opened it', async () => {
    const carol = { requester: { platform: 'slack' as const, community: `slack:${TEAM_ID}`, userId: 'U0CAROL', userName: 'carol', isModerator: false }, origin: { platform: 'slack' as const, channelId: CHANNEL_ID } };
    const photo = { bytes: await readFile(sharedImagePath('content_tubingen.jpg')), name: 'tubingen.jpg' };
    // Before Carol has opened her tab, her jobs draw nothing.
    const unseen = await harness.bot.execute('stylize', { content: photo, style_name: 'starry-night', size: 64, iterations: 2 }, carol);
    await harness.bot.idle();
    expect(fake.calls.some((call) => call.method === 'views.publish' && call.args.user_id === 'U0CAROL')).toBe(false);

    const opened = fake.calls.length;
    await openApp('U0CAROL', 'home');
    expect((await homeOf('U0CAROL', opened)).join('\n')).toContain(`Job ${unseen.jobId} (starry-night): done`);
    const before = fake.calls.length;
    const painted = await harness.bot.execute('stylize', { content: photo, style_name: 'starry-night', size: 64, iterations: 2 }, carol);
    await harness.bot.idle();
    const done = new RegExp(`^Job ${painted.jobId} \\(starry-night\\): done on `, 'm');
    // Drawn again by itself (Carol did not open it again), saying the job is done.
    expect((await homeOf('U0CAROL', before, done)).join('\n')).toMatch(done);
    expect(fake.calls.slice(before).filter((call) => call.method === 'views.publish' && call.args.user_id !== 'U0CAROL')).toEqual([]);
  });

  it('shows the member their own jobs with their state, their saved style and the open contests, with Slack markup escaped', async () => {
    harness.bot.pauseQueue();
    const alice = { requester: { platform: 'slack' as const, community: `slack:${TEAM_ID}`, userId: ALICE, userName: 'alice', isModerator: true }, origin: { platform: 'slack' as const, channelId: CHANNEL_ID } };
    const photo = { bytes: await readFile(sharedImagePath('content_tubingen.jpg')), name: 'tubingen.jpg' };
    const queued = await harness.bot.execute('stylize', { content: photo, style_name: 'starry-night' }, alice);
    expect(queued.jobId).toBeDefined();
    await harness.bot.savedStyles.save(alice.requester, { bytes: await readFile(sharedImagePath('style_the_scream.jpg')), name: 'scream.jpg' });
    const started = await harness.bot.execute('contest start', { title: 'Winter <!channel> waves', ends: '3h', style_name: 'great-wave' }, alice);
    expect(started.refusal).toBeUndefined();

    const before = fake.calls.length;
    await openApp(ALICE, 'home');
    const text = (await homeOf(ALICE, before)).join('\n');
    expect(text).toMatch(new RegExp(`^Job ${queued.jobId} \\(starry-night\\): waiting\\. It starts next; done in .+\\.$`, 'm'));
    expect(text).toMatch(/^Saved on \d+ \w+, \d\d:\d\d UTC: \/stylize my-style paints with it/m);
    expect(text).toMatch(new RegExp(`^In <#${CHANNEL_ID}>: "Winter &lt;!channel&gt; waves", painted in great-wave: ends in 3 h .+, 0 entries so far\\.$`, 'm'));

    // Bob sees the contest, but not Alice's job nor her saved style.
    const forBob = fake.calls.length;
    await openApp(BOB, 'home');
    const bobs = (await homeOf(BOB, forBob)).join('\n');
    expect(bobs).not.toContain(queued.jobId);
    expect(bobs).toContain('None yet: Use as style');
    expect(bobs).toContain('Winter &lt;!channel&gt; waves');
  });

  it('leaves the Messages tab alone', async () => {
    const before = published(fake.calls);
    await openApp(ALICE, 'messages');
    // Then the Home tab, whose answer comes after any the Messages tab would have caused.
    const since = fake.calls.length;
    await openApp(ALICE, 'home');
    await homeOf(ALICE, since);
    expect(published(fake.calls)).toBe(before + 1);
  });
});
