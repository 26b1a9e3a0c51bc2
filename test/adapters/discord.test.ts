import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDiscordAdapter, type DiscordAdapter } from '../../src/adapters/discord/adapter.ts';
import { registerDiscordCommands } from '../../src/adapters/discord/register.ts';
import { decodeImage, DEFAULT_DECODE_LIMITS } from '../../src/engine/image.ts';
import { contextFor, importSharedStyles, startTestBot, waitForEvent } from '../helpers/bot.ts';
import { loadSharedImage, sharedImagePath } from '../helpers/shared.ts';
import { syntheticClip } from '../../src/engine/clip/synthetic.ts';
import { encodeMp4 } from '../../src/engine/clip/encode.ts';
import { encodeGif } from '../../src/engine/gif.ts';
import { pageRows } from '../../src/adapters/discord/render.ts';
import {
  APPLICATION_ID,
  attachmentObject,
  BOT_USER,
  CHANNEL_ID,
  GUILD_ID,
  interactionPayload,
  PERMISSIONS,
  startFakeDiscord,
  userMessage,
  type FakeDiscord,
  type RecordedRequest,
} from '../fakes/discord/server.ts';

/** The real discord.js against a fake Discord on 127.0.0.1 (test/fakes/discord). */
let fake: FakeDiscord;
let harness: Awaited<ReturnType<typeof startTestBot>>;
let adapter: DiscordAdapter;
let clockOffset = 0;
const alice = { id: '100000000000000001', username: 'alice' };
const bob = { id: '100000000000000002', username: 'bob' };
let photoUrl: string;
let personUrl: string;
let styleUrl: string;

beforeAll(async () => {
  fake = await startFakeDiscord();
  harness = await startTestBot(botEnvironment());
  await importSharedStyles(harness.bot);
  adapter = await startDiscordAdapter({ bot: harness.bot, env: harness.env, logger: pino({ level: 'silent' }), now: () => Date.now() + clockOffset });
  photoUrl = fake.addCdnFile('tubingen.jpg', await readFile(sharedImagePath('content_tubingen.jpg')), 'image/jpeg');
  personUrl = fake.addCdnFile('person.jpg', await readFile(sharedImagePath('content_person.jpg')), 'image/jpeg');
  styleUrl = fake.addCdnFile('starry.jpg', await readFile(sharedImagePath('style_starry_night.jpg')), 'image/jpeg');
});
afterAll(async () => {
  await adapter?.stop();
  await harness?.stop();
  await fake?.close();
});

function botEnvironment(): Record<string, string> {
  return {
    DISCORD_TOKEN: 'fake-discord-token-0123456789',
    DISCORD_API_URL: fake.apiUrl,
    DISCORD_CDN_HOSTS: fake.cdnHost,
    DISCORD_GUILD_ID: GUILD_ID,
    IMPASTO_MAX_QUEUED_PER_USER: '5',
    // Small limits make the defaults small too (the context menu has no options): quick jobs.
    IMPASTO_MAX_SIZE: '128',
    IMPASTO_MAX_ITERATIONS: '20',
  };
}

const tokenOf = (interaction: Record<string, unknown>) => interaction.token as string;
const callbackOf = (interaction: Record<string, unknown>) => (request: RecordedRequest) => request.path === `/interactions/${interaction.id as string}/${tokenOf(interaction)}/callback`;
const originalOf = (interaction: Record<string, unknown>) => (request: RecordedRequest) => request.path === `/webhooks/${APPLICATION_ID}/${tokenOf(interaction)}/messages/@original` && request.method === 'PATCH';

function stylizeCommand(user: typeof alice, options: { name: string; type: number; value: unknown }[], attachments: Record<string, Record<string, unknown>> = {}, appPermissions?: bigint) {
  return interactionPayload({
    type: 2,
    user,
    ...(appPermissions !== undefined ? { appPermissions } : {}),
    data: { id: '800000000000000001', name: 'stylize', type: 1, options, resolved: { attachments } },
  });
}

function withAttachments(user: typeof alice, content: Record<string, unknown>, extra: { name: string; type: number; value: unknown }[] = [], style?: Record<string, unknown>) {
  const attachments: Record<string, Record<string, unknown>> = { [content.id as string]: content };
  const options = [{ name: 'content', type: 11, value: content.id }, ...extra];
  if (style) {
    attachments[style.id as string] = style;
    options.push({ name: 'style', type: 11, value: style.id });
  }
  return stylizeCommand(user, options, attachments);
}

/** Alice typing in /stylize's style_name (an autocomplete interaction), in the fake guild or another. */
function styleNameTyped(value: string, guildId?: string) {
  return interactionPayload({ type: 4, user: alice, ...(guildId ? { guildId } : {}), data: { id: '800000000000000001', name: 'stylize', type: 1, options: [{ name: 'style_name', type: 3, value, focused: true }] } });
}

/** The photo of Tübingen on the fake's CDN, as an attachment option resolves it. */
const tubingen = () => attachmentObject(photoUrl, 'tubingen.jpg', 'image/jpeg', 40_000);

/** `user`'s /stylize of the photo of Tübingen with a library style, at `size` px for `iterations` steps. */
function stylizeTubingen(user: typeof alice, style: string, iterations: number, size = 64) {
  return withAttachments(user, tubingen(), [
    { name: 'style_name', type: 3, value: style },
    { name: 'size', type: 4, value: size },
    { name: 'iterations', type: 4, value: iterations },
  ]);
}

/** Alice's /stylize of the posted photo with the library's starry-night, small and quick. */
const quickStarryNight = () => stylizeTubingen(alice, 'starry-night', 2);

/** Alice picks `value` in a "Stylize with…" menu (the bot's private message `messageId`), in the fake's server or `guildId`. */
function styleChosen(customId: string, value: string, messageId: string, guildId?: string) {
  return interactionPayload({
    type: 3,
    user: alice,
    guildId,
    data: { custom_id: customId, component_type: 3, values: [value] },
    message: { ...userMessage({ id: messageId, username: 'impasto' }, []), flags: 64 },
  });
}

/** The first edit of the original reply that reports progress of a job with `total` iterations. */
function progressEdit(interaction: Record<string, unknown>, total: number): Promise<RecordedRequest> {
  const pattern = new RegExp(`iteration \\d+/${total}`);
  return fake.waitForRequest((request) => originalOf(interaction)(request) && pattern.test(String((request.json as { content?: string }).content)));
}

async function finalFiles(interaction: Record<string, unknown>): Promise<RecordedRequest> {
  return fake.waitForRequest((request) => originalOf(interaction)(request) && request.files.length === 2);
}

async function expectValidResult(request: RecordedRequest): Promise<void> {
  const [png, gif] = request.files;
  expect(png!.filename).toMatch(/\.png$/);
  expect((await sharp(png!.bytes).metadata()).format).toBe('png');
  const animated = await sharp(gif!.bytes, { animated: true }).metadata();
  expect(animated.format).toBe('gif');
  expect(animated.pages).toBeGreaterThan(1);
}

