import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDiscordAdapter, type DiscordAdapter } from '../../src/adapters/discord/adapter.ts';
import { uploadLimitIn } from '../../src/adapters/discord/upload-limits.ts';
import { importSharedStyles, startTestBot } from '../helpers/bot.ts';
import { syntheticClip } from '../../src/engine/clip/synthetic.ts';
import { encodeGif } from '../../src/engine/gif.ts';
import { loadSharedImage, sharedImagePath } from '../helpers/shared.ts';
import { APPLICATION_ID, CHANNEL_ID, GUILD_ID, attachmentObject, interactionPayload, startFakeDiscord, type FakeDiscord } from '../fakes/discord/server.ts';

/**
 * A result larger than Discord takes (a 2048×1536 PNG is about 8 MB, a square one more; Discord
 * takes 10 MB a file on a server without boosts) used to have its whole message refused, and the
 * user never got the picture. Here the fake Discord and the adapter share a limit small enough for a
 * quick job's PNG to pass it: the real discord.js, and a fake that refuses what Discord refuses
 * (413, code 40005). Boosts raise Discord's limit (50 MB at level 2): here to ten times the unboosted one.
 */
const LIMIT = 60_000;
const BOOSTED_LIMIT = 600_000;
const LIMITS = { 0: LIMIT, 1: LIMIT, 2: BOOSTED_LIMIT, 3: 2 * BOOSTED_LIMIT };

let fake: FakeDiscord;
let harness: Awaited<ReturnType<typeof startTestBot>>;
let adapter: DiscordAdapter;
const alice = { id: '100000000000000001', username: 'alice' };

beforeAll(async () => {
  fake = await startFakeDiscord({ maxFileBytes: LIMIT });
  harness = await startTestBot({
    DISCORD_TOKEN: 'fake-discord-token-0123456789',
    DISCORD_API_URL: fake.apiUrl,
    DISCORD_CDN_HOSTS: fake.cdnHost,
    IMPASTO_MAX_SIZE: '256',
    IMPASTO_MAX_ITERATIONS: '20',
  });
  await importSharedStyles(harness.bot);
  adapter = await startDiscordAdapter({ bot: harness.bot, env: harness.env, logger: pino({ level: 'silent' }), uploadLimits: LIMITS });
});
afterAll(async () => {
  await adapter?.stop();
  await harness?.stop();
  await fake?.close();
});

/** Paints the tubingen photo (or `upload`) at 256 px through /stylize; the final edit of its reply, and its job. */
async function paintThroughSlashCommand(interactionId: string, upload?: { name: string; bytes: Uint8Array; type: string; style: string }) {
  const { name, bytes, type, style } = upload ?? { name: 'tubingen.jpg', bytes: await readFile(sharedImagePath('content_tubingen.jpg')), type: 'image/jpeg', style: 'starry-night' };
  const content = attachmentObject(fake.addCdnFile(name, bytes, type), name, type, bytes.byteLength);
  const options = [
    { name: 'content', type: 11, value: content.id },
    { name: 'style_name', type: 3, value: style },
    { name: 'size', type: 4, value: 256 },
    { name: 'iterations', type: 4, value: 4 },
  ];
  const interaction = interactionPayload({ type: 2, user: alice, data: { id: interactionId, name: 'stylize', type: 1, options, resolved: { attachments: { [content.id]: content } } } });
  fake.dispatchInteraction(interaction);
  const edit = `/webhooks/${APPLICATION_ID}/${interaction.token as string}/messages/@original`;
  const final = await fake.waitForRequest((request) => request.path === edit && request.method === 'PATCH' && /^Done/.test(String((request.json as { content?: string }).content)), 120_000);
  const job = harness.bot.jobsOf('discord', alice.id)[0]!;
  return { final, job, png: await readFile(job.result!.pngPath) };
}

describe('a result over Discord’s upload limit', () => {
  it('arrives, its picture as a JPEG within the limit, and its details say why', async () => {
    const { final, job, png } = await paintThroughSlashCommand('800000000000000001');
    // The premise: the PNG alone is over the limit.
    expect(png.byteLength).toBeGreaterThan(LIMIT);
    const still = final.files.find((file) => !file.filename.endsWith('.gif'))!;
    expect(still.filename).toBe(`impasto-${job.id}.jpg`);
    const metadata = await sharp(still.bytes).metadata();
    expect(metadata.format).toBe('jpeg');
    expect(still.bytes.byteLength).toBeLessThanOrEqual(LIMIT);
    expect(String((final.json as { content: string }).content)).toMatch(/the picture sent as a JPEG( \d+ px wide)? to fit Discord's 0\.1 MB upload limit \(its PNG was 0\.\d MB\)/);
    // Every file of the message is within the limit (the fake refuses the message otherwise), and the description is kept.
    for (const file of final.files) expect(file.bytes.byteLength).toBeLessThanOrEqual(LIMIT);
    expect((final.json as { attachments: { filename: string; description?: string }[] }).attachments.find((attachment) => attachment.filename === still.filename)?.description).toMatch(/starry-night/);
  });

  it('sends a clip’s GIF over the limit scaled down to fit, every frame kept, and keeps it whole for other chats', async () => {
    const clip = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 6, width: 256, height: 192 });
    const upload = { name: 'street.gif', bytes: await encodeGif(clip.frames, { delaysMs: clip.frames.map(() => 100), maxSide: 256 }), type: 'image/gif', style: 'the-scream' };
    const { final, job } = await paintThroughSlashCommand('800000000000000003', upload);
    const whole = (await harness.bot.resultFiles(job)).gif!;
    // The premise: the clip's GIF, as painted, is over the limit.
    expect(whole.byteLength).toBeGreaterThan(LIMIT);
    expect(await sharp(whole, { animated: true }).metadata()).toMatchObject({ width: 256, pages: 6 });
    const sent = final.files.find((file) => file.filename.endsWith('.gif'))!;
    const metadata = await sharp(sent.bytes, { animated: true }).metadata();
    expect(sent.bytes.byteLength).toBeLessThanOrEqual(LIMIT);
    expect(metadata).toMatchObject({ format: 'gif', pages: 6 });
    expect(String((final.json as { content: string }).content)).toContain(`the GIF made ${metadata.width} px wide to fit Discord's 0.1 MB upload limit`);
  }, 120_000);

  it('on a server boosted since, arrives as its PNG: the server’s own limit is used', async () => {
    fake.boostGuild(2, BOOSTED_LIMIT);
    await vi.waitFor(() => expect(adapter.client.guilds.cache.get(GUILD_ID)?.premiumTier).toBe(2));
    const { final, job, png } = await paintThroughSlashCommand('800000000000000002');
    // The premise: over the unboosted limit, within the boosted one.
    expect(png.byteLength).toBeGreaterThan(LIMIT);
    expect(png.byteLength).toBeLessThanOrEqual(BOOSTED_LIMIT);
    const still = final.files.find((file) => !file.filename.endsWith('.gif'))!;
    expect(still.filename).toBe(`impasto-${job.id}.png`);
    expect(Buffer.compare(Buffer.from(still.bytes), png)).toBe(0);
    expect(String((final.json as { content: string }).content)).not.toMatch(/JPEG/);
    expect(uploadLimitIn(adapter.client, CHANNEL_ID, LIMITS).label).toBe("this server's 0.6 MB upload limit");
  });

  it('where the bot does not know the channel’s server (a direct message), is the unboosted limit', () => {
    expect(uploadLimitIn(adapter.client, '123456789012345678', LIMITS)).toEqual({ bytes: LIMIT, label: "Discord's 0.1 MB upload limit" });
  });
});
