import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { webApi } from '@slack/bolt';
import { startSlackAdapter, type SlackAdapter } from '../../src/adapters/slack/adapter.ts';
import { guarded } from '../../src/adapters/slack/guarded.ts';
import { whyNoFile } from '../../src/adapters/slack/conversation.ts';
import type { SlackState } from '../../src/adapters/slack/state.ts';
import { BotError } from '../../src/bot/errors.ts';
import { WeightsError } from '../../src/engine/errors.ts';
import { OUTDATED_BUTTON } from '../../src/bot/commands/pages.ts';
import { importSharedStyles, startTestBot } from '../helpers/bot.ts';
import { loadSharedImage, sharedImagePath } from '../helpers/shared.ts';
import { syntheticClip } from '../../src/engine/clip/synthetic.ts';
import { encodeGif } from '../../src/engine/gif.ts';
import { APP_TOKEN, BOT_TOKEN, CHANNEL_ID, eventCallback, nextTs, SIGNING_SECRET, signRequest, startFakeSlack, TEAM_ID, type ApiCall, type FakeSlack } from '../fakes/slack/server.ts';

/** The real Bolt against a fake Slack on 127.0.0.1 (test/fakes/slack), in Socket Mode and HTTP mode. */
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
let fake: FakeSlack;
let photo: Record<string, unknown>;
let personPhoto: Record<string, unknown>;

async function startHarness(overrides: Record<string, string>) {
  const harness = await startTestBot({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: fake.apiUrl,
    SLACK_FILE_HOSTS: fake.fileHost,
    IMPASTO_MAX_SIZE: '128',
    IMPASTO_MAX_ITERATIONS: '20',
    IMPASTO_MAX_QUEUED_PER_USER: '5',
    ...overrides,
  });
  await importSharedStyles(harness.bot);
  const adapter = await startSlackAdapter({ bot: harness.bot, env: harness.env, logger: pino({ level: 'silent' }) });
  return { harness, adapter };
}

const uploadsInThread = (threadTs: string) => (call: ApiCall) => call.method === 'files.completeUploadExternal' && call.args.thread_ts === threadTs;

async function expectTwoFiles(complete: ApiCall): Promise<void> {
  const ids = (JSON.parse(String(complete.args.files)) as { id: string }[]).map((file) => file.id);
  expect(ids).toHaveLength(2);
  const uploaded = fake.uploads.filter((upload) => ids.includes(upload.fileId));
  expect(uploaded.map((upload) => upload.partName)).toEqual(['body', 'body']);
  const png = uploaded.find((upload) => upload.filename.endsWith('.png'))!;
  const gif = uploaded.find((upload) => upload.filename.endsWith('.gif'))!;
  expect((await sharp(png.bytes).metadata()).format).toBe('png');
  const animated = await sharp(gif.bytes, { animated: true }).metadata();
  expect(animated.format).toBe('gif');
  expect(animated.pages).toBeGreaterThan(1);
}

beforeAll(async () => {
  fake = await startFakeSlack();
  photo = fake.addFile('tubingen.jpg', await readFile(sharedImagePath('content_tubingen.jpg')), 'image/jpeg');
  personPhoto = fake.addFile('person.jpg', await readFile(sharedImagePath('content_person.jpg')), 'image/jpeg');
});
afterAll(async () => {
  await fake?.close();
});