describe('Discord', () => {
  it('registers commands derived from the definitions', async () => {
    await registerDiscordCommands(harness.env, harness.bot.commands.map((command) => command.definition));
    const put = await fake.waitForRequest((request) => request.method === 'PUT');
    expect(put.path).toBe(`/applications/${APPLICATION_ID}/guilds/${GUILD_ID}/commands`);
    const commands = put.json as { name: string; type: number; options?: { name: string; type: number; required?: boolean; min_value?: number; max_value?: number; autocomplete?: boolean; choices?: unknown[]; options?: { name: string }[] }[] }[];
    expect(commands.map((command) => command.name)).toEqual(['stylize', 'styles', 'queue', 'cancel', 'forget-me', 'settings', 'help', 'style', 'contest', 'Stylize with…', 'Use as style']);
    const stylize = commands[0]!;
    const definition = harness.bot.definition('stylize')!;
    expect(stylize.options!.map((option) => option.name).sort()).toEqual(Object.keys(definition.options).sort());
    expect(stylize.options![0]).toMatchObject({ name: 'content', type: 11, required: true });
    expect(stylize.options!.find((option) => option.name === 'size')).toMatchObject({ type: 4, min_value: 64, max_value: 128 });
    expect(stylize.options!.find((option) => option.name === 'style_name')).toMatchObject({ type: 3, autocomplete: true });
    expect(stylize.options!.find((option) => option.name === 'optimizer')!.choices).toEqual([{ name: 'lbfgs', value: 'lbfgs' }, { name: 'adam', value: 'adam' }]);
    expect(stylize.options!.find((option) => option.name === 'target')!.choices).toEqual(['everything', 'person', 'background'].map((value) => ({ name: value, value })));
    expect(stylize.options!.find((option) => option.name === 'background_style')).toMatchObject({ type: 3, autocomplete: true });
    expect(commands[7]!.options!.map((sub) => sub.name)).toEqual(['add', 'remove', 'train']);
    expect(commands[8]!.options!.map((sub) => sub.name)).toEqual(['start', 'enter', 'withdraw', 'status', 'history', 'end', 'cancel', 'remove']);
    expect(commands.slice(9).map((command) => command.type)).toEqual([3, 3]);
    // Only /settings is for moderators alone (ManageGuild, 1 << 5): the others offer members something.
    const permissions = commands.map((command) => (command as { default_member_permissions?: string }).default_member_permissions);
    expect(Object.fromEntries(commands.map((command, index) => [command.name, permissions[index]]))).toEqual({ ...Object.fromEntries(commands.map((command) => [command.name, undefined])), settings: '32' });
  });

  it('registered for all servers, offers in direct messages only the commands that work there', async () => {
    const { DISCORD_GUILD_ID: _forOneServer, ...everywhere } = harness.env;
    await expect(registerDiscordCommands(everywhere, harness.bot.commands.map((command) => command.definition))).resolves.toMatchObject({ scope: 'all servers (global)' });
    const put = await fake.waitForRequest((request) => request.method === 'PUT' && request.path === `/applications/${APPLICATION_ID}/commands`);
    const contexts = Object.fromEntries((put.json as { name: string; contexts?: number[] }[]).map((command) => [command.name, command.contexts]));
    // 0: in servers; 1: in a direct message with the bot. A contest, the settings and the library are a server's.
    const anywhere = [0, 1];
    expect(contexts).toEqual({ stylize: anywhere, styles: anywhere, queue: anywhere, cancel: anywhere, 'forget-me': anywhere, settings: [0], help: anywhere, style: [0], contest: [0], 'Stylize with…': anywhere, 'Use as style': anywhere });
    // Registered for one server, they are only ever there: Discord takes contexts for global commands alone.
    await registerDiscordCommands(harness.env, harness.bot.commands.map((command) => command.definition));
    const forOneServer = await fake.waitForRequest((request) => request.method === 'PUT' && request.path.includes('/guilds/'));
    expect((forOneServer.json as { contexts?: unknown }[]).every((command) => command.contexts === undefined)).toBe(true);
  });

  it('says where a command asked in a direct message works, when it needs a server (as from an older registration)', async () => {
    const askInDirectMessage = (name: string, options: Record<string, unknown>[] = []) => {
      const interaction = interactionPayload({ type: 2, user: bob, direct: true, data: { id: '800000000000000030', name, type: 1, options } });
      fake.dispatchInteraction(interaction);
      return interaction;
    };
    /** A refusal, said at once in the interaction's callback. */
    const inDirectMessage = (name: string, options: Record<string, unknown>[] = []) =>
      fake.waitForRequest(callbackOf(askInDirectMessage(name, options))).then((request) => (request.json as { data: { content: string; flags?: number } }).data);
    const start = await inDirectMessage('contest', [{ name: 'start', type: 1, options: [{ name: 'title', type: 3, value: 'Frost' }, { name: 'ends', type: 3, value: '2h' }, { name: 'style_name', type: 3, value: 'udnie' }] }]);
    // Not "for moderators only": in a direct message no one is, and the contest would be seen by no one else.
    expect(start).toMatchObject({ content: "/contest start works in a server's channels, where its members can take part, not in a direct message with me.", flags: 64 });
    expect((await inDirectMessage('settings')).content).toBe("/settings works in a server's channels: a direct message with me belongs to no server.");
    expect((await inDirectMessage('style', [{ name: 'add', type: 1, options: [{ name: 'name', type: 3, value: 'frost' }] }])).content).toBe("/style add works in a server's channels: a direct message with me belongs to no server.");
    // /help there lists what works there, and names the rest in one line.
    const help = askInDirectMessage('help');
    const helpText = ((await fake.waitForRequest(originalOf(help))).json as { content: string }).content;
    expect(helpText).toContain("\n/help: How to use the bot\nNot here but in a server's channels: /style add|remove|train, /contest start|enter|withdraw|status|history|end|cancel|remove, /settings.\n");
    expect(helpText).not.toMatch(/^\/contest start:/m);
    // A member's own commands answer there as anywhere.
    const queue = askInDirectMessage('queue');
    expect(((await fake.waitForRequest(originalOf(queue))).json as { content: string }).content).toMatch(/^(The queue is empty|Nothing from here is waiting)/);
  });

  it('registers only what Discord accepts (the fake checks the rules Discord documents)', async () => {
    const long = 'a description far past the hundred characters that Discord allows a command or an option to have, and then some';
    // A description past 100 characters is shortened, and a required option is put first, as Discord requires.
    const probe = { name: 'probe', description: long, options: { later: { type: 'text', description: long, maxLength: 10 }, first: { type: 'image', description: 'a picture', required: true } } } as const;
    await expect(registerDiscordCommands(harness.env, [probe])).resolves.toMatchObject({ count: 3 });
    // What Discord refuses is refused here: a range whose least is above its most, an upper-case name.
    const emptyRange = { name: 'probe', description: 'a probe', options: { size: { type: 'integer', description: 'a size', min: 64, max: 10 } } } as const;
    await expect(registerDiscordCommands(harness.env, [emptyRange])).rejects.toThrow(/Invalid Form Body[\s\S]*min_value 64 is above max_value 10/);
    await expect(registerDiscordCommands(harness.env, [{ ...probe, name: 'Probe' }])).rejects.toThrow(/the name "Probe" must be 1 to 32 lower-case/);
  });

  it('defers at once while the engine is busy, edits progress, and replies with a PNG and a GIF', async () => {
    const busy = await harness.bot.execute('stylize', { content: { bytes: await readFile(sharedImagePath('content_dog.jpg')), name: 'dog.jpg' }, style_name: 'udnie', size: 128, iterations: 20 }, contextFor('someone'));
    await waitForEvent(harness.events, harness.bot, (event) => event.job.id === busy.jobId && event.type === 'progress');
    const interaction = withAttachments(
      alice,
      tubingen(),
      [{ name: 'size', type: 4, value: 64 }, { name: 'iterations', type: 4, value: 4 }],
      attachmentObject(styleUrl, 'starry.jpg', 'image/jpeg', 40_000),
    );
    fake.dispatchInteraction(interaction);
    const deferral = await fake.waitForRequest(callbackOf(interaction));
    expect((deferral.json as { type: number }).type).toBe(5);
    // The acknowledgement came while the engine was still busy with the other job.
    expect(harness.bot.job(busy.jobId!)!.status).toBe('running');
    const queued = await fake.waitForRequest((request) => originalOf(interaction)(request) && /Queued job/.test(String((request.json as { content?: string }).content)));
    expect((queued.json as { content: string }).content).toMatch(/Position 1 in the queue|It starts next/);
    await harness.bot.execute('cancel', { job: busy.jobId! }, contextFor('someone'));

    const progress = await progressEdit(interaction, 4);
    expect((progress.json as { content: string }).content).toMatch(/▰|▱/);
    const final = await finalFiles(interaction);
    await expectValidResult(final);
    const body = final.json as { content: string; components: { components: { custom_id: string; label: string }[] }[] };
    expect(body.content).toMatch(/^Done in \d+ s: style uploaded image · 64×48 · 4 iterations of L-BFGS/);
    expect(body.components[0]!.components.map((button) => button.label)).toEqual(['Less style', 'More style', 'Again with another seed']);

    // "Less style" repaints the same photo a step less like the painting, with the same seed.
    const less = body.components[0]!.components[0]!.custom_id;
    const press = interactionPayload({ type: 3, user: alice, data: { custom_id: less, component_type: 2 }, message: userMessage({ id: '900000000000000002', username: 'impasto' }, []) });
    fake.dispatchInteraction(press);
    const repainted = await finalFiles(press);
    expect((repainted.json as { content: string }).content).toMatch(/strength 3/);
    const [previous, next] = harness.bot.jobsOf('discord', alice.id).slice(0, 2).reverse();
    expect(next!.options).toMatchObject({ strength: 3, seed: previous!.options.seed });
  });

  it('shows the library as a gallery picture, described for screen readers', async () => {
    const styles = interactionPayload({ type: 2, user: bob, data: { id: '800000000000000006', name: 'styles', type: 1 } });
    fake.dispatchInteraction(styles);
    const reply = await fake.waitForRequest((request) => originalOf(styles)(request) && request.files.length === 1);
    expect(reply.files[0]!.filename).toBe('styles.jpg');
    expect((reply.json as { attachments: { description?: string }[] }).attachments).toEqual([expect.objectContaining({ description: "The library's paintings side by side, each labelled with its name." })]);
  });

  it('autocompletes style names and runs a library style', async () => {
    const autocomplete = styleNameTyped('star');
    fake.dispatchInteraction(autocomplete);
    const choices = await fake.waitForRequest(callbackOf(autocomplete));
    expect(choices.json).toMatchObject({ type: 8, data: { choices: [{ name: 'starry-night', value: 'starry-night' }] } });

    const interaction = quickStarryNight();
    fake.dispatchInteraction(interaction);
    const final = await finalFiles(interaction);
    expect((final.json as { content: string }).content).toMatch(/style starry-night/);
  });

  it('marks fast styles in autocomplete, answers one with the network’s picture, and paints it properly from its button', async () => {
    harness.bot.library.setNetwork('great-wave', 'wave');
    const autocomplete = styleNameTyped('wave');
    fake.dispatchInteraction(autocomplete);
    const choices = await fake.waitForRequest(callbackOf(autocomplete));
    expect((choices.json as { data: { choices: { name: string; value: string }[] } }).data.choices[0]).toEqual({ name: 'great-wave · fast', value: 'great-wave' });

    const interaction = withAttachments(alice, tubingen(), [{ name: 'style_name', type: 3, value: 'great-wave' }]);
    fake.dispatchInteraction(interaction);
    const final = await finalFiles(interaction);
    await expectValidResult(final);
    const body = final.json as { content: string; components: { components: { custom_id: string; label: string }[] }[] };
    expect(body.content).toMatch(/style great-wave · 128×96 · one pass of the wave network · strength 10/);
    expect(body.components[0]!.components.map((button) => button.label)).toEqual(['Less style', 'Paint it properly']);

    const properly = body.components[0]!.components[1]!.custom_id;
    const press = interactionPayload({ type: 3, user: alice, data: { custom_id: properly, component_type: 2 }, message: userMessage({ id: '900000000000000003', username: 'impasto' }, []) });
    fake.dispatchInteraction(press);
    const painted = await finalFiles(press);
    await expectValidResult(painted);
    expect((painted.json as { content: string }).content).toMatch(/style great-wave · 128×96 · 20 iterations of L-BFGS · strength 10 · started from the wave network's picture/);
    harness.bot.library.setNetwork('great-wave', undefined);
  });

  it('keeps each server’s styles to itself: autocomplete in another server does not offer them', async () => {
    await harness.bot.library.in(`discord:${GUILD_ID}`).add('guild-only', await decodeImage(await readFile(sharedImagePath('style_udnie.jpg'))), 'discord:mod');
    const offeredIn = async (guildId?: string) => {
      const typed = styleNameTyped('', guildId);
      fake.dispatchInteraction(typed);
      return ((await fake.waitForRequest(callbackOf(typed))).json as { data: { choices: { value: string }[] } }).data.choices.map((choice) => choice.value);
    };
    expect(await offeredIn()).toContain('guild-only');
    const offered = await offeredIn('300000000000000099');
    expect(offered).not.toContain('guild-only');
    // The shared paintings are offered everywhere.
    expect(offered).toContain('starry-night');
  });

  it('posts results behind a spoiler where the server’s moderators asked for it', async () => {
    const moderator = contextFor('mod', { platform: 'discord', community: `discord:${GUILD_ID}`, isModerator: true });
    await harness.bot.execute('settings', { spoiler_results: true }, moderator);
    try {
      const interaction = quickStarryNight();
      fake.dispatchInteraction(interaction);
      const final = await finalFiles(interaction);
      expect(final.files.map((file) => file.filename)).toEqual([expect.stringMatching(/^SPOILER_impasto-.*\.png$/), expect.stringMatching(/^SPOILER_impasto-.*\.gif$/)]);
    } finally {
      await harness.bot.execute('settings', { spoiler_results: false }, moderator);
    }
  });

  it('stylizes an image someone posted, from the message context menu', async () => {
    const posted = userMessage(bob, [tubingen()]);
    const menu = interactionPayload({
      type: 2,
      user: alice,
      data: { id: '800000000000000009', name: 'Stylize with…', type: 3, target_id: posted.id, resolved: { messages: { [posted.id]: posted } } },
    });
    fake.dispatchInteraction(menu);
    const picker = await fake.waitForRequest(callbackOf(menu));
    const data = (picker.json as { type: number; data: { flags: number; components: { components: { custom_id: string; options: { value: string }[] }[] }[] } }).data;
    expect((picker.json as { type: number }).type).toBe(4);
    expect(data.flags & 64).toBe(64); // ephemeral
    const select = data.components[0]!.components[0]!;
    expect(select.options.map((option) => option.value)).toContain('the-scream');
    expect(select.options.at(-1)!.value).toBe('__other__');

    const choose = styleChosen(select.custom_id, 'the-scream', '900000000000000001');
    fake.dispatchInteraction(choose);
    const followUp = await fake.waitForRequest((request) => request.method === 'POST' && request.path === `/webhooks/${APPLICATION_ID}/${tokenOf(choose)}`);
    expect((followUp.json as { content: string }).content).toBe('Fetching the images…');
    const final = await fake.waitForRequest((request) => request.method === 'PATCH' && request.path.startsWith(`/webhooks/${APPLICATION_ID}/${tokenOf(choose)}/messages/`) && request.files.length === 2);
    expect((final.json as { content: string }).content).toMatch(/style the-scream/);
    await expectValidResult(final);

    // Bob's photo: he may take the picture down; someone else may not.
    const job = harness.bot.jobsOf('discord', alice.id)[0]!;
    expect(job.photoOwner).toBe(bob.id);
    const buttons = (final.json as { components: { components: { custom_id: string; label: string }[] }[] }).components[0]!.components;
    const remove = buttons.find((button) => button.label === 'Remove')!.custom_id;
    const pressBy = (user: typeof alice) => interactionPayload({ type: 3, user, data: { custom_id: remove, component_type: 2 }, message: userMessage({ id: '900000000000000004', username: 'impasto' }, []) });
    const byCarol = pressBy({ id: '100000000000000003', username: 'carol' });
    fake.dispatchInteraction(byCarol);
    const refused = (await fake.waitForRequest(callbackOf(byCarol))).json as { type: number; data: { content: string; flags: number } };
    expect(refused).toMatchObject({ type: 4, data: { content: expect.stringMatching(/^Only the person whose photo this is/), flags: 64 } });
    expect(harness.bot.job(job.id)).toBeDefined();

    const byBob = pressBy(bob);
    fake.dispatchInteraction(byBob);
    const removed = (await fake.waitForRequest(callbackOf(byBob))).json as { type: number; data: { content: string; attachments: unknown[]; components: unknown[] } };
    expect(removed).toMatchObject({ type: 7, data: { content: expect.stringMatching(/removed at the request of the photo’s owner/), attachments: [], components: [] } });
    expect(harness.bot.job(job.id)).toBeUndefined();
    for (const path of [job.contentPath, job.result!.pngPath, job.result!.gifPath]) expect(existsSync(path)).toBe(false);
  });

  it('asks which picture of a message with several to paint, and paints the one chosen', async () => {
    const dogUrl = fake.addCdnFile('dog.jpg', await readFile(sharedImagePath('content_dog.jpg')), 'image/jpeg');
    const posted = userMessage(bob, [tubingen(), attachmentObject(dogUrl, 'dog.jpg', 'image/jpeg', 60_000)]);
    const menu = interactionPayload({ type: 2, user: alice, data: { id: '800000000000000009', name: 'Stylize with…', type: 3, target_id: posted.id, resolved: { messages: { [posted.id]: posted } } } });
    fake.dispatchInteraction(menu);
    type Prompt = { type: number; data: { content: string; components: { components: { custom_id: string; options: { label: string; value: string; default?: boolean }[] }[] }[] } };
    const prompt = (await fake.waitForRequest(callbackOf(menu))).json as Prompt;
    expect(prompt.data.content).toMatch(/^Paint \*\*tubingen\.jpg\*\* \(picture 1 of 2; another in the first menu\) in which style\?/);
    const pictures = prompt.data.components[0]!.components[0]!;
    expect(pictures.custom_id).toMatch(/^impasto:picture:/);
    expect(pictures.options.map(({ label, default: selected }) => [label, selected])).toEqual([['1. tubingen.jpg', true], ['2. dog.jpg', false]]);
    expect(prompt.data.components[1]!.components[0]!.options.map((option) => option.value)).toContain('the-scream');

    const second = styleChosen(pictures.custom_id, '1', '900000000000000013');
    fake.dispatchInteraction(second);
    const updated = (await fake.waitForRequest(callbackOf(second))).json as Prompt;
    expect(updated.type).toBe(7);
    expect(updated.data.content).toMatch(/^Paint \*\*dog\.jpg\*\* \(picture 2 of 2;/);
    expect(updated.data.components[0]!.components[0]!.options.map((option) => option.default)).toEqual([false, true]);

    const fetchesBefore = fake.cdnFetches.length;
    const choose = styleChosen(updated.data.components[1]!.components[0]!.custom_id, 'the-scream', '900000000000000013');
    fake.dispatchInteraction(choose);
    const final = await fake.waitForRequest((request) => request.method === 'PATCH' && request.path.startsWith(`/webhooks/${APPLICATION_ID}/${tokenOf(choose)}/messages/`) && request.files.length === 2);
    await expectValidResult(final);
    // The dog was fetched and painted, not the message's first picture.
    expect(fake.cdnFetches.slice(fetchesBefore)).toEqual([new URL(dogUrl).pathname]);
    const job = harness.bot.jobsOf('discord', alice.id)[0]!;
    expect(job.photoOwner).toBe(bob.id);
  });

  it('asks which picture of a message with several to keep with Use as style, and saves the one chosen', async () => {
    const erin = { id: '100000000000000005', username: 'erin' };
    const paintingUrl = fake.addCdnFile('starry.jpg', await readFile(sharedImagePath('style_starry_night.jpg')), 'image/jpeg');
    const posted = userMessage(bob, [tubingen(), attachmentObject(paintingUrl, 'starry.jpg', 'image/jpeg', 60_000)]);
    const menu = interactionPayload({ type: 2, user: erin, data: { id: '800000000000000010', name: 'Use as style', type: 3, target_id: posted.id, resolved: { messages: { [posted.id]: posted } } } });
    fake.dispatchInteraction(menu);
    const prompt = (await fake.waitForRequest(callbackOf(menu))).json as { type: number; data: { content: string; flags: number; components: { components: { custom_id: string; options: { label: string; value: string }[] }[] }[] } };
    expect(prompt).toMatchObject({ type: 4, data: { content: "Which of the message's 2 pictures as your style?", flags: 64 } });
    const select = prompt.data.components[0]!.components[0]!;
    expect(select.options.map((option) => option.label)).toEqual(['1. tubingen.jpg', '2. starry.jpg']);
    // Nothing is fetched or saved before the member chooses.
    expect(harness.bot.savedStyles.find({ platform: 'discord', userId: erin.id })).toBeUndefined();

    const fetchesBefore = fake.cdnFetches.length;
    const choose = interactionPayload({ type: 3, user: erin, data: { custom_id: select.custom_id, component_type: 3, values: ['1'] }, message: { ...userMessage({ id: '900000000000000015', username: 'impasto' }, []), flags: 64 } });
    fake.dispatchInteraction(choose);
    expect((await fake.waitForRequest(callbackOf(choose))).json).toMatchObject({ type: 7, data: { content: 'Saving starry.jpg…', components: [] } });
    const saved = await fake.waitForRequest((request) => request.method === 'PATCH' && request.path === `/webhooks/${APPLICATION_ID}/${tokenOf(choose)}/messages/@original`);
    expect((saved.json as { content: string }).content).toMatch(/^Saved starry\.jpg as your style/);
    expect(harness.bot.savedStyles.find({ platform: 'discord', userId: erin.id })?.name).toBe('starry.jpg');
    expect(fake.cdnFetches.slice(fetchesBefore)).toEqual([new URL(paintingUrl).pathname]);
    // Gone again: a later test counts the saved styles on disk.
    await harness.bot.savedStyles.forget({ platform: 'discord', userId: erin.id });
  });

  it('says a Stylize with… prompt answered after its time has expired, in place of its menus, painting nothing', async () => {
    const posted = userMessage(bob, [tubingen(), attachmentObject(photoUrl, 'again.jpg', 'image/jpeg', 40_000)]);
    const menu = interactionPayload({ type: 2, user: alice, data: { id: '800000000000000009', name: 'Stylize with…', type: 3, target_id: posted.id, resolved: { messages: { [posted.id]: posted } } } });
    fake.dispatchInteraction(menu);
    const prompt = (await fake.waitForRequest(callbackOf(menu))).json as { data: { components: { components: { custom_id: string }[] }[] } };
    const [pictureMenu, styleMenu] = prompt.data.components.map((row) => row.components[0]!.custom_id);
    const jobs = harness.bot.jobsOf('discord', alice.id).length;
    clockOffset = 16 * 60_000;
    try {
      for (const [customId, value] of [[pictureMenu!, '1'], [styleMenu!, 'the-scream']] as const) {
        const late = styleChosen(customId, value, '900000000000000014');
        fake.dispatchInteraction(late);
        const answer = (await fake.waitForRequest(callbackOf(late))).json as { type: number; data: { content: string; components: unknown[] } };
        expect(answer).toEqual({ type: 7, data: expect.objectContaining({ content: 'This choice has expired; use Stylize with… again.', components: [] }) });
      }
    } finally {
      clockOffset = 0;
    }
    expect(harness.bot.jobsOf('discord', alice.id)).toHaveLength(jobs);
  });

  it('answers in place of the style menu when the style chosen has gone since, fetching nothing', async () => {
    const photo = userMessage(bob, [tubingen()]);
    const menu = interactionPayload({ type: 2, user: alice, data: { id: '800000000000000009', name: 'Stylize with…', type: 3, target_id: photo.id, resolved: { messages: { [photo.id]: photo } } } });
    fake.dispatchInteraction(menu);
    const picker = (await fake.waitForRequest(callbackOf(menu))).json as { data: { components: { components: { custom_id: string }[] }[] } };
    const fetchesBefore = fake.cdnFetches.length;
    // A menu opened before a moderator removed the style it offers.
    const choose = styleChosen(picker.data.components[0]!.components[0]!.custom_id, 'removed-since', '900000000000000012');
    fake.dispatchInteraction(choose);
    const answer = (await fake.waitForRequest(callbackOf(choose))).json as { type: number; data: { content: string; components: unknown[] } };
    expect(answer).toMatchObject({ type: 7, data: { content: expect.stringMatching(/^There is no style "removed-since"\./), components: [] } });
    expect(fake.cdnFetches.length).toBe(fetchesBefore);
    expect(fake.requests.some((request) => request.path === `/webhooks/${APPLICATION_ID}/${tokenOf(choose)}`)).toBe(false);
  });

  it('refuses a picture over the upload limit by the size Discord gave, when Stylize with… opens or its picture is chosen, fetching nothing', async () => {
    const huge = attachmentObject(photoUrl, 'huge.jpg', 'image/jpeg', 30 * 1024 * 1024);
    const tooLarge = `The content image is 30 MB; the limit is ${harness.env.IMPASTO_MAX_UPLOAD_MB} MB.`;
    const fetchesBefore = fake.cdnFetches.length;
    const stylizeWith = (message: ReturnType<typeof userMessage>) => interactionPayload({ type: 2, user: alice, data: { id: '800000000000000009', name: 'Stylize with…', type: 3, target_id: message.id, resolved: { messages: { [message.id]: message } } } });
    // Its only picture: said at once, no style asked for.
    const alone = stylizeWith(userMessage(bob, [huge]));
    fake.dispatchInteraction(alone);
    expect((await fake.waitForRequest(callbackOf(alone))).json).toMatchObject({ type: 4, data: { content: tooLarge, flags: 64 } });

    // One of two: said in place of the menus once a style is chosen for it.
    const menu = stylizeWith(userMessage(bob, [huge, attachmentObject(photoUrl, 'small.jpg', 'image/jpeg', 40_000)]));
    fake.dispatchInteraction(menu);
    const picker = (await fake.waitForRequest(callbackOf(menu))).json as { data: { components: { components: { custom_id: string }[] }[] } };
    const styleMenu = picker.data.components.flatMap((row) => row.components).find((component) => component.custom_id.startsWith('impasto:pick:'))!;
    const choose = styleChosen(styleMenu.custom_id, 'starry-night', '900000000000000013');
    fake.dispatchInteraction(choose);
    const answer = (await fake.waitForRequest(callbackOf(choose))).json as { type: number; data: { content: string; components: unknown[] } };
    expect(answer).toMatchObject({ type: 7, data: { content: tooLarge, components: [] } });
    expect(fake.cdnFetches.length).toBe(fetchesBefore);
  });

  it('offers every style of a long library in "Stylize with…", in menus of 25 labelled by the names they run between', async () => {
    const crowded = '900000000000000078';
    const styles = harness.bot.library.in(`discord:${crowded}`);
    const swatch = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(90) };
    for (let i = 0; i < 60; i++) await styles.add(`swatch-${String(i).padStart(2, '0')}`, swatch, 'discord:mod');
    const names = styles.list().map((style) => style.name);
    const photo = userMessage(bob, [tubingen()]);
    const menu = interactionPayload({ type: 2, user: alice, guildId: crowded, data: { id: '800000000000000009', name: 'Stylize with…', type: 3, target_id: photo.id, resolved: { messages: { [photo.id]: photo } } } });
    fake.dispatchInteraction(menu);
    const picker = (await fake.waitForRequest(callbackOf(menu))).json as { data: { content: string; components: { components: { custom_id: string; placeholder: string; options: { value: string }[] }[] }[] } };
    const selects = picker.data.components.map((row) => row.components[0]!);
    expect(selects).toHaveLength(Math.ceil((names.length + 1) / 25));
    expect(selects.flatMap((select) => select.options.map((option) => option.value))).toEqual([...names, '__other__']);
    expect(selects.every((select) => select.options.length <= 25)).toBe(true);
    expect(new Set(selects.map((select) => select.custom_id)).size).toBe(selects.length);
    expect(selects[1]!.placeholder).toBe(`Styles ${names[25]} to ${names[49]}`);
    expect(picker.data.content).toBe('Paint **tubingen.jpg** in which style?');
    // A choice from the last menu belongs to the same pick: here a style removed since, refused in place of the menus.
    await styles.remove('swatch-59');
    const choose = styleChosen(selects.at(-1)!.custom_id, 'swatch-59', '900000000000000013', crowded);
    fake.dispatchInteraction(choose);
    const answer = (await fake.waitForRequest(callbackOf(choose))).json as { type: number; data: { content: string } };
    expect(answer).toMatchObject({ type: 7, data: { content: expect.stringMatching(/^There is no style "swatch-59"\. Did you mean "swatch-\d\d"/) } });
  });

  it('turns the pages of a long gallery with ◀ and ▶ in the message’s place, and runs nothing else from such a button', async () => {
    const paged = '900000000000000079';
    const styles = harness.bot.library.in(`discord:${paged}`);
    const swatch = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(150) };
    for (let i = 0; i < 30; i++) await styles.add(`swatch-${String(i).padStart(2, '0')}`, swatch, 'discord:mod');
    const count = Math.ceil(styles.list().length / 24);
    type Shown = { content: string; components: { components: { custom_id: string; label: string }[] }[] };
    const asked = interactionPayload({ type: 2, user: alice, guildId: paged, data: { id: '800000000000000006', name: 'styles', type: 1 } });
    fake.dispatchInteraction(asked);
    const first = await fake.waitForRequest(originalOf(asked));
    expect(first.files).toHaveLength(1);
    const firstButtons = (first.json as Shown).components[0]!.components;
    expect(firstButtons.map((button) => [button.label, button.custom_id])).toEqual([['Page 2 ▶', 'impasto:page:styles?page=2']]);
    // Bob turns the page: the message shows page 2, with the way back.
    const press = (customId: string, user = bob) => interactionPayload({ type: 3, user, guildId: paged, data: { custom_id: customId, component_type: 2 }, message: userMessage({ id: '900000000000000014', username: 'impasto' }, []) });
    const next = press(firstButtons[0]!.custom_id);
    fake.dispatchInteraction(next);
    // Acknowledged at once (a page may take longer to draw than Discord waits), then the message edited.
    expect(((await fake.waitForRequest(callbackOf(next))).json as { type: number }).type).toBe(6);
    const second = await fake.waitForRequest(originalOf(next));
    const page2 = second.json as Shown;
    expect(page2.content).toMatch(new RegExp(`^\\d+ styles, page 2 of ${count}: `));
    expect(page2.components[0]!.components[0]!.label).toBe('◀ Page 1');
    expect(second.files).toHaveLength(1);
    // A button naming another command (one Discord would not send: the bot made no such button) runs nothing.
    const jobsBefore = harness.bot.jobsOf('discord', alice.id).length;
    const forged = press('impasto:page:forget-me?confirm=true', alice);
    fake.dispatchInteraction(forged);
    const refused = (await fake.waitForRequest(callbackOf(forged))).json as { type: number; data: { content: string; flags: number } };
    expect(refused).toMatchObject({ type: 4, data: { content: 'This button is from an older version of the bot and does nothing now.', flags: 64 } });
    expect(harness.bot.jobsOf('discord', alice.id).length).toBe(jobsBefore);
    // A page gone since (the library shrank) is said to the presser alone.
    // A search whose id would pass Discord's 100 characters gets no buttons (its text says how to go on), and no error.
    expect(pageRows({ command: 'styles', options: { search: 'ü'.repeat(50) }, current: 1, count: 2 })).toEqual([]);
    expect(pageRows({ command: 'styles', options: { search: 'wave' }, current: 2, count: 3 })[0]!.toJSON().components.map((button) => ('custom_id' in button ? button.custom_id : ''))).toEqual(['impasto:page:styles?search=wave&page=1', 'impasto:page:styles?search=wave&page=3']);
    const gone = press(`impasto:page:styles?page=${count + 1}`);
    fake.dispatchInteraction(gone);
    const told = await fake.waitForRequest((request) => request.method === 'POST' && request.path === `/webhooks/${APPLICATION_ID}/${tokenOf(gone)}`);
    expect(told.json).toMatchObject({ content: `The gallery has ${count} pages: page ${count + 1} is past its end.`, flags: 64 });
    expect(fake.requests.some(originalOf(gone))).toBe(false);
  });

  it('stylizes the picture of a forwarded message, which Discord carries in the forward’s snapshot', async () => {
    // A forward has no attachments of its own: the original's are in message_snapshots.
    const original = userMessage(alice, [tubingen()]);
    const forward = {
      ...userMessage(bob, []),
      message_reference: { type: 1, channel_id: '300000000000000099', message_id: original.id, guild_id: GUILD_ID },
      message_snapshots: [{ message: { type: 0, content: '', attachments: original.attachments, embeds: [], timestamp: original.timestamp, edited_timestamp: null, flags: 0, mentions: [], mention_roles: [], components: [] } }],
    };
    const menu = interactionPayload({ type: 2, user: alice, data: { id: '800000000000000009', name: 'Stylize with…', type: 3, target_id: forward.id, resolved: { messages: { [forward.id]: forward } } } });
    fake.dispatchInteraction(menu);
    const picker = (await fake.waitForRequest(callbackOf(menu))).json as { data: { content: string; components: { components: { custom_id: string }[] }[] } };
    expect(picker.data.content).toBe('Paint **tubingen.jpg** in which style?');
    const choose = styleChosen(picker.data.components[0]!.components[0]!.custom_id, 'the-scream', '900000000000000011');
    fake.dispatchInteraction(choose);
    const final = await fake.waitForRequest((request) => request.method === 'PATCH' && request.path.startsWith(`/webhooks/${APPLICATION_ID}/${tokenOf(choose)}/messages/`) && request.files.length === 2);
    expect((final.json as { content: string }).content).toMatch(/style the-scream/);
    await expectValidResult(final);
  });

  it('paints a picture replied to with "@impasto the-scream", in a reply of its own that the job edits', async () => {
    harness.bot.library.setNetwork('the-scream', 'scream');
    const botUser = { id: BOT_USER.id, username: BOT_USER.username, discriminator: '0', avatar: null, global_name: null, bot: true };
    const mentionOf = (author: typeof alice, content: string, extra: Record<string, unknown> = {}) => ({ ...userMessage(author, []), content, mentions: [botUser], ...extra });
    const photo = userMessage(bob, [tubingen()]);
    fake.postMessage(photo);
    // Options follow the style as in Slack's /stylize.
    const mention = mentionOf(alice, `<@${BOT_USER.id}> the-scream size=64`, { type: 19, message_reference: { type: 0, channel_id: CHANNEL_ID, message_id: photo.id, guild_id: GUILD_ID } });
    fake.postMessage(mention);
    const answered = await fake.waitForRequest((request) => request.method === 'POST' && request.path === `/channels/${CHANNEL_ID}/messages` && (request.json as { message_reference?: { message_id?: string } }).message_reference?.message_id === mention.id);
    expect((answered.json as { content: string; allowed_mentions: unknown }).content).toBe('Fetching the picture…');
    const final = await fake.waitForRequest((request) => request.method === 'PATCH' && request.path.startsWith(`/channels/${CHANNEL_ID}/messages/`) && request.files.length === 2);
    expect((final.json as { content: string }).content).toMatch(/style the-scream · 64×48 · one pass of the scream network/);
    await expectValidResult(final);
    // Each file is described (its alt text, for screen readers).
    expect((final.json as { attachments: { description?: string }[] }).attachments.map((attachment) => attachment.description)).toEqual([
      'The photo, painted in the style of the-scream.',
      'The photo wiped into its painting in the style of the-scream.',
    ]);
    // Bob's photo: the result offers him its removal.
    const buttons = (final.json as { components: { components: { label: string }[] }[] }).components[0]!.components.map((button) => button.label);
    expect(buttons).toContain('Remove');

    // An option it cannot take, or a style it does not have, is named in the bot's reply before the
    // picture is fetched (no "Fetching the picture…", no download), and nothing is queued.
    const jobsBefore = harness.bot.jobsOf('discord', alice.id).length;
    const fetchesBefore = fake.cdnFetches.length;
    for (const [words, said] of [
      ['the-scream size=huge', /^size must be a whole number from 64 to \d+\.$/],
      ['the-screem', /^There is no style "the-screem"\. Did you mean "the-scream"/],
    ] as const) {
      const refusedMention = mentionOf(alice, `<@${BOT_USER.id}> ${words}`, { type: 19, message_reference: { type: 0, channel_id: CHANNEL_ID, message_id: photo.id, guild_id: GUILD_ID } });
      fake.postMessage(refusedMention);
      const refused = await fake.waitForRequest((request) => request.method === 'POST' && (request.json as { message_reference?: { message_id?: string } }).message_reference?.message_id === refusedMention.id);
      expect((refused.json as { content: string }).content).toMatch(said);
    }
    expect(fake.cdnFetches.length).toBe(fetchesBefore);
    expect(harness.bot.jobsOf('discord', alice.id)).toHaveLength(jobsBefore);

    // A mention with no picture in reach says how to ask; one on a message replying to the bot's own is no mention.
    const lonely = mentionOf(alice, `<@${BOT_USER.id}> the-scream`);
    fake.postMessage(lonely);
    const hint = await fake.waitForRequest((request) => request.method === 'POST' && (request.json as { message_reference?: { message_id?: string } }).message_reference?.message_id === lonely.id);
    expect((hint.json as { content: string }).content).toBe('Reply to a picture with @impasto and a style (@impasto starry-night; see /styles), or attach one to the mention.');
    const before = fake.requests.length;
    const thanks = { ...userMessage(alice, []), content: 'thanks!', mentions: [botUser], type: 19, message_reference: { type: 0, channel_id: CHANNEL_ID, message_id: photo.id, guild_id: GUILD_ID }, referenced_message: { ...userMessage(BOT_USER, []), id: photo.id } };
    fake.postMessage(thanks);
    const marker = mentionOf(alice, `<@${BOT_USER.id}>`);
    fake.postMessage(marker);
    await fake.waitForRequest((request) => request.method === 'POST' && (request.json as { message_reference?: { message_id?: string } }).message_reference?.message_id === marker.id);
    expect(fake.requests.slice(before).some((request) => (request.json as { message_reference?: { message_id?: string } } | undefined)?.message_reference?.message_id === thanks.id)).toBe(false);

    // Where the bot may not attach files, it says so at once instead of painting.
    const channel = { id: CHANNEL_ID, type: 0, guild_id: GUILD_ID, name: 'general', position: 0, nsfw: false, parent_id: null };
    fake.dispatchRaw('CHANNEL_UPDATE', { ...channel, permission_overwrites: [{ id: BOT_USER.id, type: 1, allow: '0', deny: PERMISSIONS.attachFiles.toString() }] });
    try {
      const denied = mentionOf(alice, `<@${BOT_USER.id}> the-scream`, { type: 19, message_reference: { type: 0, channel_id: CHANNEL_ID, message_id: photo.id, guild_id: GUILD_ID } });
      fake.postMessage(denied);
      const refused = await fake.waitForRequest((request) => request.method === 'POST' && (request.json as { message_reference?: { message_id?: string } }).message_reference?.message_id === denied.id);
      expect((refused.json as { content: string }).content).toBe("I can't post images in this channel: I'm missing the Attach Files permission. Ask a moderator to grant it, or use me in another channel.");
    } finally {
      fake.dispatchRaw('CHANNEL_UPDATE', { ...channel, permission_overwrites: [] });
    }
  });

  it('paints a picture sent to it in a direct message, no mention needed; says how to ask otherwise', async () => {
    const carol = { id: '100000000000000003', username: 'carol' };
    const answerTo = (message: Record<string, unknown>) => (request: RecordedRequest) =>
      request.method === 'POST' && request.path === `/channels/${message.channel_id as string}/messages` && (request.json as { message_reference?: { message_id?: string } }).message_reference?.message_id === message.id;
    // A picture with a style name and an option: painted, in a reply the job edits.
    const sent = fake.postDirectMessage(carol, { ...userMessage(carol, [tubingen()]), content: 'the-scream size=64' });
    expect((await fake.waitForRequest(answerTo(sent))).json).toMatchObject({ content: 'Fetching the picture…' });
    const final = await fake.waitForRequest((request) => request.method === 'PATCH' && request.path.startsWith(`/channels/${sent.channel_id as string}/messages/`) && request.files.length === 2);
    expect((final.json as { content: string }).content).toMatch(/style the-scream · 64×48 · one pass of the scream network/);
    await expectValidResult(final);
    // The job is Carol's, in a community of her own.
    expect(harness.bot.jobsOf('discord', carol.id)[0]).toMatchObject({ requester: { community: `discord:dm-${carol.id}` } });

    // A forwarded picture carries no text: with no saved style, she is asked which, in this conversation's words.
    const forward = fake.postDirectMessage(carol, {
      ...userMessage(carol, []),
      message_reference: { type: 1, channel_id: CHANNEL_ID, message_id: '300000000000000098', guild_id: GUILD_ID },
      message_snapshots: [{ message: { type: 0, content: '', attachments: [tubingen()], embeds: [], timestamp: new Date().toISOString(), edited_timestamp: null, flags: 0, mentions: [], mention_roles: [], components: [] } }],
    });
    expect((await fake.waitForRequest(answerTo(forward))).json).toMatchObject({ content: 'Which style? Write a style name with the picture, e.g. starry-night (see /styles), or save a painting with Use as style (on its message) to be painted with it by default.' });
    // Words alone: how to send one.
    const words = fake.postDirectMessage(carol, { ...userMessage(carol, []), content: 'hello' });
    expect((await fake.waitForRequest(answerTo(words))).json).toMatchObject({ content: 'Send me a picture with a style name (starry-night; see /styles), or forward one to me, or reply to a picture here with a style name. /help says all I can do.' });
  });

  it('paints each picture of a direct message with several, each in a reply of its own; a refused request says the rest were not painted', async () => {
    const dan = { id: '100000000000000004', username: 'dan' };
    const dogUrl = fake.addCdnFile('dog.jpg', await readFile(sharedImagePath('content_dog.jpg')), 'image/jpeg');
    const answersTo = (message: Record<string, unknown>) => (request: RecordedRequest) =>
      request.method === 'POST' && request.path === `/channels/${message.channel_id as string}/messages` && (request.json as { message_reference?: { message_id?: string } }).message_reference?.message_id === message.id;
    const two = [tubingen(), attachmentObject(dogUrl, 'dog.jpg', 'image/jpeg', 60_000)];
    const fetchesBefore = fake.cdnFetches.length;
    const sent = fake.postDirectMessage(dan, { ...userMessage(dan, two), content: 'the-scream size=64' });
    // Two jobs, one per picture, each answered in its own reply, both pictures fetched.
    await vi.waitFor(() => expect(harness.bot.jobsOf('discord', dan.id)).toHaveLength(2), { timeout: 60_000 });
    expect(fake.requests.filter(answersTo(sent)).map((request) => (request.json as { content: string }).content)).toEqual(['Fetching the picture…', 'Fetching the picture…']);
    expect(new Set(fake.cdnFetches.slice(fetchesBefore))).toEqual(new Set([new URL(photoUrl).pathname, new URL(dogUrl).pathname]));
    // Both replies end with their pictures (the second test below must not see them arrive).
    const finals = (request: RecordedRequest) => request.method === 'PATCH' && request.path.startsWith(`/channels/${sent.channel_id as string}/messages/`) && request.files.length === 2;
    await vi.waitFor(() => expect(new Set(fake.requests.filter(finals).map((request) => request.path)).size).toBe(2), { timeout: 120_000 });

    // The request itself refused (a size past the largest): said once, with the picture left after it.
    const refused = fake.postDirectMessage(dan, { ...userMessage(dan, two), content: 'the-scream size=99999' });
    const answer = await fake.waitForRequest(answersTo(refused));
    expect((answer.json as { content: string }).content).toMatch(/size.*\(The 1 picture after it in that message was not painted either\.\)$/s);
    expect(fake.requests.filter(answersTo(refused))).toHaveLength(1);
    expect(fake.cdnFetches.length).toBe(fetchesBefore + 2);
    expect(harness.bot.jobsOf('discord', dan.id)).toHaveLength(2);
  });

  it('says privately why a picture shown from a link (a Tenor GIF) is not taken, and fetches nothing', async () => {
    const gifLink = { ...userMessage(bob, []), content: 'https://tenor.com/view/dancing-cat-123', embeds: [{ type: 'gifv', url: 'https://tenor.com/view/dancing-cat-123', provider: { name: 'Tenor', url: 'https://tenor.co' }, thumbnail: { url: 'https://media.tenor.com/abc/cat.png', width: 498, height: 280 }, video: { url: 'https://media.tenor.com/abc/cat.mp4', width: 498, height: 280 } }] };
    const plain = { ...userMessage(bob, []), content: 'no picture here' };
    const requestsBefore = fake.requests.length;
    const fetchesBefore = fake.cdnFetches.length;
    for (const [posted, said] of [
      [gifLink, 'That message has no image attached. The picture it shows is a link to tenor.com, and I only paint files attached to a message: save it and attach it.'],
      [plain, 'That message has no image attached.'],
    ] as const) {
      const menu = interactionPayload({ type: 2, user: alice, data: { id: '800000000000000009', name: 'Stylize with…', type: 3, target_id: posted.id, resolved: { messages: { [posted.id]: posted } } } });
      fake.dispatchInteraction(menu);
      const answer = (await fake.waitForRequest(callbackOf(menu))).json as { type: number; data: { content: string; flags: number } };
      expect(answer).toMatchObject({ type: 4, data: { content: said, flags: 64 } });
    }
    // Nothing but the two answers reached the fake: no fetch of the link from anywhere.
    expect(fake.requests.slice(requestsBefore).every((request) => request.path.startsWith('/interactions/'))).toBe(true);
    expect(fake.cdnFetches.length).toBe(fetchesBefore);
  });

  it('paints only the person when target is person, and says so', async () => {
    harness.bot.library.setNetwork('the-scream', 'scream');
    const interaction = withAttachments(alice, attachmentObject(personUrl, 'person.jpg', 'image/jpeg', 40_000), [
      { name: 'style_name', type: 3, value: 'the-scream' },
      { name: 'target', type: 3, value: 'person' },
      { name: 'size', type: 4, value: 128 },
    ]);
    fake.dispatchInteraction(interaction);
    const final = await finalFiles(interaction);
    expect((final.json as { content: string }).content).toMatch(/style the-scream · 128×85 · one pass of the scream network · strength 10 · the person only/);
    await expectValidResult(final);
  });

  it('paints an animated GIF frame by frame and answers with the animation', async () => {
    harness.bot.library.setNetwork('the-scream', 'scream');
    const clip = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 5, width: 96, height: 72 });
    const gifUrl = fake.addCdnFile('street.gif', await encodeGif(clip.frames, { delaysMs: [100, 100, 100, 100, 300], maxSide: 96 }), 'image/gif');
    const interaction = withAttachments(alice, attachmentObject(gifUrl, 'street.gif', 'image/gif', 40_000), [{ name: 'style_name', type: 3, value: 'the-scream' }]);
    fake.dispatchInteraction(interaction);
    const final = await finalFiles(interaction);
    expect((final.json as { content: string }).content).toMatch(/style the-scream · 96×72 · one pass of the scream network · strength 10 · 5 frames/);
    const animation = await sharp(final.files.find((file) => file.filename.endsWith('.gif'))!.bytes, { animated: true }).metadata();
    expect(animation.pages).toBe(5);
    expect(animation.delay).toEqual([100, 100, 100, 100, 300]);
  });

  it('paints a video attached to /stylize, answering with an MP4 (not refused early as "not an image")', async () => {
    const clip = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 4, width: 96, height: 72 });
    const videoUrl = fake.addCdnFile('street.mp4', await encodeMp4(clip.frames, clip.frames.map(() => 100)), 'video/mp4');
    const interaction = withAttachments(alice, attachmentObject(videoUrl, 'street.mp4', 'video/mp4', 40_000), [{ name: 'style_name', type: 3, value: 'the-scream' }]);
    fake.dispatchInteraction(interaction);
    const final = await fake.waitForRequest((request) => originalOf(interaction)(request) && request.files.length >= 2);
    expect(final.files.map((file) => file.filename.split('.').pop())).toEqual(['png', 'gif', 'mp4']);
  });

  it('keeps a saved style over a restart and after its link expires, paints with it, and forgets it with /forget-me', async () => {
    // A link of its own, so that expiring it leaves the other tests' starry.jpg alone.
    const savedUrl = fake.addCdnFile('starry.jpg', await readFile(sharedImagePath('style_starry_night.jpg')), 'image/jpeg');
    const posted = userMessage(bob, [attachmentObject(savedUrl, 'starry.jpg', 'image/jpeg', 40_000)]);
    const remember = interactionPayload({ type: 2, user: alice, data: { id: '800000000000000010', name: 'Use as style', type: 3, target_id: posted.id, resolved: { messages: { [posted.id]: posted } } } });
    fake.dispatchInteraction(remember);
    expect((await fake.waitForRequest(callbackOf(remember))).json).toMatchObject({ type: 5, data: { flags: 64 } });
    const saved = await fake.waitForRequest(originalOf(remember));
    expect((saved.json as { content: string }).content).toMatch(/^Saved starry\.jpg as your style/);
    // /stylize's style name offers it first while what is typed could be its name.
    for (const [typed, first] of [['my', 'my-style'], ['', 'my-style'], ['star', 'starry-night']] as const) {
      const autocomplete = styleNameTyped(typed);
      fake.dispatchInteraction(autocomplete);
      const choices = ((await fake.waitForRequest(callbackOf(autocomplete))).json as { data: { choices: { name: string; value: string }[] } }).data.choices;
      expect(choices[0]!.value).toBe(first);
      if (first === 'my-style') expect(choices[0]!.name).toBe('my-style · Your saved style (starry.jpg)');
    }

    // The bot restarts, and Discord's link to the painting no longer answers.
    fake.removeCdnFile(savedUrl);
    await adapter.stop();
    await harness.stop({ keepData: true });
    harness = await startTestBot(botEnvironment(), undefined, harness.dataDir);
    adapter = await startDiscordAdapter({ bot: harness.bot, env: harness.env, logger: pino({ level: 'silent' }), now: () => Date.now() + clockOffset });

    const photo = userMessage(bob, [tubingen()]);
    const openMenu = () => {
      const menu = interactionPayload({ type: 2, user: alice, data: { id: '800000000000000009', name: 'Stylize with…', type: 3, target_id: photo.id, resolved: { messages: { [photo.id]: photo } } } });
      fake.dispatchInteraction(menu);
      return fake.waitForRequest(callbackOf(menu)).then((picker) => (picker.json as { data: { components: { components: { custom_id: string; options: { value: string; label: string }[] }[] }[] } }).data.components[0]!.components[0]!);
    };
    const select = await openMenu();
    expect(select.options[0]).toEqual({ value: '__saved__', label: 'Your saved style (starry.jpg)' });
    const choose = styleChosen(select.custom_id, '__saved__', '900000000000000005');
    fake.dispatchInteraction(choose);
    const final = await fake.waitForRequest((request) => request.method === 'PATCH' && request.path.startsWith(`/webhooks/${APPLICATION_ID}/${tokenOf(choose)}/messages/`) && request.files.length === 2);
    // Named as the saved style it is, as /stylize my-style names it.
    expect((final.json as { content: string }).content).toMatch(/style saved style starry\.jpg/);
    await expectValidResult(final);
    const job = harness.bot.jobsOf('discord', alice.id)[0]!;
    const [painted, original] = await Promise.all([decodeImage(await readFile(job.stylePath), DEFAULT_DECODE_LIMITS), loadSharedImage('style_starry_night.jpg')]);
    expect(painted.width / painted.height).toBeCloseTo(original.width / original.height, 2);
    // /stylize naming no style paints with it as well.
    const styleless = withAttachments(alice, tubingen(), [
      { name: 'size', type: 4, value: 64 },
      { name: 'iterations', type: 4, value: 3 },
    ]);
    fake.dispatchInteraction(styleless);
    expect(((await finalFiles(styleless)).json as { content: string }).content).toMatch(/style saved style starry\.jpg · 64×48 · 3 iterations/);

    const forget = interactionPayload({ type: 2, user: alice, data: { id: '800000000000000005', name: 'forget-me', type: 1, options: [{ name: 'confirm', type: 5, value: true }] } });
    fake.dispatchInteraction(forget);
    expect(String(((await fake.waitForRequest(originalOf(forget))).json as { content: string }).content)).toMatch(/^Done: deleted/);
    const savedFiles = await readdir(join(harness.dataDir, 'saved-styles'));
    expect(savedFiles).toEqual([]);
    expect((await openMenu()).options[0]!.value).not.toBe('__saved__');
  });

  it('refuses to save a file that is not an image as a style, privately, and keeps no trace of it', async () => {
    const textUrl = fake.addCdnFile('notes.png', new TextEncoder().encode('just some text'), 'image/png');
    const posted = userMessage(bob, [attachmentObject(textUrl, 'notes.png', 'image/png', 14)]);
    const remember = interactionPayload({ type: 2, user: bob, data: { id: '800000000000000010', name: 'Use as style', type: 3, target_id: posted.id, resolved: { messages: { [posted.id]: posted } } } });
    fake.dispatchInteraction(remember);
    const answer = await fake.waitForRequest(originalOf(remember));
    expect((answer.json as { content: string }).content).toMatch(/^The style image /);
    expect(harness.bot.savedStyles.find({ platform: 'discord', userId: bob.id })).toBeUndefined();
  });

  it('cancels a running job from its Cancel button', async () => {
    const interaction = stylizeTubingen(alice, 'udnie', 20, 128);
    fake.dispatchInteraction(interaction);
    const progress = await progressEdit(interaction, 20);
    const cancelId = (progress.json as { components: { components: { custom_id: string }[] }[] }).components[0]!.components[0]!.custom_id;
    expect(cancelId).toMatch(/^impasto:cancel:/);
    const press = interactionPayload({ type: 3, user: alice, data: { custom_id: cancelId, component_type: 2 }, message: userMessage({ id: '900000000000000001', username: 'impasto' }, []) });
    fake.dispatchInteraction(press);
    const reply = await fake.waitForRequest(callbackOf(press));
    expect((reply.json as { data: { content: string } }).data.content).toMatch(/^Cancelled job /);
    const done = await fake.waitForRequest((request) => originalOf(interaction)(request) && /was cancelled/.test(String((request.json as { content?: string }).content)));
    expect(done).toBeDefined();
  });

  it('tells only the asker that a server\'s library is empty, though /styles answers the channel', async () => {
    // Another server, whose moderator hides every shared style there (the fake guild keeps its own).
    const elsewhere = '900000000000000077';
    const moderator = contextFor('mod', { isModerator: true, community: `discord:${elsewhere}` });
    for (const style of harness.bot.library.in(moderator.requester.community).list()) await harness.bot.execute('style remove', { name: style.name }, moderator);
    const interaction = interactionPayload({ type: 2, user: alice, guildId: elsewhere, data: { id: '800000000000000006', name: 'styles', type: 1 } });
    fake.dispatchInteraction(interaction);
    const followUp = await fake.waitForRequest((request) => request.method === 'POST' && request.path === `/webhooks/${APPLICATION_ID}/${tokenOf(interaction)}`);
    expect(followUp.json).toMatchObject({ content: expect.stringMatching(/^The style library is empty\./), flags: 64 });
    // Whatever the bot writes pings no @everyone, @here, role or member by itself (the client's default for every message).
    expect((followUp.json as { allowed_mentions?: { parse?: string[] } }).allowed_mentions?.parse).toEqual([]);
    expect(followUp.files).toEqual([]);
    expect(fake.requests.some((request) => request.method === 'DELETE' && request.path.includes(tokenOf(interaction)))).toBe(true);
  });

  it('answers a non-image attachment with a private, specific error', async () => {
    const textUrl = fake.addCdnFile('notes.jpg', new TextEncoder().encode('just some text'), 'text/plain');
    const interaction = withAttachments(alice, attachmentObject(textUrl, 'notes.jpg', 'image/jpeg', 14), [{ name: 'style_name', type: 3, value: 'udnie' }]);
    fake.dispatchInteraction(interaction);
    const followUp = await fake.waitForRequest((request) => request.method === 'POST' && request.path === `/webhooks/${APPLICATION_ID}/${tokenOf(interaction)}`);
    expect(followUp.json).toMatchObject({ content: 'The content image is not an image (the file host answered with text/plain).', flags: 64 });
    expect(fake.requests.some((request) => request.method === 'DELETE' && request.path.includes(tokenOf(interaction)))).toBe(true);
  });

  it('never requests an attachment from a host outside the allow-list', async () => {
    const seen: string[] = [];
    const elsewhere = createServer((request, response) => {
      seen.push(request.url ?? '');
      response.end('x');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/cat.jpg`;
    const interaction = withAttachments(alice, attachmentObject(url, 'cat.jpg', 'image/jpeg', 100), [{ name: 'style_name', type: 3, value: 'udnie' }]);
    fake.dispatchInteraction(interaction);
    const followUp = await fake.waitForRequest((request) => request.method === 'POST' && request.path === `/webhooks/${APPLICATION_ID}/${tokenOf(interaction)}`);
    expect((followUp.json as { content: string }).content).toMatch(/^The content image is not hosted on this chat platform \(127\.0\.0\.1:\d+\); I only fetch files from it\.$/);
    expect(seen).toEqual([]);
    elsewhere.closeAllConnections();
    elsewhere.close();
  });

  it('refuses where it cannot post images, saying which permission is missing', async () => {
    const interaction = stylizeCommand(alice, [{ name: 'style_name', type: 3, value: 'udnie' }], {}, PERMISSIONS.member & ~PERMISSIONS.attachFiles);
    fake.dispatchInteraction(interaction);
    const reply = await fake.waitForRequest(callbackOf(interaction));
    expect(reply.json).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/missing the Attach Files permission/) } });
  });

  it('after 15 minutes, delivers with a channel message that mentions the user', async () => {
    const interaction = stylizeTubingen(alice, 'great-wave', 20);
    fake.dispatchInteraction(interaction);
    await progressEdit(interaction, 20);
    clockOffset = 16 * 60_000; // the token has now expired
    try {
      const message = await fake.waitForRequest((request) => request.method === 'POST' && request.path === `/channels/${CHANNEL_ID}/messages` && request.files.length === 2);
      expect((message.json as { content: string; allowed_mentions: unknown }).content).toMatch(new RegExp(`^<@${alice.id}> Done in`));
      expect((message.json as { allowed_mentions: unknown }).allowed_mentions).toEqual({ users: [alice.id] });
      await expectValidResult(message);
    } finally {
      clockOffset = 0;
    }
  });

  it('finishes and delivers a job across a gateway disconnect and resume', async () => {
    const interaction = stylizeTubingen(alice, 'udnie', 20);
    fake.dispatchInteraction(interaction);
    await progressEdit(interaction, 20);
    const opsBefore = fake.gatewayOps.length;
    fake.dropGateway();
    await expect.poll(() => fake.gatewayOps.slice(opsBefore).includes(6), { timeout: 30_000 }).toBe(true); // RESUME
    const final = await finalFiles(interaction);
    await expectValidResult(final);
    // And the bot still answers new interactions on the resumed session.
    const help = interactionPayload({ type: 2, user: bob, data: { id: '800000000000000003', name: 'help', type: 1 } });
    fake.dispatchInteraction(help);
    const helpReply = await fake.waitForRequest((request) => originalOf(help)(request));
    // It begins with the ways to ask that are not commands (the menus, mentions, direct messages), then the commands.
    expect((helpReply.json as { content: string }).content).toMatch(/^Ways to ask: \/stylize; on any message with a picture, Apps → Stylize with….*direct message\.\n\n\/stylize: Paint a photo/s);
  });

  it('logs, and does not crash, when the channel refuses its message', async () => {
    fake.denyChannelMessages = true;
    const interaction = stylizeTubingen(bob, 'udnie', 10);
    fake.dispatchInteraction(interaction);
    await progressEdit(interaction, 10);
    clockOffset = 16 * 60_000;
    try {
      await fake.waitForRequest((request) => request.method === 'POST' && request.path === `/channels/${CHANNEL_ID}/messages` && request.files.length === 2 && String((request.json as { content: string }).content).startsWith(`<@${bob.id}>`));
    } finally {
      clockOffset = 0;
      fake.denyChannelMessages = false;
    }
    const queue = interactionPayload({ type: 2, user: bob, data: { id: '800000000000000004', name: 'queue', type: 1 } });
    fake.dispatchInteraction(queue);
    await fake.waitForRequest((request) => originalOf(queue)(request));
  });

  it('splits a reply over Discord’s 2000-character limit into several messages', async () => {
    // No command's reply is this long today (/help and /queue were, before they were shortened): the
    // split guards the day one is, so the bot's answer to this one interaction is replaced by a long one.
    const expected = (await harness.bot.execute('help', { command: 'stylize' }, contextFor('bob', { platform: 'discord' }))).text.repeat(2);
    expect(expected.length).toBeGreaterThan(2000);
    vi.spyOn(harness.bot, 'execute').mockResolvedValueOnce({ text: expected, ephemeral: true });
    const help = interactionPayload({ type: 2, user: bob, data: { id: '800000000000000005', name: 'help', type: 1 } });
    fake.dispatchInteraction(help);
    const first = await fake.waitForRequest((request) => originalOf(help)(request));
    const followUps = () => fake.requests.filter((request) => request.method === 'POST' && request.path === `/webhooks/${APPLICATION_ID}/${tokenOf(help)}`);
    await expect.poll(() => [first, ...followUps()].map((request) => (request.json as { content: string }).content).join('\n')).toBe(expected);
    for (const request of [first, ...followUps()]) expect((request.json as { content: string }).content.length).toBeLessThanOrEqual(2000);
    expect(followUps().every((request) => ((request.json as { flags?: number }).flags ?? 0) & 64)).toBe(true);
  });

  it('never shows "Queued" after the job has started painting', async () => {
    await harness.bot.idle();
    const interaction = stylizeTubingen(alice, 'starry-night', 3);
    fake.dispatchInteraction(interaction);
    await finalFiles(interaction);
    const contents = fake.requests.filter(originalOf(interaction)).map((request) => String((request.json as { content?: string }).content));
    const firstPainting = contents.findIndex((content) => content.startsWith('Painting'));
    expect(firstPainting).toBeGreaterThanOrEqual(0);
    expect(contents.slice(firstPainting).filter((content) => content.startsWith('Queued'))).toEqual([]);
  });

  it('refuses at once and privately what the interaction itself shows is wrong', async () => {
    const noStyle = withAttachments(alice, tubingen());
    fake.dispatchInteraction(noStyle);
    const reply = await fake.waitForRequest(callbackOf(noStyle));
    expect(reply.json).toMatchObject({ type: 4, data: { flags: 64, content: 'Which style? Upload a style image, or name a library style with style_name (see /styles). A painting you save with Use as style (on its message) is then used whenever you name none.' } });

    const textUrl = fake.addCdnFile('notes.txt', new TextEncoder().encode('just some text'), 'text/plain');
    const notImage = withAttachments(alice, attachmentObject(textUrl, 'notes.txt', 'text/plain', 14), [{ name: 'style_name', type: 3, value: 'udnie' }]);
    fake.dispatchInteraction(notImage);
    const refused = await fake.waitForRequest(callbackOf(notImage));
    expect(refused.json).toMatchObject({ type: 4, data: { flags: 64, content: 'The content image (notes.txt) is not an image; send a JPEG, PNG, WebP, HEIC, AVIF or GIF.' } });
    // Nothing public was shown: no deferral, so no "thinking…" in the channel.
    expect(fake.requests.filter((request) => callbackOf(noStyle)(request) || callbackOf(notImage)(request)).map((request) => (request.json as { type: number }).type)).toEqual([4, 4]);

    // What the request alone shows is refused before its image is fetched: a member adding a style
    // (moderators only, here), and a contest whose end cannot be read.
    const fetchesBefore = fake.cdnFetches.length;
    const withImage = (user: typeof alice, command: string, sub: string, options: { name: string; type: number; value: unknown }[], permissions?: bigint) => {
      const attachment = attachmentObject(styleUrl, 'starry.jpg', 'image/jpeg', 40_000);
      return interactionPayload({
        type: 2,
        user,
        ...(permissions !== undefined ? { permissions } : {}),
        data: { id: '800000000000000002', name: command, type: 1, options: [{ name: sub, type: 1, options: [...options, { name: sub === 'add' ? 'image' : 'style', type: 11, value: attachment.id }] }], resolved: { attachments: { [attachment.id]: attachment } } },
      });
    };
    const addByMember = withImage(alice, 'style', 'add', [{ name: 'name', type: 3, value: 'mine' }]);
    fake.dispatchInteraction(addByMember);
    expect((await fake.waitForRequest(callbackOf(addByMember))).json).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/^\/style add is for moderators here/) } });
    const badEnd = withImage(alice, 'contest', 'start', [{ name: 'title', type: 3, value: 'Winter' }, { name: 'ends', type: 3, value: 'someday' }], PERMISSIONS.member | PERMISSIONS.manageGuild);
    fake.dispatchInteraction(badEnd);
    expect((await fake.waitForRequest(callbackOf(badEnd))).json).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringContaining('someday') } });
    expect(fake.cdnFetches.length).toBe(fetchesBefore);
  });

  it('explains a file option that Discord sends as another type (commands registered by an older bot), publicly or not', async () => {
    // Discord sends the types of the registration it holds: after an upgrade that changed an option, the old ones.
    const staleStylize = stylizeCommand(alice, [{ name: 'content', type: 3, value: 'tubingen.jpg' }, { name: 'style_name', type: 3, value: 'udnie' }]);
    fake.dispatchInteraction(staleStylize);
    const refused = await fake.waitForRequest(callbackOf(staleStylize));
    expect(refused.json).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/^Discord sent content as another kind of value than a file: .*`npm run discord:register`/) } });

    const staleStyleAdd = interactionPayload({ type: 2, user: alice, data: { id: '800000000000000002', name: 'style', type: 1, options: [{ name: 'add', type: 1, options: [{ name: 'name', type: 3, value: 'mine' }, { name: 'image', type: 5, value: true }] }] } });
    fake.dispatchInteraction(staleStyleAdd);
    // A private command is refused as early: no deferral, no fetch.
    const answered = await fake.waitForRequest(callbackOf(staleStyleAdd));
    expect(answered.json).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/^Discord sent image as another kind of value than a file/) } });
  });
});
