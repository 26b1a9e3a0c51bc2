import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordAdapter, type DiscordAdapter } from '../../src/adapters/discord/adapter.ts';
import { startSlackAdapter, type SlackAdapter } from '../../src/adapters/slack/adapter.ts';
import { openDatabase } from '../../src/bot/database.ts';
import { importSharedStyles, restartWithAdapter, startTestBot } from '../helpers/bot.ts';
import { sharedImagePath } from '../helpers/shared.ts';
import * as discord from '../fakes/discord/server.ts';
import * as slack from '../fakes/slack/server.ts';

/**
 * Style contests end to end, on both platforms: start → two members enter (stylized through the
 * real queue and engine) → votes, with a self-vote and a double vote → a restart of the bot → the
 * contest closes by itself at its end time → winners posted with the picture.
 */
const quick = { IMPASTO_MAX_SIZE: '64', IMPASTO_MAX_ITERATIONS: '3' };

async function bootBot(env: Record<string, string>) {
  const harness = await startTestBot({ ...quick, ...env });
  await importSharedStyles(harness.bot);
  return harness;
}

/**
 * While the bot is down: the running contest `title` started two days ago and ends in half an hour,
 * so that its reminder (an hour before the end) is due when the bot starts again.
 */
function bringContestEndNear(dataDir: string, title: string): void {
  const db = openDatabase(join(dataDir, 'impasto.sqlite'));
  try {
    const changed = db.prepare("UPDATE contests SET created_at = ?, ends_at = ? WHERE title = ? AND status = 'open'").run(Date.now() - 2 * 86_400_000, Date.now() + 30 * 60_000, title);
    expect(changed.changes).toBe(1);
  } finally {
    db.close();
  }
}