describe('Slack in Socket Mode', () => {
  let harness: Awaited<ReturnType<typeof startTestBot>>;
  let adapter: SlackAdapter;
  beforeAll(async () => {
    ({ harness, adapter } = await startHarness({ SLACK_APP_TOKEN: APP_TOKEN }));
  });
  afterAll(async () => {
    await adapter?.stop();
    await harness?.stop();
  });

  /** Alice uses a message shortcut: "Stylize with…" unless another callback id is given ("Use as style" is `use_as_style`). */
  function shortcutOn(message: { ts: string; user: string; files?: Record<string, unknown>[] }, trigger: string, callbackId = 'stylize_with') {
    return fake.sendEnvelope('interactive', {
      type: 'message_action',
      callback_id: callbackId,
      trigger_id: trigger,
      team: { id: TEAM_ID, domain: 'painters' },
      user: { id: ALICE, name: 'alice', username: 'alice', team_id: TEAM_ID },
      channel: { id: CHANNEL_ID, name: 'general' },
      message,
      message_ts: message.ts,
      response_url: `${fake.apiUrl}response`,
      token: 'verification',
    });
  }

  /** A member types a slash command (`/stylize`, `/impasto`) in a channel, the shared one unless another is named. */
  function slashCommand(user: string, command: string, text: string, channel = CHANNEL_ID) {
    return fake.sendEnvelope('slash_commands', { command, text, user_id: user, user_name: user.toLowerCase(), channel_id: channel, team_id: TEAM_ID, trigger_id: `trigger-${user}`, response_url: `${fake.apiUrl}response`, token: 'verification' });
  }

  /** Resolves with the bot's private answer to `user` that matches `pattern`. */
  function toldPrivately(user: string, pattern: RegExp) {
    return fake.waitForCall((call) => call.method === 'chat.postEphemeral' && call.args.user === user && pattern.test(String(call.args.text)));
  }

  /** Alice (or another user) writes "@impasto <style>" in the thread under a message. */
  function mentionInThread(threadTs: string, style: string, eventId: string, user = ALICE) {
    const ts = String(Date.now() / 1000);
    return fake.sendEnvelope('events_api', eventCallback(eventId, { type: 'app_mention', user, text: `<@U0BOT> ${style}`, ts, channel: CHANNEL_ID, thread_ts: threadTs, event_ts: ts }));
  }

  /** Alice (or another user) presses a button of a message the bot posted. */
  function pressButton(button: { action_id: string; value: string }, messageTs: string, trigger: string, user = ALICE, threadTs?: string) {
    return fake.sendEnvelope('interactive', {
      type: 'block_actions',
      team: { id: TEAM_ID },
      user: { id: user, name: user.toLowerCase(), username: user.toLowerCase(), team_id: TEAM_ID },
      channel: { id: CHANNEL_ID, name: 'general' },
      trigger_id: trigger,
      container: { type: 'message', message_ts: messageTs, channel_id: CHANNEL_ID },
      message: { type: 'message', ts: messageTs, text: '', ...(threadTs ? { thread_ts: threadTs } : {}) },
      actions: [{ type: 'button', action_id: button.action_id, block_id: 'b', value: button.value, action_ts: '1' }],
      response_url: `${fake.apiUrl}response`,
    });
  }

  function submitModal(view: Record<string, unknown>, values: Record<string, Record<string, Record<string, unknown>>>) {
    return fake.sendEnvelope('interactive', {
      type: 'view_submission',
      team: { id: TEAM_ID, domain: 'painters' },
      user: { id: ALICE, name: 'alice', username: 'alice', team_id: TEAM_ID },
      view: { id: 'V1', team_id: TEAM_ID, type: 'modal', callback_id: view.callback_id, private_metadata: view.private_metadata, state: { values }, hash: 'h' },
      token: 'verification',
      trigger_id: 't',
    });
  }

  it('message shortcut → modal → job → progress in the thread → PNG and GIF uploaded there', async () => {
    const message = fake.postUserMessage(ALICE, 'look at this', [photo]);
    await shortcutOn(message, 'trigger-1');
    const open = await fake.waitForCall((call) => call.method === 'views.open' && call.args.trigger_id === 'trigger-1');
    const view = JSON.parse(String(open.args.view)) as { callback_id: string; private_metadata: string; blocks: { block_id: string; element: { options?: { value: string }[] } }[] };
    const styleOptions = view.blocks.find((block) => block.block_id === 'style')!.element.options!.map((option) => option.value);
    expect(styleOptions).toContain('great-wave');
    expect(styleOptions.at(-1)).toBe('__other__');
    // One picture: nothing to choose.
    expect(view.blocks.map((block) => block.block_id)).not.toContain('picture');

    const ack = await submitModal(view, {
      style: { style_name: { type: 'static_select', selected_option: { value: 'great-wave', text: { type: 'plain_text', text: 'great-wave' } } } },
      size: { size: { type: 'plain_text_input', value: '64' } },
      iterations: { iterations: { type: 'plain_text_input', value: '4' } },
    });
    expect(ack.payload ?? {}).toEqual({}); // a plain ack: the modal closes
    const posted = await fake.waitForCall((call) => call.method === 'chat.postMessage' && call.args.thread_ts === message.ts);
    expect(String(posted.args.text)).toMatch(/Queued job \S+ \(great-wave\)/);
    // The progress says the size being painted (an optimisation paints coarse to fine; this one is one scale).
    await fake.waitForCall((call) => call.method === 'chat.update' && /iteration \d+\/4 at 64 px/.test(String(call.args.text)));
    const complete = await fake.waitForCall(uploadsInThread(message.ts));
    expect(complete.args.channel_id).toBe(CHANNEL_ID);
    expect(String(complete.args.initial_comment)).toMatch(/style great-wave · 64×48 · 4 iterations/);
    await expectTwoFiles(complete);
  });

  it('asks in the form which picture of a message with several to paint, and paints the one chosen', async () => {
    const message = fake.postUserMessage(BOB, 'two from the fair', [photo, personPhoto]);
    await shortcutOn(message, 'trigger-pictures');
    const open = await fake.waitForCall((call) => call.method === 'views.open' && call.args.trigger_id === 'trigger-pictures');
    type Select = { initial_option?: { value: string }; options?: { text: { text: string }; value: string }[] };
    const view = JSON.parse(String(open.args.view)) as { callback_id: string; private_metadata: string; blocks: { block_id: string; element: Select }[] };
    const pictures = view.blocks[0]!;
    expect(pictures.block_id).toBe('picture');
    expect(pictures.element.options!.map((option) => [option.text.text, option.value])).toEqual([['1. tubingen.jpg', photo.id], ['2. person.jpg', personPhoto.id]]);
    expect(pictures.element.initial_option?.value).toBe(photo.id);
    // The form keeps the pictures' IDs only, beside the first picture's address.
    expect(JSON.parse(view.private_metadata)).toMatchObject({ file: { id: photo.id }, pictures: [photo.id, personPhoto.id] });

    const downloadsBefore = fake.downloads.length;
    await submitModal(view, {
      picture: { picture: { type: 'static_select', selected_option: { value: String(personPhoto.id), text: { type: 'plain_text', text: '2. person.jpg' } } } },
      style: { style_name: { type: 'static_select', selected_option: { value: 'great-wave', text: { type: 'plain_text', text: 'great-wave' } } } },
      size: { size: { type: 'plain_text_input', value: '64' } },
      iterations: { iterations: { type: 'plain_text_input', value: '2' } },
    });
    const complete = await fake.waitForCall(uploadsInThread(message.ts));
    // The person’s photo (its own shape), not the message’s first (4:3, 64×48), and only it was fetched.
    expect(String(complete.args.initial_comment)).toMatch(/style great-wave · 64×42 · 2 iterations/);
    expect(fake.downloads.slice(downloadsBefore)).toEqual([new URL(String(personPhoto.url_private_download)).pathname]);
    expect(harness.bot.jobsOf('slack', ALICE)[0]!.photoOwner).toBe(BOB);
  });

  it('paints a picture shared from another organisation (Slack Connect), which the event names by its ID alone', async () => {
    // Slack sends such a file as { id, file_access: 'check_file_info' }: files.info tells its type and address.
    const latest = fake.postUserMessage(ALICE, 'from our partners', [fake.sharedFromAnotherOrganisation(photo)]);
    await fake.sendEnvelope('slash_commands', { command: '/stylize', text: 'great-wave size=64 iterations=2', user_id: ALICE, user_name: 'alice', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 'trigger-connect', response_url: `${fake.apiUrl}response`, token: 'verification' });
    const painted = await fake.waitForCall(uploadsInThread(latest.ts));
    expect(String(painted.args.initial_comment)).toMatch(/style great-wave · 64×48 · 2 iterations/);
    expect(fake.calls.some((call) => call.method === 'files.info' && call.args.file === photo.id)).toBe(true);

    // When Slack won't tell (the file is gone, or out of the bot's reach), the member hears why, not "no image".
    const unreadable = fake.postUserMessage(BOB, 'a deleted picture', [{ id: 'F0GONE', mode: 'file_access', file_access: 'check_file_info', created: 0, timestamp: 0, user: '' }]);
    await shortcutOn(unreadable, 'trigger-connect-gone');
    const told = await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && /Slack Connect/.test(String(call.args.text)));
    expect(told.args).toMatchObject({ user: ALICE, text: "That message's file was shared from another organisation (Slack Connect), and Slack won't let me read it (file_not_found). Save it and share it here yourself." });
    expect(fake.calls.some((call) => call.method === 'views.open' && call.args.trigger_id === 'trigger-connect-gone')).toBe(false);
  });

  it('paints a picture sent with the mention itself, in its thread; a bare mention outside a thread says how to ask', async () => {
    const mention = (eventId: string, text: string, files?: Record<string, unknown>[]) => {
      // As the fake numbers messages: made up from the event id, it could be another message's, whose thread's uploads would count here.
      const ts = nextTs();
      return { ts, sent: fake.sendEnvelope('events_api', eventCallback(eventId, { type: 'app_mention', user: ALICE, text, ts, channel: CHANNEL_ID, event_ts: ts, ...(files ? { files } : {}) })) };
    };
    harness.bot.library.setNetwork('the-scream', 'scream');
    // Options follow the style as in /stylize.
    const withPhoto = mention('Ev-own-1', '<@U0BOT> the-scream size=64', [photo]);
    await withPhoto.sent;
    const painted = await fake.waitForCall(uploadsInThread(withPhoto.ts));
    expect(String(painted.args.initial_comment)).toMatch(/style the-scream · 64×\d+ · one pass of the scream network/);
    // One it cannot take is named to the member who typed it.
    const mistyped = mention('Ev-own-3', '<@U0BOT> the-scream strength=11', [photo]);
    await mistyped.sent;
    const refused = await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && /^strength must/.test(String(call.args.text)));
    expect(refused.args).toMatchObject({ user: ALICE, thread_ts: mistyped.ts, text: 'strength must be a number from 1 to 10.' });

    const bare = mention('Ev-own-2', '<@U0BOT> the-scream');
    await bare.sent;
    const told = await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && /Mention me with a picture attached/.test(String(call.args.text)));
    expect(told.args).toMatchObject({ user: ALICE, text: 'Mention me with a picture attached, or in the thread under one, with a style name: @impasto starry-night.' });
  });

  it('paints each picture sent with a mention, each a job of its own in the thread; a refused request says the rest were not painted', async () => {
    const mention = (eventId: string, text: string, files: Record<string, unknown>[]) => {
      // As the fake numbers messages: made up from the event id, it could be another message's, whose thread's uploads would count here.
      const ts = nextTs();
      return { ts, sent: fake.sendEnvelope('events_api', eventCallback(eventId, { type: 'app_mention', user: ALICE, text, ts, channel: CHANNEL_ID, event_ts: ts, files })) };
    };
    harness.bot.library.setNetwork('the-scream', 'scream');
    const downloadsBefore = fake.downloads.length;
    const two = mention('Ev-two-1', '<@U0BOT> the-scream size=64', [photo, personPhoto]);
    await two.sent;
    // Both pictures, each its own shape: tubingen's 64×48 and the person's 64×42.
    const sizesPosted = () => new Set(fake.calls.filter(uploadsInThread(two.ts)).map((call) => /· (64×\d+) ·/.exec(String(call.args.initial_comment))?.[1]));
    await vi.waitFor(() => expect(sizesPosted()).toEqual(new Set(['64×42', '64×48'])), { timeout: 120_000 });
    expect(new Set(fake.downloads.slice(downloadsBefore))).toEqual(new Set([photo, personPhoto].map((file) => new URL(String(file.url_private_download)).pathname)));

    const refused = mention('Ev-two-2', '<@U0BOT> the-scream strength=11', [photo, personPhoto]);
    await refused.sent;
    const told = await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && call.args.thread_ts === refused.ts);
    expect(told.args.text).toBe('strength must be a number from 1 to 10. (The 1 picture after it in that message was not painted either.)');
    expect(fake.calls.filter((call) => call.method === 'chat.postEphemeral' && call.args.thread_ts === refused.ts)).toHaveLength(1);
  });

  it('paints a picture sent to it in a direct message (its Messages tab), no mention needed; ignores its own posts there', async () => {
    const DM = 'D0ALICE';
    const directMessage = (eventId: string, event: Record<string, unknown>) => {
      const ts = String(event.ts ?? nextTs());
      return { ts, sent: fake.sendEnvelope('events_api', eventCallback(eventId, { type: 'message', channel: DM, channel_type: 'im', event_ts: ts, ...event, ts })) };
    };
    harness.bot.library.setNetwork('the-scream', 'scream');
    // A picture with a style name and an option: painted in its thread, in the conversation.
    const sent = directMessage('Ev-dm-1', { subtype: 'file_share', user: ALICE, text: 'the-scream size=64', files: [photo] });
    await sent.sent;
    const painted = await fake.waitForCall(uploadsInThread(sent.ts));
    expect(painted.args.channel_id).toBe(DM);
    expect(String(painted.args.initial_comment)).toMatch(/style the-scream · 64×\d+ · one pass of the scream network/);
    // A style written in the thread under a picture there paints that picture.
    const picture = fake.postUserMessage(ALICE, '', [photo]);
    const inThread = directMessage('Ev-dm-5', { user: ALICE, text: 'the-scream size=64', thread_ts: picture.ts });
    await inThread.sent;
    expect((await fake.waitForCall(uploadsInThread(picture.ts))).args.channel_id).toBe(DM);
    const jobs = harness.bot.jobsOf('slack', ALICE).length;

    // The bot's own posts there (its progress, its results) come back as message events, and are not
    // requests (Bolt drops the bot's own by its ids from auth.test; other subtypes are edits, joins…).
    const callsBefore = fake.calls.length;
    await directMessage('Ev-dm-2', { subtype: 'bot_message', bot_id: 'B0BOT', text: 'the-scream', files: [photo] }).sent;
    await directMessage('Ev-dm-3', { bot_id: 'B0BOT', user: 'U0BOT', text: 'Queued: the-scream' }).sent;
    await directMessage('Ev-dm-6', { subtype: 'message_changed', user: ALICE, text: 'the-scream', files: [photo] }).sent;
    // Words alone: how to send one (which also shows the two before it were passed over, in order).
    await directMessage('Ev-dm-4', { user: ALICE, text: 'hello' }).sent;
    const told = await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && call.args.channel === DM);
    expect(told.args).toMatchObject({ user: ALICE, text: 'Send me a picture with a style name (starry-night; see /impasto styles), or forward one to me, or write a style name in the thread under a picture here. /impasto help says all I can do.' });
    expect(fake.calls.slice(callsBefore).filter((call) => call.method === 'chat.postEphemeral' && call.args.channel === DM).map((call) => call.args.user)).toEqual([ALICE]);
    expect(harness.bot.jobsOf('slack', ALICE)).toHaveLength(jobs);
  });

  it('paints the picture of a forwarded message, which Slack nests in the share’s attachment', async () => {
    const original = fake.postUserMessage(BOB, 'the old town', [photo]);
    // What Slack stores for a forward: no files of its own, the original in an attachment flagged is_share.
    const forward = Object.assign(fake.postUserMessage(ALICE, 'look at this one'), {
      attachments: [{ is_share: true, is_msg_unfurl: true, author_id: BOB, channel_id: CHANNEL_ID, ts: original.ts, text: original.text, from_url: `https://painters.slack.com/archives/${CHANNEL_ID}/p${original.ts.replace('.', '')}`, files: [photo] }],
    });
    await fake.sendEnvelope('slash_commands', { command: '/stylize', text: 'great-wave size=64 iterations=2', user_id: ALICE, user_name: 'alice', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 'trigger-forward', response_url: `${fake.apiUrl}response`, token: 'verification' });
    const painted = await fake.waitForCall(uploadsInThread(forward.ts));
    expect(String(painted.args.initial_comment)).toMatch(/style great-wave · 64×48 · 2 iterations/);
  });

  it('saves an image as the member’s style with "Use as style", offers it first in the modal, and paints with it', async () => {
    const useAsStyleOn = (message: { ts: string; user: string; files?: Record<string, unknown>[] }) => shortcutOn(message, 'trigger-save', 'use_as_style');
    const answered = (pattern: RegExp) => fake.waitForCall((call) => call.method === 'response' && pattern.test(String(call.args.text)));
    await useAsStyleOn(fake.postUserMessage(BOB, 'no picture here'));
    expect((await answered(/no image/)).args).toMatchObject({ response_type: 'ephemeral', text: 'That message has no image. Use "Use as style" on a message with a painting.' });
    // A pasted image address shows a picture (Slack's preview of the link), but no file: said so.
    const linked = { ...fake.postUserMessage(BOB, '<https://upload.wikimedia.org/starry.jpg>'), attachments: [{ from_url: 'https://upload.wikimedia.org/starry.jpg', image_url: 'https://upload.wikimedia.org/starry.jpg', image_width: 800, image_height: 600 }] };
    await useAsStyleOn(linked);
    expect((await answered(/is a link to/)).args.text).toBe('That message has no image. Use "Use as style" on a message with a painting. The picture it shows is a link to upload.wikimedia.org, and I only paint files attached to a message: save it and attach it.');
    const painting = fake.addFile('starry.jpg', await readFile(sharedImagePath('style_starry_night.jpg')), 'image/jpeg');
    await useAsStyleOn(fake.postUserMessage(BOB, 'my favourite', [painting]));
    expect((await answered(/^Saved/)).args.text).toMatch(/^Saved starry\.jpg as your style: \/stylize paints with it when you name no style \(or name it my-style\), and Stylize with… on any picture offers it first\./);

    const message = fake.postUserMessage(ALICE, 'the old town', [photo]);
    await shortcutOn(message, 'trigger-saved');
    const open = await fake.waitForCall((call) => call.method === 'views.open' && call.args.trigger_id === 'trigger-saved');
    const view = JSON.parse(String(open.args.view)) as { callback_id: string; private_metadata: string; blocks: { block_id: string; element: { options?: { value: string; text: { text: string } }[] } }[] };
    const first = view.blocks.find((block) => block.block_id === 'style')!.element.options![0]!;
    expect(first).toEqual({ value: '__saved__', text: { type: 'plain_text', text: 'Your saved style (starry.jpg)' } });
    await submitModal(view, {
      style: { style_name: { type: 'static_select', selected_option: { value: '__saved__', text: first.text } } },
      size: { size: { type: 'plain_text_input', value: '64' } },
      iterations: { iterations: { type: 'plain_text_input', value: '3' } },
    });
    const complete = await fake.waitForCall(uploadsInThread(message.ts));
    // Named as the saved style it is, as /stylize my-style names it.
    expect(String(complete.args.initial_comment)).toMatch(/style saved style starry\.jpg · 64×48 · 3 iterations/);
    await expectTwoFiles(complete);

    // By its name in /stylize, on the latest image Alice shared.
    const latest = fake.postUserMessage(ALICE, 'and this one', [photo]);
    await fake.sendEnvelope('slash_commands', { command: '/stylize', text: 'my-style size=64 iterations=2', user_id: ALICE, user_name: 'alice', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 'trigger-mine', response_url: `${fake.apiUrl}response`, token: 'verification' });
    const painted = await fake.waitForCall(uploadsInThread(latest.ts));
    expect(String(painted.args.initial_comment)).toMatch(/style saved style starry\.jpg · 64×48 · 2 iterations/);

    // Named nowhere, in a mention: the saved style too (at the bot's default size and iterations).
    const parent = fake.postUserMessage(BOB, 'the harbour', [photo]);
    await mentionInThread(parent.ts, '', 'Ev-saved');
    const mentioned = await fake.waitForCall(uploadsInThread(parent.ts));
    expect(String(mentioned.args.initial_comment)).toMatch(/style saved style starry\.jpg · 128×96 · 20 iterations/);
  });

  it('asks which picture of a message with several to keep with "Use as style", and saves the one chosen', async () => {
    // Erin, whose saved style no other test looks at.
    const ERIN = 'U0ERIN';
    const erin = { id: ERIN, name: 'erin', username: 'erin', team_id: TEAM_ID };
    const painting = fake.addFile('great-wave.jpg', await readFile(sharedImagePath('style_great_wave.jpg')), 'image/jpeg');
    const message = fake.postUserMessage(BOB, 'two to choose from', [photo, painting]);
    const callsBefore = fake.calls.length;
    await fake.sendEnvelope('interactive', { type: 'message_action', callback_id: 'use_as_style', trigger_id: 'trigger-keep', team: { id: TEAM_ID, domain: 'painters' }, user: erin, channel: { id: CHANNEL_ID, name: 'general' }, message, message_ts: message.ts, response_url: `${fake.apiUrl}response`, token: 'verification' });
    const asked = await fake.waitForCall((call) => call.method === 'response' && /^Which of the message/.test(String(call.args.text)));
    type Blocks = { type: string; elements?: { action_id: string; options: { text: { text: string }; value: string }[] }[] }[];
    const blocks = (typeof asked.args.blocks === 'string' ? JSON.parse(asked.args.blocks) : asked.args.blocks) as Blocks;
    const select = blocks.find((block) => block.type === 'actions')!.elements![0]!;
    expect(select.options.map((option) => [option.text.text, option.value])).toEqual([['1. tubingen.jpg', photo.id], ['2. great-wave.jpg', painting.id]]);
    // Nothing is fetched or saved before the member chooses.
    expect(harness.bot.savedStyles.find({ platform: 'slack', userId: ERIN })).toBeUndefined();
    const downloadsBefore = fake.downloads.length;

    await fake.sendEnvelope('interactive', {
      type: 'block_actions',
      team: { id: TEAM_ID },
      user: erin,
      channel: { id: CHANNEL_ID, name: 'general' },
      container: { type: 'message', message_ts: '1.0', channel_id: CHANNEL_ID, is_ephemeral: true },
      trigger_id: 'trigger-keep-2',
      actions: [{ type: 'static_select', action_id: select.action_id, block_id: 'b', selected_option: { text: { type: 'plain_text', text: '2. great-wave.jpg' }, value: String(painting.id) }, action_ts: '1' }],
      response_url: `${fake.apiUrl}response`,
    });
    const saved = await fake.waitForCall((call) => call.method === 'response' && /^Saved great-wave/.test(String(call.args.text)));
    expect(saved.args).toMatchObject({ replace_original: true, text: expect.stringMatching(/^Saved great-wave\.jpg as your style/) });
    expect(harness.bot.savedStyles.find({ platform: 'slack', userId: ERIN })?.name).toBe('great-wave.jpg');
    expect(fake.downloads.slice(downloadsBefore)).toEqual([new URL(String(painting.url_private_download)).pathname]);
    // No Slack call was refused on the way (the menu's blocks are ones Slack takes).
    expect(fake.calls.slice(callsBefore).filter((call) => call.response?.ok === false)).toEqual([]);
    await harness.bot.savedStyles.forget({ platform: 'slack', userId: ERIN });
  });

  it('asks a member with no saved style which style, when a mention or /stylize names none', async () => {
    const parent = fake.postUserMessage(ALICE, 'the harbour', [photo]);
    await mentionInThread(parent.ts, '', 'Ev-none', BOB);
    const asked = await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && call.args.user === BOB && /^Which style\?/.test(String(call.args.text)));
    expect(asked.args).toMatchObject({ thread_ts: parent.ts, text: 'Which style? Mention me with a style name, e.g. @impasto starry-night (see /impasto styles), or save a painting with Use as style (on its message) to be painted with it by default.' });
    fake.postUserMessage(BOB, 'my cat', [photo]);
    await fake.sendEnvelope('slash_commands', { command: '/stylize', text: '', user_id: BOB, user_name: 'bob', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 'trigger-bare', response_url: `${fake.apiUrl}response`, token: 'verification' });
    const usage = await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && call.args.user === BOB && /^Usage: /.test(String(call.args.text)));
    // Escaped, as Slack asks: a bare <style> would be read as its markup (a link), not shown.
    expect(String(usage.args.text)).toMatch(/^Usage: \/stylize &lt;style&gt; \[size=… iterations=…\] works on the latest image you shared here \(no style: the one you saved with Use as style\)\./);
    expect(fake.calls.filter((call) => call.method === 'chat.postMessage' && (call.args.thread_ts === parent.ts))).toEqual([]);
  });

  it('says where a contest works when one is asked for in a direct message; the workspace\'s library is asked for there as anywhere', async () => {
    const inDirectMessage = (text: string) => slashCommand(BOB, '/impasto', text, 'D0BOB');
    const toldBob = (pattern: RegExp) => toldPrivately(BOB, pattern);
    await inDirectMessage('contest start great-wave 2h Frost');
    // Before "for moderators": a contest there would be seen by no one else.
    await toldBob(/^\/impasto contest start works in a workspace's channels, where its members can take part, not in a direct message with me\.$/);
    await inDirectMessage('contest status');
    await toldBob(/^\/impasto contest status works in a workspace's channels/);
    // Said before asking for a picture (Bob shared none there), which would be no use.
    await inDirectMessage('contest enter');
    await toldBob(/^\/impasto contest enter works in a workspace's channels/);
    // A Slack direct message is the workspace's: its library is that one, so only who may add counts.
    await inDirectMessage('style add pier');
    await toldBob(/^\/impasto style add is for moderators here/);
  });

  it('refuses a style it does not have, an entry with no contest, or a member adding a style, before downloading the picture', async () => {
    fake.postUserMessage(BOB, 'the pier', [photo]);
    const downloadsBefore = fake.downloads.length;
    const callsBefore = fake.calls.length;
    const toldBob = (pattern: RegExp) => toldPrivately(BOB, pattern);
    await slashCommand(BOB, '/stylize', 'udine size=64');
    expect(String((await toldBob(/^There is no style "udine"/)).args.text)).toMatch(/Did you mean "udnie"/);
    await slashCommand(BOB, '/impasto', 'contest enter');
    await toldBob(/^There is no contest running in this channel\.$/);
    await slashCommand(BOB, '/impasto', 'style add pier');
    // Named as it is typed on Slack.
    await toldBob(/^\/impasto style add is for moderators here/);
    // A member who shared no picture hears the same first, not "share the picture", which would be no use.
    const toldErin = (pattern: RegExp) => toldPrivately('U0ERIN', pattern);
    for (const text of ['style add pier', 'contest enter']) await slashCommand('U0ERIN', '/impasto', text);
    await toldErin(/^\/impasto style add is for moderators here/);
    await toldErin(/^There is no contest running in this channel\.$/);
    await slashCommand('U0ERIN', '/stylize', 'udine size=64');
    await toldErin(/^There is no style "udine"/);
    // A request that would be painted: then the picture is asked for.
    await slashCommand('U0ERIN', '/stylize', 'udnie size=64');
    await toldErin(/^I could not find an image you shared in this channel recently\./);
    expect(fake.downloads.length).toBe(downloadsBefore);
    // Nor does it say it is using the picture.
    expect(fake.calls.slice(callsBefore).some((call) => call.method === 'chat.postEphemeral' && /^Using the latest image/.test(String(call.args.text)))).toBe(false);
  });

  it('paints the person and the background in two styles from the modal’s fields', async () => {
    const message = fake.postUserMessage(BOB, 'me at the fair', [personPhoto]);
    await shortcutOn(message, 'trigger-split');
    const open = await fake.waitForCall((call) => call.method === 'views.open' && call.args.trigger_id === 'trigger-split');
    const view = JSON.parse(String(open.args.view)) as { callback_id: string; private_metadata: string; blocks: { block_id: string; element: { options?: { value: string }[] } }[] };
    expect(view.blocks.find((block) => block.block_id === 'target')!.element.options!.map((option) => option.value)).toEqual(['everything', 'person', 'background']);
    expect(view.blocks.find((block) => block.block_id === 'background_style')!.element.options!.map((option) => option.value)).toContain('great-wave');
    await submitModal(view, {
      style: { style_name: { type: 'static_select', selected_option: { value: 'udnie', text: { type: 'plain_text', text: 'udnie' } } } },
      background_style: { background_style: { type: 'static_select', selected_option: { value: 'great-wave', text: { type: 'plain_text', text: 'great-wave' } } } },
      size: { size: { type: 'plain_text_input', value: '96' } },
      iterations: { iterations: { type: 'plain_text_input', value: '3' } },
    });
    const complete = await fake.waitForCall(uploadsInThread(message.ts));
    expect(String(complete.args.initial_comment)).toMatch(/style udnie on the person, great-wave behind · 96×64 · 3 iterations/);
    await expectTwoFiles(complete);
  });

  it('shows a bad option beside its field in the modal', async () => {
    const message = fake.postUserMessage(ALICE, '', [photo]);
    await shortcutOn(message, 'trigger-2');
    const open = await fake.waitForCall((call) => call.method === 'views.open' && call.args.trigger_id === 'trigger-2');
    const view = JSON.parse(String(open.args.view)) as Record<string, unknown>;
    const ack = await submitModal(view, { size: { size: { type: 'plain_text_input', value: '9999' } }, style: { style_name: { type: 'static_select', selected_option: { value: '__other__' } } } });
    expect(ack.payload).toEqual({
      response_action: 'errors',
      errors: { size: 'size must be a whole number from 64 to 128.', style_link: 'Paste the link of the message that has the style image (its menu → Copy link).' },
    });
  });

  it('asks to reopen a form whose metadata it did not write (a form opened before an upgrade), beside the style field', async () => {
    for (const privateMetadata of ['', 'not json', '{"channel":"C0GENERAL"}']) {
      const ack = await submitModal({ callback_id: 'impasto_stylize', private_metadata: privateMetadata }, { style: { style_name: { type: 'static_select', selected_option: { value: 'udnie' } } } });
      expect(ack.payload).toEqual({ response_action: 'errors', errors: { style: expect.stringMatching(/^This form is out of date .* choose Stylize with… on the message again\.$/) } });
    }
  });

  it('/stylize <style> works on the user’s latest image in the channel, and says so', async () => {
    const message = fake.postUserMessage(ALICE, 'my dog', [photo]);
    await fake.sendEnvelope('slash_commands', {
      command: '/stylize',
      text: 'starry-night size=64 iterations=2',
      user_id: ALICE,
      user_name: 'alice',
      channel_id: CHANNEL_ID,
      team_id: TEAM_ID,
      trigger_id: 'trigger-3',
      response_url: `${fake.apiUrl}response`,
      token: 'verification',
    });
    const told = await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && /latest image you shared/.test(String(call.args.text)));
    expect(told.args.user).toBe(ALICE);
    const complete = await fake.waitForCall(uploadsInThread(message.ts));
    expect(String(complete.args.initial_comment)).toMatch(/style starry-night/);
  });

  it('a mention in an image’s thread with a style name starts a job there', async () => {
    const parent = fake.postUserMessage(ALICE, 'beach day', [photo]);
    fake.postUserMessage(ALICE, '<@U0BOT> the-scream', [], parent.ts);
    await mentionInThread(parent.ts, 'the-scream', 'Ev1');
    const complete = await fake.waitForCall(uploadsInThread(parent.ts));
    expect(String(complete.args.initial_comment)).toMatch(/style the-scream/);
  });

  it('paints another member’s photo from its thread, and lets that member remove the result', async () => {
    const parent = fake.postUserMessage(BOB, 'my dog', [photo]);
    await mentionInThread(parent.ts, 'udnie', 'Ev2');
    const complete = await fake.waitForCall(uploadsInThread(parent.ts));
    const uploadedIds = (JSON.parse(String(complete.args.files)) as { id: string }[]).map((file) => file.id);
    const offer = await fake.waitForCall((call) => call.method === 'chat.postMessage' && call.args.thread_ts === parent.ts && /^Try it again/.test(String(call.args.text)));
    const remove = (JSON.parse(String(offer.args.blocks)) as { elements: { action_id: string; value: string; text: { text: string } }[] }[])[0]!.elements.find((button) => button.text.text === 'Remove')!;
    const [jobId] = remove.value.split(' ');
    const job = harness.bot.job(jobId!)!;
    expect(job.photoOwner).toBe(BOB);

    await pressButton(remove, String(offer.response!.ts), 't20', 'U0CAROL');
    await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && call.args.user === 'U0CAROL' && /^Only the person whose photo this is/.test(String(call.args.text)));
    expect(harness.bot.job(job.id)).toBeDefined();

    await pressButton(remove, String(offer.response!.ts), 't21', BOB);
    await fake.waitForCall((call) => call.method === 'chat.update' && call.args.ts === offer.response!.ts && /removed at the request of the photo’s owner/.test(String(call.args.text)));
    expect(fake.calls.filter((call) => call.method === 'files.delete').map((call) => call.args.file)).toEqual(expect.arrayContaining(uploadedIds));
    expect(harness.bot.job(job.id)).toBeUndefined();
    for (const path of [job.contentPath, job.result!.pngPath, job.result!.gifPath]) expect(existsSync(path)).toBe(false);
  });

  it('paints a GIF posted in the channel and uploads the animation into its thread', async () => {
    const clip = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 4, width: 96, height: 72 });
    const gif = fake.addFile('street.gif', await encodeGif(clip.frames, { delaysMs: [120, 120, 120, 480], maxSide: 96 }), 'image/gif');
    const parent = fake.postUserMessage(ALICE, 'a street', [gif]);
    await mentionInThread(parent.ts, 'udnie', 'Ev3');
    const complete = await fake.waitForCall(uploadsInThread(parent.ts));
    expect(String(complete.args.initial_comment)).toMatch(/style udnie · 96×72 · .* · 4 frames/);
    const ids = (JSON.parse(String(complete.args.files)) as { id: string }[]).map((file) => file.id);
    const animation = fake.uploads.find((upload) => ids.includes(upload.fileId) && upload.filename.endsWith('.gif'))!;
    const metadata = await sharp(animation.bytes, { animated: true }).metadata();
    expect(metadata.pages).toBe(4);
    expect(metadata.delay).toEqual([120, 120, 120, 480]);
  });

  it('refuses /stylize in a channel it is not a member of, through the command\'s response URL, before any work', async () => {
    fake.notMemberOf.add('C0PRIVATE');
    const jobsBefore = harness.bot.jobsOf('slack', ALICE).length;
    const ack = await fake.sendEnvelope('slash_commands', { command: '/stylize', text: 'udnie', user_id: ALICE, user_name: 'alice', channel_id: 'C0PRIVATE', team_id: TEAM_ID, trigger_id: 't22', response_url: `${fake.apiUrl}response` });
    // Acknowledged at once, empty: the check asks Slack, which may take longer than its 3 seconds allow.
    expect(ack.payload ?? {}).toEqual({});
    const told = await fake.waitForCall((call) => call.method === 'response' && /I'm not a member of #c0private/.test(String(call.args.text)));
    expect(told.args).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/\/invite @impasto/) });
    expect(fake.calls.some((call) => call.method === 'conversations.history' && call.args.channel === 'C0PRIVATE')).toBe(false);
    expect(harness.bot.jobsOf('slack', ALICE)).toHaveLength(jobsBefore);
  });

  it('explains the sign-in page Slack sends instead of a file', async () => {
    const broken = { ...photo, id: 'F0GONE', url_private_download: `http://${fake.fileHost}/files/${TEAM_ID}-F0GONE/gone.jpg` };
    const message = fake.postUserMessage(ALICE, '', [broken]);
    await mentionInThread(message.ts, 'udnie', 'Ev4');
    const told = await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && call.args.thread_ts === message.ts);
    // The fake's token has files:read: the file is out of reach, not the scope missing.
    expect(told.args.text).toBe('Slack would not give me the content image: it may have been deleted, or shared in a conversation I am not in (invite me there with /invite @impasto).');
    // What the same page means with other scopes (read once, at start).
    expect(whyNoFile(['chat:write', 'commands'], 'style image')).toBe('Slack sent a sign-in page instead of the style image: the app is missing the files:read scope. Ask whoever installed it to reinstall it from the manifest.');
    expect(whyNoFile(undefined, 'style image')).toMatch(/^Slack would not give me the style image: .*, or the app may be missing the files:read scope\.$/);
  });

  it('never fetches a file from a host outside the allow-list', async () => {
    const seen: string[] = [];
    const elsewhere = createServer((request, response) => {
      seen.push(request.url ?? '');
      response.end();
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const foreign = { ...photo, id: 'F0FOREIGN', url_private_download: `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/cat.jpg` };
    const message = fake.postUserMessage(ALICE, '', [foreign]);
    await mentionInThread(message.ts, 'udnie', 'Ev5');
    const told = await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && call.args.thread_ts === message.ts);
    expect(String(told.args.text)).toMatch(/^The content image is not hosted on this chat platform/);
    expect(seen).toEqual([]);
    elsewhere.close();
  });

  it('cancels a running job from its Cancel button', async () => {
    const message = fake.postUserMessage(ALICE, '', [photo]);
    await fake.sendEnvelope('slash_commands', { command: '/stylize', text: 'udnie size=128 iterations=20', user_id: ALICE, user_name: 'alice', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 't4', response_url: `${fake.apiUrl}response` });
    const status = await fake.waitForCall((call) => call.method === 'chat.postMessage' && call.args.thread_ts === message.ts);
    const progress = await fake.waitForCall((call) => call.method === 'chat.update' && call.args.ts === status.response!.ts && /iteration \d+\/20/.test(String(call.args.text)));
    const blocks = JSON.parse(String(progress.args.blocks)) as { type: string; elements?: { action_id: string; value: string }[] }[];
    const button = blocks.find((block) => block.type === 'actions')!.elements![0]!;
    await pressButton(button, String(progress.args.ts), 't5');
    await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && /^Cancelled job /.test(String(call.args.text)));
    await fake.waitForCall((call) => call.method === 'chat.update' && call.args.ts === status.response!.ts && /was cancelled/.test(String(call.args.text)));
    expect(fake.calls.some(uploadsInThread(message.ts))).toBe(false);
  });

  it('offers less style, more style and another seed under a result; more style repaints in the same thread', async () => {
    const message = fake.postUserMessage(ALICE, '', [photo]);
    await fake.sendEnvelope('slash_commands', { command: '/stylize', text: 'udnie size=64 iterations=2', user_id: ALICE, user_name: 'alice', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 't6', response_url: `${fake.apiUrl}response` });
    const offer = await fake.waitForCall((call) => call.method === 'chat.postMessage' && call.args.thread_ts === message.ts && /^Try it again/.test(String(call.args.text)));
    const buttons = (JSON.parse(String(offer.args.blocks)) as { elements: { action_id: string; value: string; text: { text: string } }[] }[])[0]!.elements;
    expect(buttons.map((button) => button.text.text)).toEqual(['Less style', 'More style', 'Again with another seed']);
    const original = harness.bot.job(buttons[1]!.value)!;
    expect(original.options.strength).toBe(5);
    const uploadsBefore = fake.calls.filter(uploadsInThread(message.ts)).length;
    await pressButton(buttons[1]!, String(offer.response!.ts), 't7');
    await expect.poll(() => fake.calls.filter(uploadsInThread(message.ts)).length, { timeout: 120_000 }).toBe(uploadsBefore + 1);
    const again = harness.bot.jobsOf('slack', ALICE).find((job) => job.id !== original.id && job.createdAt > original.createdAt)!;
    expect(again.options).toMatchObject({ strength: 7, seed: original.options.seed, size: 64 });
  });

  it('answers a fast style with the network’s picture first, then paints it properly in the same thread', async () => {
    harness.bot.library.setNetwork('the-scream', 'scream');
    const message = fake.postUserMessage(ALICE, '', [photo]);
    await fake.sendEnvelope('slash_commands', { command: '/stylize', text: 'the-scream size=64', user_id: ALICE, user_name: 'alice', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 't8', response_url: `${fake.apiUrl}response` });
    const complete = await fake.waitForCall(uploadsInThread(message.ts));
    await expectTwoFiles(complete);
    expect(String(complete.args.initial_comment)).toMatch(/style the-scream · 64×48 · one pass of the scream network/);
    const offer = await fake.waitForCall((call) => call.method === 'chat.postMessage' && call.args.thread_ts === message.ts && /^Try it again/.test(String(call.args.text)));
    const buttons = (JSON.parse(String(offer.args.blocks)) as { elements: { action_id: string; value: string; text: { text: string } }[] }[])[0]!.elements;
    expect(buttons.map((button) => button.text.text)).toEqual(['Less style', 'Paint it properly']);
    await pressButton(buttons[1]!, String(offer.response!.ts), 't9');
    const painted = await fake.waitForCall((call) => uploadsInThread(message.ts)(call) && /started from the scream network's picture/.test(String(call.args.initial_comment)));
    await expectTwoFiles(painted);
  });

  it('finishes and delivers a job across a Socket Mode reconnect', async () => {
    const message = fake.postUserMessage(ALICE, '', [photo]);
    await fake.sendEnvelope('slash_commands', { command: '/stylize', text: 'great-wave size=64 iterations=20', user_id: ALICE, user_name: 'alice', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 't6', response_url: `${fake.apiUrl}response` });
    const status = await fake.waitForCall((call) => call.method === 'chat.postMessage' && call.args.thread_ts === message.ts);
    await fake.waitForCall((call) => call.method === 'chat.update' && call.args.ts === status.response!.ts && /iteration \d+\/20/.test(String(call.args.text)));
    const before = fake.connections();
    fake.dropSocket();
    await expect.poll(() => fake.connections(), { timeout: 30_000 }).toBeGreaterThan(before);
    const complete = await fake.waitForCall(uploadsInThread(message.ts));
    await expectTwoFiles(complete);
    // The new connection carries new commands.
    const ack = await fake.sendEnvelope('slash_commands', { command: '/impasto', text: 'queue', user_id: ALICE, user_name: 'alice', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 't7', response_url: `${fake.apiUrl}response` });
    expect(ack.envelope_id).toBeDefined();
  });

  it('answers a mistyped /impasto command with the one it likely meant, and /impasto help <command> with its options', async () => {
    // A member of their own, so that no earlier test's late answer is taken for theirs.
    const typist = 'U0TYPIST';
    const answers: string[] = [];
    for (const text of ['stlyes', 'style ad pier', 'style', 'contest strat great-wave 2h Pier', 'paint', 'help contest start']) {
      const since = fake.calls.length;
      await fake.sendEnvelope('slash_commands', { command: '/impasto', text, user_id: typist, user_name: 'typist', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 't8', response_url: `${fake.apiUrl}response` });
      answers.push(String((await fake.waitForCall((call) => fake.calls.indexOf(call) >= since && call.method === 'chat.postEphemeral' && call.args.user === typist)).args.text));
    }
    expect(answers).toEqual([
      'I don\'t know "stlyes": did you mean /impasto styles? (/impasto help lists them all.)',
      'I don\'t know "style ad": did you mean /impasto style add?',
      '/impasto style is followed by add, remove or train (such as /impasto style add &lt;name&gt;); /impasto styles shows the gallery.',
      'I don\'t know "contest strat": did you mean /impasto contest start?',
      'I don\'t know "paint". Try /impasto help.',
      // And help for one command, named in words.
      expect.stringMatching(/^\/impasto contest start: Start a style contest in this channel \(moderators\)\n  • title \(required\): /),
    ]);
  });

  it('shows the gallery found by words or a page of it, as typed after /impasto styles', async () => {
    const viewer = 'U0VIEWER';
    const since = fake.calls.length;
    await fake.sendEnvelope('slash_commands', { command: '/impasto', text: 'styles great wave', user_id: viewer, user_name: 'viewer', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 't10', response_url: `${fake.apiUrl}response` });
    const posted = await fake.waitForCall((call) => fake.calls.indexOf(call) >= since && call.method === 'files.completeUploadExternal' && call.args.channel_id === CHANNEL_ID);
    expect(posted.args.initial_comment).toBe('1 style with "great wave": great-wave. Use one with /stylize &lt;name&gt;.');
    // A number is the page: past the end, the asker alone is told.
    const later = fake.calls.length;
    await fake.sendEnvelope('slash_commands', { command: '/impasto', text: 'styles 9', user_id: viewer, user_name: 'viewer', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 't11', response_url: `${fake.apiUrl}response` });
    const refused = await fake.waitForCall((call) => fake.calls.indexOf(call) >= later && call.method === 'chat.postEphemeral' && call.args.user === viewer);
    expect(refused.args.text).toBe('The gallery has 1 page: page 9 is past its end.');
  });

  it('leafs through a long gallery with ◀ and ▶, each page posted in the first page’s thread, and runs nothing else from such a button', async () => {
    const styles = harness.bot.library.in(`slack:${TEAM_ID}`);
    const swatch = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(150) };
    const names = Array.from({ length: 30 }, (_, index) => `swatch-${String(index).padStart(2, '0')}`);
    for (const name of names) await styles.add(name, swatch, 'slack:mod');
    try {
      const count = Math.ceil(styles.list().length / 24);
      const leafer = 'U0LEAFER';
      type Buttons = { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[];
      const buttonsOf = (call: ApiCall) => (JSON.parse(String(call.args.blocks)) as Buttons).flatMap((block) => block.elements ?? []);
      const since = fake.calls.length;
      await fake.sendEnvelope('slash_commands', { command: '/impasto', text: 'styles', user_id: leafer, user_name: 'leafer', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: 't30', response_url: `${fake.apiUrl}response` });
      const first = await fake.waitForCall((call) => fake.calls.indexOf(call) >= since && call.method === 'files.completeUploadExternal' && call.args.channel_id === CHANNEL_ID);
      expect(first.args.thread_ts).toBeUndefined();
      // Uploads carry no buttons: a line with them follows, in the channel.
      const firstLine = await fake.waitForCall((call) => fake.calls.indexOf(call) >= since && call.method === 'chat.postMessage' && call.args.text === `Page 1 of ${count}.`);
      expect(firstLine.args.thread_ts).toBeUndefined();
      expect(buttonsOf(firstLine).map((button) => [button.text.text, button.value])).toEqual([['Page 2 ▶', 'styles?page=2']]);
      const root = String(firstLine.response!.ts);

      // Bob turns the page: page 2 comes in the thread of that line, with the way back and on.
      const turned = fake.calls.length;
      await pressButton(buttonsOf(firstLine)[0]!, root, 't31', BOB);
      const second = await fake.waitForCall((call) => fake.calls.indexOf(call) >= turned && uploadsInThread(root)(call));
      expect(String(second.args.initial_comment)).toMatch(new RegExp(`^\\d+ styles, page 2 of ${count}: `));
      const secondLine = await fake.waitForCall((call) => fake.calls.indexOf(call) >= turned && call.method === 'chat.postMessage' && call.args.text === `Page 2 of ${count}.`);
      expect(secondLine.args.thread_ts).toBe(root);
      expect(buttonsOf(secondLine)[0]!.text.text).toBe('◀ Page 1');
      // Pressed in the thread, the page stays in that thread.
      const back = fake.calls.length;
      await pressButton(buttonsOf(secondLine)[0]!, String(secondLine.response!.ts), 't32', BOB, root);
      const again = await fake.waitForCall((call) => fake.calls.indexOf(call) >= back && uploadsInThread(root)(call));
      expect(String(again.args.initial_comment)).toMatch(new RegExp(`^\\d+ styles, page 1 of ${count}: `));

      // A button naming another command (one Slack would not send: the bot made no such button) runs nothing.
      const forged = fake.calls.length;
      await pressButton({ action_id: 'impasto_page_next', value: 'forget-me?confirm=true' }, root, 't33', BOB);
      const refused = await fake.waitForCall((call) => fake.calls.indexOf(call) >= forged && call.method === 'chat.postEphemeral' && call.args.user === BOB);
      // Said where the button is: in the channel.
      expect(refused.args).toMatchObject({ text: OUTDATED_BUTTON });
      expect(refused.args.thread_ts).toBeUndefined();
      // A page gone since (the library shrank) is said to the presser alone, in the thread where they pressed.
      const gone = fake.calls.length;
      await pressButton({ action_id: 'impasto_page_next', value: `styles?page=${count + 1}` }, String(secondLine.response!.ts), 't34', BOB, root);
      const told = await fake.waitForCall((call) => fake.calls.indexOf(call) >= gone && call.method === 'chat.postEphemeral' && call.args.user === BOB);
      expect(told.args).toMatchObject({ thread_ts: root, text: `The gallery has ${count} pages: page ${count + 1} is past its end.` });
      expect(fake.calls.slice(forged).some((call) => call.method === 'files.completeUploadExternal')).toBe(false);
    } finally {
      for (const name of names) await styles.remove(name);
    }
  });

  it('keeps the modal’s private_metadata small: only the file’s id, name and URL, and who posted it', async () => {
    // A phone upload's file object, as Slack sends it: thumbnails, permalinks, a long camera name.
    const thumbs = Object.fromEntries([64, 80, 160, 360, 480, 720, 800, 960, 1024].flatMap((size) => [
      [`thumb_${size}`, `https://files.slack.com/files-tmb/${TEAM_ID}-F0123456789-abcdef0123/pxl_20261128_093512345_mp_${size}.jpg`],
      [`thumb_${size}_w`, size],
      [`thumb_${size}_h`, Math.round(size * 0.75)],
    ]));
    const phoneFile = {
      ...photo,
      name: 'PXL_20261128_093512345.MP.PORTRAIT.ORIGINAL.jpg',
      title: 'PXL_20261128_093512345.MP.PORTRAIT.ORIGINAL.jpg',
      ...thumbs,
      permalink: `https://painters.slack.com/files/${ALICE}/F0123456789/pxl_20261128_093512345.mp.portrait.original.jpg`,
      permalink_public: `https://slack-files.com/${TEAM_ID}-F0123456789-0123456789`,
      original_w: 4032,
      original_h: 3024,
      is_external: false,
      is_public: true,
      user: ALICE,
      pretty_type: 'JPEG',
      media_display_type: 'unknown',
      created: 1795858512,
      shares: { public: { [CHANNEL_ID]: [{ reply_users: [], reply_users_count: 0, reply_count: 0, ts: '1795858512.000100', channel_name: 'general', team_id: TEAM_ID, share_user_id: ALICE }] } },
    };
    expect(JSON.stringify(phoneFile).length).toBeGreaterThan(2000);
    const message = fake.postUserMessage(ALICE, '', [phoneFile]);
    await shortcutOn(message, 'trigger-phone');
    const open = await fake.waitForCall((call) => call.method === 'views.open' && call.args.trigger_id === 'trigger-phone');
    const view = JSON.parse(String(open.args.view)) as { callback_id: string; private_metadata: string };
    expect(view.private_metadata.length).toBeLessThan(600);
    expect(JSON.parse(view.private_metadata)).toEqual({
      channel: CHANNEL_ID,
      threadTs: message.ts,
      file: { id: photo.id, name: 'PXL_20261128_093512345.MP.PORTRAIT.ORIGINAL.jpg', url: photo.url_private_download },
      photoOwner: ALICE,
    });
    await submitModal(view, {
      style: { style_name: { type: 'static_select', selected_option: { value: 'udnie', text: { type: 'plain_text', text: 'udnie' } } } },
      size: { size: { type: 'plain_text_input', value: '64' } },
      iterations: { iterations: { type: 'plain_text_input', value: '2' } },
    });
    await fake.waitForCall(uploadsInThread(message.ts));
  });
});