describe('contests on Discord', () => {
  let fake: discord.FakeDiscord;
  let harness: Awaited<ReturnType<typeof startTestBot>>;
  let adapter: DiscordAdapter;
  const env = () => ({ DISCORD_TOKEN: 'fake-discord-token-0123456789', DISCORD_API_URL: fake.apiUrl, DISCORD_CDN_HOSTS: fake.cdnHost });
  const users = { mod: { id: '200000000000000001', username: 'mod' }, alice: { id: '200000000000000002', username: 'alice' }, bob: { id: '200000000000000003', username: 'bob' }, carol: { id: '200000000000000004', username: 'carol' } };

  beforeAll(async () => {
    fake = await discord.startFakeDiscord();
    harness = await bootBot(env());
    adapter = await startDiscordAdapter({ bot: harness.bot, env: harness.env, logger: pino({ level: 'silent' }), answerRetryDelaysMs: [20] });
  });
  afterAll(async () => {
    await adapter?.stop();
    await harness?.stop();
    await fake?.close();
  });

  const contestCommand = (user: { id: string; username: string }, sub: string, options: Record<string, unknown>[] = [], resolved: Record<string, unknown> = {}, permissions?: bigint) =>
    discord.interactionPayload({ type: 2, user, ...(permissions ? { permissions } : {}), data: { id: '800000000000000020', name: 'contest', type: 1, options: [{ name: sub, type: 1, options }], resolved } });
  const press = (user: { id: string; username: string }, customId: string) =>
    discord.interactionPayload({ type: 3, user, data: { custom_id: customId, component_type: 2 }, message: discord.userMessage(discord.BOT_USER, []) });
  const replyTo = async (interaction: Record<string, unknown>) =>
    ((await fake.waitForRequest((request) => request.path === `/interactions/${interaction.id as string}/${interaction.token as string}/callback`)).json as { data: { content: string } }).data.content;
  const moderatorCommand = (sub: string, options: Record<string, unknown>[] = []) => contestCommand(users.mod, sub, options, {}, discord.PERMISSIONS.member | discord.PERMISSIONS.manageGuild);
  const startContest = (title: string, ends: string) => {
    const start = moderatorCommand('start', [
      { name: 'title', type: 3, value: title },
      { name: 'ends', type: 3, value: ends },
      { name: 'style_name', type: 3, value: 'udnie' },
    ]);
    fake.dispatchInteraction(start);
    return start;
  };
  const restartBot = async (whileDown?: () => void) => {
    ({ harness, adapter } = await restartWithAdapter({ harness, adapter }, { ...quick, ...env() }, (next) => startDiscordAdapter({ bot: next.bot, env: next.env, logger: pino({ level: 'silent' }), answerRetryDelaysMs: [20] }), whileDown));
  };

  it('runs a contest from start to winners, across a restart', async () => {
    startContest('Winter', '25s');
    const announcement = await fake.waitForRequest((request) => request.method === 'POST' && request.path === `/channels/${discord.CHANNEL_ID}/messages` && /Style contest "Winter"/.test(String((request.json as { content?: string }).content)));
    expect(announcement.files[0]!.filename).toBe('contest-style.png');
    // The end in Discord's timestamp markup: each member reads it on their own clock, counting down.
    const endsAt = Math.floor(harness.bot.contests.openIn('discord', discord.CHANNEL_ID)!.endsAt / 1000);
    expect(String((announcement.json as { content?: string }).content)).toMatch(new RegExp(`vote with the buttons\\. It ends <t:${endsAt}:R> \\(<t:${endsAt}:f>\\)\\.$`));
    // A moderator's title (it could say @everyone) pings no one.
    expect((announcement.json as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
    // Every picture the contest posts is described for screen readers.
    const descriptionOf = (request: discord.RecordedRequest) => (request.json as { attachments: { description?: string }[] }).attachments[0]?.description;
    expect(descriptionOf(announcement)).toMatch(/^The contest's style: .+\.$/);

    const photo = fake.addCdnFile('me.jpg', await readFile(sharedImagePath('content_person.jpg')), 'image/jpeg');
    for (const user of [users.alice, users.bob]) {
      const attachment = discord.attachmentObject(photo, 'me.jpg', 'image/jpeg', 40_000);
      fake.dispatchInteraction(contestCommand(user, 'enter', [{ name: 'content', type: 11, value: attachment.id }], { attachments: { [attachment.id]: attachment } }));
    }
    const entryPost = (user: { id: string }) => fake.waitForRequest((request) => request.method === 'POST' && request.path === `/channels/${discord.CHANNEL_ID}/messages` && String((request.json as { content?: string }).content).includes(`by <@${user.id}>`));
    const [aliceEntry, bobEntry] = await Promise.all([entryPost(users.alice), entryPost(users.bob)]);
    expect((await sharp(aliceEntry.files[0]!.bytes).metadata()).format).toBe('png');
    expect(descriptionOf(aliceEntry)).toMatch(/^The photo, painted in the style of .+\.$/);
    const voteId = (request: discord.RecordedRequest) => (request.json as { components: { components: { custom_id: string }[] }[] }).components[0]!.components[0]!.custom_id;

    const selfVote = press(users.alice, voteId(aliceEntry));
    fake.dispatchInteraction(selfVote);
    expect(await replyTo(selfVote)).toBe('You cannot vote for your own entry.');
    const bobVotes = press(users.bob, voteId(aliceEntry));
    fake.dispatchInteraction(bobVotes);
    expect(await replyTo(bobVotes)).toMatch(/^You voted for alice's entry \(1 vote\)/);
    const carolVotes = press(users.carol, voteId(bobEntry));
    fake.dispatchInteraction(carolVotes);
    expect(await replyTo(carolVotes)).toMatch(/^You voted for bob's entry/);
    const carolAgain = press(users.carol, voteId(bobEntry));
    fake.dispatchInteraction(carolAgain);
    expect(await replyTo(carolAgain)).toBe("You took back your vote for bob's entry (0 votes now).");
    await fake.waitForRequest((request) => request.method === 'PATCH' && /\/channels\/\d+\/messages\/\d+/.test(request.path) && /: 1 vote$/.test(String((request.json as { content?: string }).content)));

    // The bot restarts in the middle of the contest.
    await restartBot();

    const winners = await fake.waitForRequest((request) => request.method === 'POST' && /"Winter" has ended/.test(String((request.json as { content?: string }).content)), 60_000);
    const content = (winners.json as { content: string }).content;
    expect(content).toMatch(new RegExp(`^"Winter" has ended\\. Winners: 🥇 <@${users.alice.id}> \\(1\\)  🥈 <@${users.bob.id}> \\(0\\)`));
    expect(content).toContain('ties go to the earliest entry');
    // The winners are pinged, and no one else the message might name.
    expect((winners.json as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ users: [users.alice.id, users.bob.id] });
    // A JPEG, named as one (a chat shows it from its name).
    expect([winners.files[0]!.filename, (await sharp(winners.files[0]!.bytes).metadata()).format]).toEqual(['winners.jpg', 'jpeg']);
    expect(descriptionOf(winners)).toBe('The top entries of "Winter", each labelled with its place, its author and its votes.');
    // Voting is frozen: each entry's button goes grey, beside its final count.
    const frozen = await fake.waitForRequest((request) => request.method === 'PATCH' && String((request.json as { content?: string }).content).includes(`by <@${users.alice.id}> for "Winter"`) && (request.json as { components: { components: { disabled?: boolean }[] }[] }).components[0]!.components[0]!.disabled === true);
    expect((frozen.json as { content: string }).content).toMatch(/: 1 vote$/);
    const late = press(users.carol, voteId(aliceEntry));
    fake.dispatchInteraction(late);
    expect(await replyTo(late)).toBe('"Winter" has ended: voting is closed.');
    // The channel's history lists it, its winners by name (an old result pings no one).
    const history = contestCommand(users.carol, 'history');
    fake.dispatchInteraction(history);
    const listed = await fake.waitForRequest((request) => request.method === 'PATCH' && request.path.includes(history.token as string));
    expect((listed.json as { content: string }).content).toMatch(/^Past contests in this channel, latest first:\n• "Winter" \(style udnie\), ended on .+: 🥇 alice \(1 vote\)  🥈 bob \(0 votes\), of 2 entries$/);
    // With no contest open, an entry is refused at once and privately, before its photo is fetched.
    const fetchesBefore = fake.cdnFetches.length;
    const attachment = discord.attachmentObject(photo, 'me.jpg', 'image/jpeg', 40_000);
    const tooLate = contestCommand(users.carol, 'enter', [{ name: 'content', type: 11, value: attachment.id }], { attachments: { [attachment.id]: attachment } });
    fake.dispatchInteraction(tooLate);
    expect(await replyTo(tooLate)).toBe('There is no contest running in this channel.');
    expect(fake.cdnFetches.length).toBe(fetchesBefore);
  }, 120_000);

  it('pings no one a moderator writes into the title, in its posts or in the status a member asks for, which gives the end on each reader’s clock', async () => {
    const textOf = (request: discord.RecordedRequest) => String((request.json as { content?: string } | undefined)?.content);
    startContest(`Portraits for <@${users.bob.id}>`, '1h');
    const announcement = await fake.waitForRequest((request) => request.method === 'POST' && /Style contest "Portraits/.test(textOf(request)));
    expect((announcement.json as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
    const status = contestCommand(users.carol, 'status');
    fake.dispatchInteraction(status);
    const shown = await fake.waitForRequest((request) => request.method === 'PATCH' && request.path.includes(status.token as string) && textOf(request).includes(`"Portraits for <@${users.bob.id}>"`));
    expect((shown.json as { allowed_mentions?: { parse?: unknown; users?: unknown } }).allowed_mentions).toMatchObject({ parse: [] });
    expect((shown.json as { allowed_mentions?: { users?: unknown } }).allowed_mentions?.users).toBeUndefined();
    // The status gives the end on each reader's own clock, as the announcement does.
    const endsAt = Math.floor(harness.bot.contests.openIn('discord', discord.CHANNEL_ID)!.endsAt / 1000);
    expect(textOf(shown)).toContain(`(style udnie, ends <t:${endsAt}:R> (<t:${endsAt}:f>))`);
    fake.dispatchInteraction(moderatorCommand('cancel'));
    await fake.waitForRequest((request) => request.method === 'POST' && /was cancelled/.test(textOf(request)) && textOf(request).includes('Portraits'));
  });

  it('posts an entry painted after the contest ended without a Vote button', async () => {
    startContest('Spring', '1h');
    // Its announcement, not the deferral: the contest exists once it is posted.
    await fake.waitForRequest((request) => request.method === 'POST' && /Style contest "Spring"/.test(String((request.json as { content?: string }).content)));
    // The engine takes nothing more, so carol's photo is still waiting when the contest ends.
    harness.bot.pauseQueue();
    const photo = fake.addCdnFile('spring.jpg', await readFile(sharedImagePath('content_person.jpg')), 'image/jpeg');
    const attachment = discord.attachmentObject(photo, 'spring.jpg', 'image/jpeg', 40_000);
    const enter = contestCommand(users.carol, 'enter', [{ name: 'content', type: 11, value: attachment.id }], { attachments: { [attachment.id]: attachment } });
    fake.dispatchInteraction(enter);
    await fake.waitForRequest((request) => request.method === 'PATCH' && request.path.includes(enter.token as string) && /Entered "Spring"/.test(String((request.json as { content?: string }).content)));
    fake.dispatchInteraction(moderatorCommand('end'));
    await fake.waitForRequest((request) => request.method === 'POST' && /^"Spring" has ended early\. There were no entries\.$/.test(String((request.json as { content?: string }).content)));

    // After a restart the queue paints the waiting photo.
    await restartBot();
    const entry = await fake.waitForRequest((request) => request.method === 'POST' && String((request.json as { content?: string }).content).includes(`by <@${users.carol.id}> for "Spring"`), 60_000);
    expect((entry.json as { content: string }).content).toMatch(/was painted after the contest ended: here it is, not in the running\.$/);
    expect((entry.json as { components: unknown[] }).components).toEqual([]);
    expect((await sharp(entry.files[0]!.bytes).metadata()).format).toBe('png');
  }, 120_000);

  it('announces the winners though Discord failed their post for longer than discord.js tries', async () => {
    startContest('Autumn', '1h');
    await fake.waitForRequest((request) => request.method === 'POST' && /Style contest "Autumn"/.test(String((request.json as { content?: string }).content)));
    const isWinners = (request: discord.RecordedRequest) => request.method === 'POST' && /^"Autumn" has ended early/.test(String((request.json as { content?: string } | undefined)?.content));
    // discord.js tries four times on a 5xx: five failures defeat its first call and one more.
    fake.failRequests(isWinners, 5, 503);
    fake.dispatchInteraction(moderatorCommand('end'));
    await fake.waitForRequest((request) => isWinners(request) && request.failedWith === undefined);
    expect(fake.requests.filter(isWinners).map((request) => request.failedWith)).toEqual([503, 503, 503, 503, 503, undefined]);
  }, 60_000);

  it('announces the winners at the next start when Discord failed their post until the bot stopped, and not again', async () => {
    const isPost = (request: discord.RecordedRequest, pattern: RegExp) => request.method === 'POST' && pattern.test(String((request.json as { content?: string } | undefined)?.content));
    const isWinners = (request: discord.RecordedRequest) => isPost(request, /^"Equinox" has ended early/);
    startContest('Equinox', '1h');
    await fake.waitForRequest((request) => isPost(request, /Style contest "Equinox"/));
    const stopFailing = fake.failRequests(isWinners, Number.POSITIVE_INFINITY, 503);
    fake.dispatchInteraction(moderatorCommand('end'));
    // Its two tries (the first, and one after 20 ms), of four requests each, all failed.
    await fake.waitForRequest(() => fake.requests.filter(isWinners).length === 8);

    await restartBot(stopFailing);
    await fake.waitForRequest((request) => isWinners(request) && request.failedWith === undefined);
    await restartBot();
    // Posts come in order: had the winners been posted again, it would have been before this announcement.
    startContest('Thaw', '1h');
    await fake.waitForRequest((request) => isPost(request, /Style contest "Thaw"/));
    expect(fake.requests.filter(isWinners).map((request) => request.failedWith)).toEqual([...Array<number>(8).fill(503), undefined]);
    fake.dispatchInteraction(moderatorCommand('cancel'));
    await fake.waitForRequest((request) => isPost(request, /"Thaw" was cancelled/));
  }, 60_000);

  it('shows at the next start the vote count Discord failed to show until the bot stopped, as it then stands, and not again', async () => {
    const contentOf = (request: discord.RecordedRequest) => String((request.json as { content?: string } | undefined)?.content);
    const isAliceEntry = (request: discord.RecordedRequest) => contentOf(request).includes(`by <@${users.alice.id}> for "Frost"`);
    const isCountEdit = (request: discord.RecordedRequest) => request.method === 'PATCH' && isAliceEntry(request);
    startContest('Frost', '1h');
    await fake.waitForRequest((request) => request.method === 'POST' && /Style contest "Frost"/.test(contentOf(request)));
    const photo = fake.addCdnFile('frost.jpg', await readFile(sharedImagePath('content_person.jpg')), 'image/jpeg');
    const attachment = discord.attachmentObject(photo, 'frost.jpg', 'image/jpeg', 40_000);
    fake.dispatchInteraction(contestCommand(users.alice, 'enter', [{ name: 'content', type: 11, value: attachment.id }], { attachments: { [attachment.id]: attachment } }));
    const entry = await fake.waitForRequest((request) => request.method === 'POST' && isAliceEntry(request), 60_000);
    const voteId = (entry.json as { components: { components: { custom_id: string }[] }[] }).components[0]!.components[0]!.custom_id;

    const stopFailing = fake.failRequests(isCountEdit, Number.POSITIVE_INFINITY, 503);
    for (const user of [users.bob, users.carol]) {
      const vote = press(user, voteId);
      fake.dispatchInteraction(vote);
      expect(await replyTo(vote)).toMatch(/^You voted for alice's entry/);
    }
    // The latest count's two tries (the first, and one after 20 ms), of four requests each, failed.
    await fake.waitForRequest(() => fake.requests.filter((request) => isCountEdit(request) && contentOf(request).endsWith(': 2 votes')).length === 8);

    await restartBot(stopFailing);
    const shown = await fake.waitForRequest((request) => isCountEdit(request) && request.failedWith === undefined);
    expect(contentOf(shown)).toBe(`Entry ${voteId.split(':').at(-1)!} by <@${users.alice.id}> for "Frost": 2 votes`);
    await restartBot();
    // Posts come in order: had the count been edited again, it would have been before the cancellation.
    fake.dispatchInteraction(moderatorCommand('cancel'));
    await fake.waitForRequest((request) => request.method === 'POST' && /"Frost" was cancelled/.test(contentOf(request)));
    expect(fake.requests.filter((request) => isCountEdit(request) && request.failedWith === undefined)).toHaveLength(1);
  }, 90_000);

  it('reminds the channel of a long contest an hour before its end, when that time passed during a restart', async () => {
    startContest('Harvest', '2d');
    await fake.waitForRequest((request) => request.method === 'POST' && /Style contest "Harvest"/.test(String((request.json as { content?: string }).content)));
    await restartBot(() => bringContestEndNear(harness.dataDir, 'Harvest'));
    const reminder = await fake.waitForRequest((request) => request.method === 'POST' && request.path === `/channels/${discord.CHANNEL_ID}/messages` && /^"Harvest" ends/.test(String((request.json as { content?: string }).content)));
    const endsAt = Math.floor(harness.bot.contests.openIn('discord', discord.CHANNEL_ID)!.endsAt / 1000);
    expect((reminder.json as { content: string }).content).toBe(`"Harvest" ends <t:${endsAt}:R> (<t:${endsAt}:f>) and has no entries yet: enter with /contest enter while there is time.`);
    expect((reminder.json as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
    fake.dispatchInteraction(moderatorCommand('cancel'));
    const cancelled = await fake.waitForRequest((request) => request.method === 'POST' && /"Harvest" was cancelled/.test(String((request.json as { content?: string }).content)));
    expect((cancelled.json as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
  }, 60_000);
});

describe('contests on Slack', () => {
  let fake: slack.FakeSlack;
  let harness: Awaited<ReturnType<typeof startTestBot>>;
  let adapter: SlackAdapter;
  const env = () => ({ SLACK_BOT_TOKEN: slack.BOT_TOKEN, SLACK_APP_TOKEN: slack.APP_TOKEN, SLACK_API_URL: fake.apiUrl, SLACK_FILE_HOSTS: fake.fileHost, SLACK_MODERATORS: 'U0MOD' });

  beforeAll(async () => {
    fake = await slack.startFakeSlack();
    harness = await bootBot(env());
    adapter = await startSlackAdapter({ bot: harness.bot, env: harness.env, logger: pino({ level: 'silent' }), answerRetryDelaysMs: [20] });
  });
  afterAll(async () => {
    await adapter?.stop();
    await harness?.stop();
    await fake?.close();
  });

  const command = (user: string, text: string) =>
    fake.sendEnvelope('slash_commands', { command: '/impasto', text, user_id: user, user_name: user.toLowerCase(), channel_id: slack.CHANNEL_ID, team_id: slack.TEAM_ID, trigger_id: 't', response_url: `${fake.apiUrl}response` });
  const vote = (user: string, entryId: string) =>
    fake.sendEnvelope('interactive', {
      type: 'block_actions',
      team: { id: slack.TEAM_ID },
      user: { id: user, name: user.toLowerCase(), username: user.toLowerCase(), team_id: slack.TEAM_ID },
      channel: { id: slack.CHANNEL_ID, name: 'general' },
      trigger_id: 'tv',
      container: { type: 'message', message_ts: '1', channel_id: slack.CHANNEL_ID },
      actions: [{ type: 'button', action_id: 'impasto_vote', block_id: 'b', value: entryId, action_ts: '1' }],
    });
  const toldAfter = (user: string, since: number) => fake.waitForCall((call) => call.method === 'chat.postEphemeral' && call.args.user === user && fake.calls.indexOf(call) >= since);
  const restartBot = async (whileDown?: () => void) => {
    ({ harness, adapter } = await restartWithAdapter({ harness, adapter }, { ...quick, ...env() }, (next) => startSlackAdapter({ bot: next.bot, env: next.env, logger: pino({ level: 'silent' }), answerRetryDelaysMs: [20] }), whileDown));
  };
  /** A moderator starts a contest (`words` after `contest start`, which name its `title`); resolves with its announcement. */
  const startContest = async (words: string, title: string) => {
    await command('U0MOD', `contest start ${words}`);
    return fake.waitForCall((call) => call.method === 'files.completeUploadExternal' && String(call.args.initial_comment).includes(`Style contest "${title}"`));
  };
  /** A moderator cancels the channel's contest; resolves once its cancellation is posted. */
  const cancelContest = async (title: string) => {
    await command('U0MOD', 'contest cancel');
    return fake.waitForCall((call) => call.method === 'chat.postMessage' && String(call.args.text).includes(`"${title}" was cancelled`));
  };
  /** The uploads of the pictures of `title`'s entries (a title of plain words). */
  const entryUploads = (title: string) => fake.calls.filter((call) => call.method === 'files.completeUploadExternal' && new RegExp(`^Entry \\S+ for "${title}"$`).test(String(call.args.initial_comment)));

  it('runs a contest from start to winners, across a restart', async () => {
    const announcement = await startContest('great-wave 25s Summer waves', 'Summer waves');
    expect(announcement.args.channel_id).toBe(slack.CHANNEL_ID);

    const photo = fake.addFile('me.jpg', await readFile(sharedImagePath('content_person.jpg')), 'image/jpeg');
    for (const user of ['U0ALICE', 'U0BOB']) {
      fake.postUserMessage(user, 'my entry', [photo]);
      await command(user, 'contest enter');
    }
    const entryMessage = (user: string) => fake.waitForCall((call) => call.method === 'chat.postMessage' && String(call.args.text).includes(`by <@${user}>`));
    const [alice, bob] = await Promise.all([entryMessage('U0ALICE'), entryMessage('U0BOB')]);
    const entryIdOf = (call: slack.ApiCall) => /^Entry (\S+) by/.exec(String(call.args.text))![1]!;

    let since = fake.calls.length;
    await vote('U0ALICE', entryIdOf(alice));
    expect((await toldAfter('U0ALICE', since)).args.text).toBe('You cannot vote for your own entry.');
    since = fake.calls.length;
    await vote('U0BOB', entryIdOf(alice));
    expect(String((await toldAfter('U0BOB', since)).args.text)).toMatch(/^You voted for u0alice's entry \(1 vote\)/);
    since = fake.calls.length;
    await vote('U0CAROL', entryIdOf(bob));
    await toldAfter('U0CAROL', since);
    since = fake.calls.length;
    await vote('U0CAROL', entryIdOf(bob));
    expect((await toldAfter('U0CAROL', since)).args.text).toBe("You took back your vote for u0bob's entry (0 votes now).");
    await fake.waitForCall((call) => call.method === 'chat.update' && call.args.ts === alice.response!.ts && /: 1 vote$/.test(String(call.args.text)));

    await restartBot();

    const winners = await fake.waitForCall((call) => call.method === 'files.completeUploadExternal' && /"Summer waves" has ended/.test(String(call.args.initial_comment)), 60_000);
    expect(String(winners.args.initial_comment)).toMatch(/Winners: 🥇 <@U0ALICE> \(1\)  🥈 <@U0BOB> \(0\)/);
    const ids = (JSON.parse(String(winners.args.files)) as { id: string }[]).map((file) => file.id);
    const picture = fake.uploads.find((upload) => upload.fileId === ids[0])!;
    expect([picture.filename, (await sharp(picture.bytes).metadata()).format]).toEqual(['winners.jpg', 'jpeg']);
    // The channel's history lists it, privately (text alone), its winners by name.
    const beforeHistory = fake.calls.length;
    await command('U0CAROL', 'contest history');
    expect(String((await toldAfter('U0CAROL', beforeHistory)).args.text)).toMatch(/^Past contests in this channel, latest first:\n• "Summer waves" \(style great-wave\), ended on .+: 🥇 u0alice \(1 vote\)  🥈 u0bob \(0 votes\), of 2 entries$/);
    const beforeUnknown = fake.calls.length;
    await command('U0CAROL', 'contest nope');
    expect((await toldAfter('U0CAROL', beforeUnknown)).args.text).toBe('I don\'t know "contest nope". Try start, enter, withdraw, status, history, end, cancel, remove.');
  }, 120_000);

  it('posts an entry painted after the contest ended without a Vote button', async () => {
    await startContest('great-wave 1h Autumn leaves', 'Autumn leaves');
    // The engine takes nothing more, so carol's photo is still waiting when the contest ends.
    harness.bot.pauseQueue();
    const photo = fake.addFile('autumn.jpg', await readFile(sharedImagePath('content_person.jpg')), 'image/jpeg');
    fake.postUserMessage('U0CAROL', 'my entry', [photo]);
    const since = fake.calls.length;
    await command('U0CAROL', 'contest enter');
    expect(String((await toldAfter('U0CAROL', since)).args.text)).toMatch(/^Entered "Autumn leaves"/);
    await command('U0MOD', 'contest end');
    await fake.waitForCall((call) => call.method === 'chat.postMessage' && /^"Autumn leaves" has ended early\. There were no entries\.$/.test(String(call.args.text)));

    // After a restart the queue paints the waiting photo.
    await restartBot();
    const entry = await fake.waitForCall((call) => call.method === 'chat.postMessage' && String(call.args.text).includes('by <@U0CAROL> for "Autumn leaves"'), 60_000);
    expect(String(entry.args.text)).toMatch(/was painted after the contest ended: here it is, not in the running\.$/);
    expect(JSON.stringify(entry.args.blocks)).not.toContain('impasto_vote');
  }, 120_000);

  it('posts an entry though Slack failed its post for longer than the Web API client tries, uploading its picture once', async () => {
    await startContest('great-wave 1h Falling rain', 'Falling rain');
    const isEntryPost = (call: slack.ApiCall) => call.method === 'chat.postMessage' && String(call.args.text).includes('by <@U0ALICE> for "Falling rain"');
    // The client tries three times (retries: 2): four failures defeat its first call and one more.
    fake.failCalls(isEntryPost, 4, 503);
    fake.postUserMessage('U0ALICE', 'my entry', [fake.addFile('rain.jpg', await readFile(sharedImagePath('content_person.jpg')), 'image/jpeg')]);
    await command('U0ALICE', 'contest enter');
    await fake.waitForCall((call) => isEntryPost(call) && call.response?.ok === true);
    expect(fake.calls.filter(isEntryPost).map((call) => call.response?.failedWith ?? 'ok')).toEqual([503, 503, 503, 503, 'ok']);
    expect(entryUploads('Falling rain')).toHaveLength(1);
    await cancelContest('Falling rain');
  }, 60_000);

  it('posts an entry at the next start when Slack failed its post until the bot stopped', async () => {
    await startContest('great-wave 1h Snowmelt', 'Snowmelt');
    const isEntryPost = (call: slack.ApiCall) => call.method === 'chat.postMessage' && String(call.args.text).includes('by <@U0BOB> for "Snowmelt"');
    const stopFailing = fake.failCalls(isEntryPost, Number.POSITIVE_INFINITY, 503);
    fake.postUserMessage('U0BOB', 'my entry', [fake.addFile('melt.jpg', await readFile(sharedImagePath('content_person.jpg')), 'image/jpeg')]);
    await command('U0BOB', 'contest enter');
    // Its two tries (the first, and one after 20 ms), of three calls each, all failed.
    await fake.waitForCall(() => fake.calls.filter(isEntryPost).length === 6, 60_000);

    await restartBot(stopFailing);
    const posted = await fake.waitForCall((call) => isEntryPost(call) && call.response?.ok === true);
    expect(JSON.stringify(posted.args.blocks)).toContain('impasto_vote');
    await restartBot();
    // Posts come in order: had the entry been posted again, it would have been before this one.
    await cancelContest('Snowmelt');
    expect(fake.calls.filter(isEntryPost).map((call) => call.response?.failedWith ?? 'ok')).toEqual([...Array<number>(6).fill(503), 'ok']);
    // Its picture was uploaded before the stop, and not again after.
    expect(entryUploads('Snowmelt')).toHaveLength(1);
  }, 120_000);

  it('starts a contest from its words or from key=value options, an end with a time of day included', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const started = await startContest(`great-wave ${tomorrow} 18:00 UTC Winter fair`, 'Winter fair');
    const day = Number(tomorrow.slice(8));
    // The end in Slack's date markup, which each member's app shows on their own clock; the UTC time where it cannot.
    const endsAt = Date.parse(`${tomorrow}T18:00Z`) / 1000;
    expect(String(started.args.initial_comment)).toMatch(new RegExp(`It ends in .+ \\(<!date\\^${endsAt}\\^\\{date_short_pretty\\} at \\{time\\}\\|${day} \\w+, 18:00 UTC>\\)\\.$`));
    await cancelContest('Winter fair');

    // The title is shown as written: Slack's markup in it (<!channel>) would ping the whole channel.
    const spring = await startContest('style_name=great-wave ends=3h title="Spring <!channel> rain" max_entries=2', 'Spring &lt;!channel&gt; rain');
    expect(String(spring.args.initial_comment)).toContain('(up to 2 each)');
    await cancelContest('Spring &lt;!channel&gt; rain');

    // Words and key=value together: the words fill what the options left.
    await startContest('great-wave ends=2h Snow at dusk', 'Snow at dusk');
    await cancelContest('Snow at dusk');
  }, 60_000);

  it('reminds the channel of a long contest an hour before its end, when that time passed during a restart', async () => {
    await startContest('great-wave 2d Harvest', 'Harvest');
    await restartBot(() => bringContestEndNear(harness.dataDir, 'Harvest'));
    const reminder = await fake.waitForCall((call) => call.method === 'chat.postMessage' && /^"Harvest" ends/.test(String(call.args.text)));
    expect(reminder.args.channel).toBe(slack.CHANNEL_ID);
    expect(String(reminder.args.text)).toMatch(/^"Harvest" ends in \d+ min \(<!date\^\d+\^\{date_short_pretty\} at \{time\}\|.+ UTC>\) and has no entries yet: enter with \/impasto contest enter after sharing your photo while there is time\.$/);
    await cancelContest('Harvest');
  }, 60_000);
});