describe('Slack over HTTP (signed requests)', () => {
  let harness: Awaited<ReturnType<typeof startTestBot>>;
  let adapter: SlackAdapter;
  beforeAll(async () => {
    ({ harness, adapter } = await startHarness({ SLACK_MODE: 'http', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_PORT: '0' }));
  });
  afterAll(async () => {
    await adapter?.stop();
    await harness?.stop();
  });

  const slash = (text: string, trigger: string) =>
    new URLSearchParams({ command: '/stylize', text, user_id: ALICE, user_name: 'alice', channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: trigger, response_url: `${fake.apiUrl}response`, token: 'v' }).toString();

  async function post(body: string, headers: Record<string, string>): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${adapter.port}/slack/events`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
    await response.text();
    return response.status;
  }

  it('refuses a bad signature and a stale timestamp with 401, and starts no job', async () => {
    fake.postUserMessage(ALICE, '', [photo]);
    const callsBefore = fake.calls.length;
    const body = slash('udnie size=64 iterations=2', 'forged');
    expect(await post(body, signRequest(body, 'not-the-secret'))).toBe(401);
    expect(await post(body, signRequest(body, SIGNING_SECRET, Math.floor(Date.now() / 1000) - 6 * 60))).toBe(401);
    expect(await post(body, {})).toBe(401);
    // Nothing was done on their behalf: no Slack call, no job.
    await harness.bot.idle();
    // (Bolt is told who the bot is at start, so it makes no auth.test of its own either.)
    expect(fake.calls.slice(callsBefore).map((call) => call.method)).toEqual([]);
    expect(harness.bot.jobsOf('slack', ALICE)).toEqual([]);
  });

  it('runs a correctly signed /stylize', async () => {
    const message = fake.postUserMessage(ALICE, '', [photo]);
    const body = slash('udnie size=64 iterations=2', 'signed');
    expect(await post(body, signRequest(body))).toBe(200);
    const complete = await fake.waitForCall(uploadsInThread(message.ts));
    await expectTwoFiles(complete);
    expect(harness.bot.jobsOf('slack', ALICE)).toHaveLength(1);
  });

  it('refuses an exact replay of a signed request, and a timestamp from the future', async () => {
    const message = fake.postUserMessage(ALICE, '', [photo]);
    const body = slash('udnie size=64 iterations=2', 'replayed');
    const headers = signRequest(body);
    const jobsBefore = harness.bot.jobsOf('slack', ALICE).length;
    expect(await post(body, headers)).toBe(200);
    expect(await post(body, headers)).toBe(401);
    const future = slash('udnie size=64 iterations=2', 'future');
    expect(await post(future, signRequest(future, SIGNING_SECRET, Math.floor(Date.now() / 1000) + 10 * 60))).toBe(401);
    await fake.waitForCall(uploadsInThread(message.ts));
    await harness.bot.idle();
    expect(harness.bot.jobsOf('slack', ALICE).length).toBe(jobsBefore + 1);
  });
});

describe('Slack: training a style', () => {
  let harness: Awaited<ReturnType<typeof startTestBot>>;
  let adapter: SlackAdapter;
  let photosDir: string;
  beforeAll(async () => {
    // The shared photos as the training folder (the first by name is the sample); tiny crops.
    photosDir = await mkdtemp(join(tmpdir(), 'impasto-slack-training-'));
    for (const name of ['content_beach_kites.jpg', 'content_dog.jpg', 'content_tubingen.jpg']) await symlink(sharedImagePath(name), join(photosDir, name));
    ({ harness, adapter } = await startHarness({ SLACK_APP_TOKEN: APP_TOKEN, SLACK_MODERATORS: BOB, IMPASTO_TRAINING_PHOTOS_DIR: photosDir, IMPASTO_TRAINING_SIZE: '32', IMPASTO_TRAINING_BATCH: '1' }));
  });
  afterAll(async () => {
    await adapter?.stop();
    await harness?.stop();
    await rm(photosDir, { recursive: true, force: true });
  });

  const impasto = (user: string, text: string, trigger: string) =>
    fake.sendEnvelope('slash_commands', { command: '/impasto', text, user_id: user, user_name: user.toLowerCase(), channel_id: CHANNEL_ID, team_id: TEAM_ID, trigger_id: trigger, response_url: `${fake.apiUrl}response` });

  it('trains a library style for a moderator and posts the before/after sheet and the GIF of samples', async () => {
    await impasto(ALICE, 'style train starry-night', 'train-1');
    await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && call.args.user === ALICE && /for moderators/.test(String(call.args.text)));
    const calls = fake.calls.length;
    await impasto(BOB, 'style train starry-night steps=10', 'train-2');
    await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && call.args.user === BOB && /training a fast network for "starry-night"/.test(String(call.args.text)));
    const complete = await fake.waitForCall((call) => fake.calls.indexOf(call) >= calls && call.method === 'files.completeUploadExternal' && call.args.channel_id === CHANNEL_ID);
    await expectTwoFiles(complete);
    expect(harness.bot.library.in(`slack:${TEAM_ID}`).get('starry-night')?.network).toBe(`trained:slack-${TEAM_ID.toLowerCase()}-starry-night`);
  });
});

describe('Slack: failures inside a listener', () => {
  /** `guarded` with a real Web API client talking to the fake, and the log as JSON lines. */
  async function guard(failure: unknown): Promise<{ levels: number[]; told: string }> {
    const lines: { level: number }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number }) });
    const client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl });
    // guarded reads only the logger, the client and the commands' names (for its words) of the adapter's state.
    const state = { logger, client, bot: { commands: [] } } as unknown as SlackState;
    const user = `U0GUARD${randomBytes(3).toString('hex').toUpperCase()}`;
    await guarded(state, CHANNEL_ID, user, async () => {
      throw failure;
    });
    const told = await fake.waitForCall((call) => call.method === 'chat.postEphemeral' && call.args.user === user);
    return { levels: lines.map((line) => line.level), told: String(told.args.text) };
  }

  it('logs a refusal as information, the workspace’s setup as a warning, and anything else as an error, and tells the user each time', async () => {
    expect(await guard(new BotError('unknown_style', 'There is no style "x".', 'style_name'))).toEqual({ levels: [30], told: 'There is no style "x".' });
    expect(await guard(Object.assign(new Error('An API error occurred: not_in_channel'), { data: { ok: false, error: 'not_in_channel' } }))).toEqual({ levels: [40], told: 'I am not in this channel: invite me with /invite @impasto, then try again.' });
    expect(await guard(new TypeError('Cannot read properties of undefined'))).toEqual({ levels: [50], told: 'Something went wrong on our side; it has been logged.' });
    // The member is told an operator has been: the log says so at error level.
    expect(await guard(new WeightsError('VGG-19 weights not found'))).toEqual({ levels: [50], told: 'The style engine is not set up yet (its VGG-19 weights are missing). An operator has been told.' });
  });
});
