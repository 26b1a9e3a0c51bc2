/**
 * `npm run fuzz:chat -- [seconds=60] [workers=4] [--restarts=N] [--slack=http] [--disk=MB]
 * [--flaky=PERCENT] [--outages=N]`: a flood of what chat users can send, through the real discord.js and Bolt.
 * Starts the loopback fakes of Discord and Slack (test/fakes), a stranger host that nobody should
 * fetch from, and `impasto start` connected to both fakes; then for `seconds` sends every command
 * with odd option values and types, damaged, empty and foreign attachments, message menus and
 * shortcuts on odd messages, autocomplete, buttons, menus and modal submissions with made-up or
 * other users' ids, mentions, and members leaving. With `--restarts` it kills the app that many
 * times meanwhile (by turns SIGKILL and SIGTERM) and starts it again on the same data; what was
 * sent around a restart may go unanswered, as on the platforms. Slack's side goes over Socket Mode,
 * or with `--slack=http` as signed requests to Bolt's own HTTP server (the replay guard and Bolt's
 * three-second acknowledgement in the path). With `--flaky` that share of the bot's posts, edits
 * and uploads fail with 503 during the flood (the platforms' clients and the adapters try them
 * again), interaction callbacks excepted. With `--outages` both platforms go down that many times
 * meanwhile, for 5 to 15 s each (the gateway and the Socket Mode socket dropped and refused, every
 * other call answered 503), and the bot must be connected again within a minute of their return; what
 * was sent meanwhile may go unanswered, as on the platforms. It then checks that a plain job still succeeds on each
 * platform, and fails (exit 1) on any error logged by the app, the app exiting, an interaction or
 * envelope never answered, a Discord refusal lost after its public "thinking…" reply was deleted,
 * or any request to the stranger host. Not part of `npm test`: it is random and slow. Needs the
 * shared weights and photos (IMPASTO_SHARED_DIR). With `--disk=MB` (as root: it mounts a tmpfs) the
 * app has that much room left once connected, so that the flood fills its disk; the errors logged
 * for a full disk are expected then, and room is made before the plain jobs.
 */
import { createServer } from 'node:http';
import sharp from 'sharp';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCommandDefinitions } from '../src/bot/commands/reference.ts';
import type { CommandDefinition, OptionDefinition } from '../src/bot/commands/types.ts';
import { attachmentObject, BOT_USER, GUILD_ID, interactionPayload, PERMISSIONS, snowflake, startFakeDiscord, userMessage, type FakeUser } from '../test/fakes/discord/server.ts';
import { APP_TOKEN, BOT_TOKEN, CHANNEL_ID as SLACK_CHANNEL, eventCallback, SIGNING_SECRET, signRequest, startFakeSlack, TEAM_ID } from '../test/fakes/slack/server.ts';
import { heicOf, heifOfPictures } from '../test/helpers/heic.ts';
import { counted } from '../src/bot/format.ts';
import { floodArguments, pick, restartDuringFlood, SHARED_DIR, sleep, startFuzzedApp, waitForLogLine } from './fuzz/app.ts';

const { seconds, workers, restarts, redisWorkers, diskMb } = floodArguments({ seconds: 60, workers: 4 });
const slackOverHttp = process.argv.includes('--slack=http');
/** `--flaky=PERCENT`: that share of the bot's posts, edits and uploads fail (503) during the flood, as when a platform falters. */
const flakyShare = Number(process.argv.find((arg) => arg.startsWith('--flaky='))?.slice('--flaky='.length) ?? 0) / 100;
const outages = Number(process.argv.find((arg) => arg.startsWith('--outages='))?.slice('--outages='.length) ?? 0);
// A bot started while a platform is down stops, saying so (as it should): no restart during an outage.
if (outages > 0 && restarts > 0) throw new Error('--outages and --restarts do not go together: a bot started while Discord is down stops, saying it cannot reach it');
/** How long the bot may take to be connected again once the platforms are back (Slack's tries are 30 s apart at most). */
const RECONNECT_WAIT_MS = 60_000;
const SLACK_HTTP_PORT = 30_000 + Math.floor(Math.random() * 10_000);
// A reply must come within Discord's three seconds; this is far more, so only a missing one counts.
const ANSWER_WAIT_MS = 15_000;

// What the flood says: users, names, texts and numbers, odd and ordinary.
const DISCORD_USERS: { user: FakeUser; permissions: bigint }[] = [
  { user: { id: '100000000000000001', username: 'alice' }, permissions: PERMISSIONS.member },
  { user: { id: '100000000000000002', username: 'bob' }, permissions: PERMISSIONS.member },
  { user: { id: '100000000000000003', username: 'carol' }, permissions: PERMISSIONS.member | PERMISSIONS.manageGuild },
];
// Blends' odd shapes too: commas alone (",,," reached a job as a blend of no style), one style twice in
// two cases, weights whose sum is Infinity.
const STYLE_TEXTS = ['starry-night', 'the-scream', 'udnie', 'mine', 'Starry Night', 'starry-night:0.5,the-scream:0.5', 'starry-night:-1', 'a:b:c', '', ' ', '../x', 'x'.repeat(3000), '😀', '\u0000', 'trained:../../x', '__other__', '__saved__', 'your saved style', 'my-style', 'my-style:0.5,udnie:0.5', ',,,', ':', 'starry-night:', 'starry-night, Starry-Night', 'starry-night:1e308,the-scream:1e308', 'starry-night:0.7, the-scream:0.3', 'starry_night', 'The Starry Night', 'starry-night:0x1,udnie', 'starry-night:0.7:3'];
const TEXTS = [...STYLE_TEXTS, '2h', '0s', '-1d', '9999d', '2026-12-24T18:00Z', '2026-12-24T18:00+14:00', '2026-02-30', '1999-01-01T00:00Z', 'tomorrow', 'true', 'null', '{}', '1e309', '0x100', '0b1000000', ' 512 ', '.5'];
const NUMBERS = [0, -1, 1, 2, 3.5, 64, 96, 97, 1024, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, 0.1, 4, 10, 300, 200_000];
const DISCORD_TYPE_OF: Record<OptionDefinition['type'], number> = { image: 11, integer: 4, number: 10, choice: 3, text: 3, boolean: 5 };

// The plain jobs' style: one the flood never names, since its moderators remove the styles it names.
const PLAIN_STYLE = 'great-wave';

const SLACK_USERS = ['U0ALICE', 'U0BOB', 'U0CAROL'];
const SLACK_CHANNELS = [SLACK_CHANNEL, SLACK_CHANNEL, SLACK_CHANNEL, 'C0ELSEWHERE', 'D0DIRECT'];
const SLACK_ACTIONS = ['impasto_cancel', 'impasto_remove', 'impasto_rerun_less', 'impasto_rerun_more', 'impasto_rerun_seed', 'impasto_rerun_best', 'impasto_rerun_nope', 'impasto_vote', 'impasto_page_next', 'impasto_page_previous'];
/** What a gallery's page button carries (after `impasto:page:` on Discord): some well formed, some not, some naming commands no button may run. */
const PAGE_REQUESTS = ['styles?page=2', 'styles?page=0', 'styles?page=abc&search=%ZZ', 'styles?search=wave&page=1e9', 'styles', 'forget-me?confirm=true', 'contest%20end?page=2'];
// Only our own action and callback ids reach the bot: Slack routes no others to it, and Bolt leaves those unanswered.

const findings: string[] = [];
const restartWindows: { from: number; to: number }[] = [];
const RESTART_MARGIN_MS = 5_000;
// How far collectIds has read what the bot sent.
const seen = { discord: 0, slack: 0 };
const counts = new Map<string, number>();
const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);

const stranger = createServer((request, response) => {
  findings.push(`the bot requested ${request.method} ${request.url} from a host it was not told to trust`);
  response.writeHead(200, { 'content-type': 'image/jpeg' }).end();
});
await new Promise<void>((resolve) => stranger.listen(0, '127.0.0.1', resolve));
const strangerUrl = `http://127.0.0.1:${(stranger.address() as AddressInfo).port}`;

const discord = await startFakeDiscord();
const slack = await startFakeSlack();
const app = await startFuzzedApp({
  DISCORD_TOKEN: 'fake-discord-token-0123456789',
  DISCORD_API_URL: discord.apiUrl,
  DISCORD_CDN_HOSTS: discord.cdnHost,
  DISCORD_GUILD_ID: GUILD_ID,
  SLACK_BOT_TOKEN: BOT_TOKEN,
  ...(slackOverHttp ? { SLACK_MODE: 'http', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_PORT: String(SLACK_HTTP_PORT) } : { SLACK_APP_TOKEN: APP_TOKEN }),
  SLACK_API_URL: slack.apiUrl,
  SLACK_FILE_HOSTS: slack.fileHost,
  SLACK_MODERATORS: 'U0CAROL',
  // Few jobs each, so that the queue drains in time for the plain jobs at the end.
  IMPASTO_MAX_QUEUED_PER_USER: '3',
  IMPASTO_MAX_ITERATIONS: '4',
  IMPASTO_WEB_PORT: String(20_000 + Math.floor(Math.random() * 10_000)),
}, { redisWorkers, diskMb });

try {
  for (const platform of ['Discord', 'Slack']) await waitForLogLine(app, `connected to ${platform}`);
  await app.fillDisk();
  const definitions = await defaultCommandDefinitions();
  const files = await prepareFiles();
  const jobIds = new Set<string>(['0', 'nope', '../../etc', 'x'.repeat(300)]);
  // Discord's "Stylize with…" menus the bot has offered (styles, and which picture), with odd ones besides.
  const menuIds = new Set<string>(['impasto:pick:0', 'impasto:pick:nope', `impasto:picture:${'x'.repeat(90)}`, 'impasto:picture:0']);
  const deadline = Date.now() + seconds * 1000;
  const discordAnswers = new Map<string, { what: string; token: string; at: number }>();
  const slackAcks: Promise<void>[] = [];
  // Interaction callbacks are left alone: an answer lost to them is what the check below looks for.
  const stopFlaking = [
    discord.failRequests((request) => request.method !== 'GET' && !request.path.startsWith('/interactions/') && Math.random() < flakyShare, Number.POSITIVE_INFINITY, 503),
    // Slack's posts, edits and uploads, and the answers at a command's response URL.
    slack.failCalls((call) => /^(chat\.|files\.|response$)/.test(call.method) && Math.random() < flakyShare, Number.POSITIVE_INFINITY, 503),
  ];

  await Promise.all([
    ...Array.from({ length: workers }, async (_, worker) => {
      while (Date.now() < deadline && !app.exited()) {
        if (app.restarting()) {
          await sleep(100);
          continue;
        }
        if (worker % 2 === 0) floodDiscord(definitions, files, jobIds, menuIds, discordAnswers);
        else slackAcks.push(floodSlack(definitions, files, jobIds));
        collectIds(jobIds, menuIds);
        await sleep(50 + Math.random() * 150);
      }
    }),
    restartDuringFlood(app, { seconds, restarts, readyMessages: ['connected to Discord', 'connected to Slack'], restarted: noteRestart }),
    outagesDuringFlood(),
  ]);
  for (const stop of stopFlaking) stop();
  if (flakyShare > 0) {
    counts.set('Discord requests failed (--flaky)', discord.requests.filter((request) => request.failedWith === 503).length);
    counts.set('Slack calls failed (--flaky)', slack.calls.filter((call) => call.response?.failedWith === 503).length);
  }
  await Promise.all(slackAcks);
  await sleep(ANSWER_WAIT_MS);
  const answered = new Set(discord.requests.map((request) => /^\/interactions\/(\d+)\//.exec(request.path)?.[1]).filter(Boolean));
  const refusalsLost = refusalsLostOnDiscord();
  for (const [id, { what, token, at }] of discordAnswers) {
    if (answered.has(id) && !refusalsLost.has(token)) continue;
    const lost = answered.has(id) ? 'Discord refusal lost after its "thinking…" reply was deleted' : 'Discord interaction never answered';
    if (nearRestart(at)) count(`${lost} (restarting)`);
    else findings.push(`${lost}: ${what}`);
  }

  // A full disk refuses new pictures: the app is to paint again as soon as it has room.
  await app.makeRoom();
  const painted = await Promise.all([paintOnDiscord(files.photo), paintOnSlack(files.slackPhoto)]);
  if (!painted[0]) findings.push('a plain Discord /stylize did not finish after the flood');
  if (!painted[1]) findings.push('a plain Slack /stylize did not finish after the flood');
  // Blocks or a view Slack would refuse (the fake checks them as Slack's reference gives them).
  for (const call of slack.calls.filter((call) => call.response?.ok === false && /^invalid_(blocks|arguments)$/.test(String(call.response.error)))) findings.push(`Slack refused ${call.method}: ${JSON.stringify(call.response).slice(0, 300)}`);
} finally {
  findings.push(...app.problems());
  for (const line of app.log().split('\n').filter((line) => line.includes('"level":40'))) count(`warned: ${warningOf(line)}`);
  const unknownRoutes = discord.requests.filter((request) => request.method !== 'GET' && !/interactions|webhooks|channels|applications/.test(request.path));
  for (const request of unknownRoutes) count(`Discord ${request.method} ${request.path.replace(/\d{6,}/g, ':id')}`);
  await app.stop();
  await Promise.all([discord.close(), slack.close(), new Promise((resolve) => stranger.close(resolve))]);
}

console.table([...counts].sort().map(([sent, times]) => ({ sent, times })));
console.log(findings.length === 0 ? `no findings (${seconds} s, ${counted(workers, 'worker')}, ${counted(restarts, 'restart')}${outages > 0 ? `, ${counted(outages, 'outage')}` : ''}${flakyShare > 0 ? `, ${flakyShare * 100}% of posts failed` : ''}${redisWorkers > 0 ? `, ${counted(redisWorkers, 'engine worker')} on Redis` : ''}${diskMb > 0 ? `, ${diskMb} MB of disk (${app.diskFullErrors()} errors logged for it)` : ''})` : [...new Set(findings)].join('\n'));
process.exit(findings.length === 0 ? 0 : 1);

/**
 * Interaction tokens whose deferred reply was deleted with nothing said after it. A refusal found
 * after a public deferral deletes the "thinking…" reply and says why privately in a follow-up; a
 * result's Remove button deletes a reply that had been edited first, and says nothing more.
 */
function refusalsLostOnDiscord(): Set<string> {
  const tokenOf = (path: string) => /^\/webhooks\/\d+\/([^/]+)/.exec(path)?.[1];
  const edited = new Set<string>();
  const deleted = new Set<string>();
  const followedUp = new Set<string>();
  for (const request of discord.requests) {
    const token = tokenOf(request.path);
    if (!token) continue;
    if (request.method === 'PATCH') edited.add(token);
    else if (request.method === 'DELETE' && !edited.has(token)) deleted.add(token);
    else if (request.method === 'POST') followedUp.add(token);
  }
  counts.set('Discord refusals after a public deferral', deleted.size);
  return new Set([...deleted].filter((token) => !followedUp.has(token)));
}

/** A warning line's message and its error's, short: warnings are counted, not findings (a refusal is one). */
function warningOf(line: string): string {
  const message = /"msg":"([^"]{0,80})/.exec(line)?.[1] ?? line.slice(0, 80);
  const error = /"err":\{"type":"\w+","message":"([^"]{0,80})/.exec(line)?.[1];
  return error ? `${message} (${error})` : message;
}

/** A restart's window: what was sent a little before the kill may die with the process, as it would on the platforms. */
function noteRestart(signal: 'SIGKILL' | 'SIGTERM', killedAt: number): void {
  restartWindows.push({ from: killedAt - RESTART_MARGIN_MS, to: Date.now() });
  count(`restarted after ${signal}, ready in ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
}

/**
 * Takes both platforms down `outages` times, evenly spread over the flood, and brings them back;
 * the window from each until the bot is connected again counts as a restart's (`nearRestart`).
 */
async function outagesDuringFlood(): Promise<void> {
  for (let index = 1; index <= outages && !app.exited(); index++) {
    await sleep((seconds * 1000) / (outages + 1));
    const from = Date.now();
    const gatewayOpsBefore = discord.gatewayOps.length;
    const socketsBefore = slack.connections();
    const bringBack = [
      discord.takeGatewayDown(),
      ...(slackOverHttp ? [] : [slack.takeSocketDown()]),
      // Interaction callbacks aside: an answer lost to them is what the checks look for.
      discord.failRequests((request) => !request.path.startsWith('/interactions/'), Number.POSITIVE_INFINITY, 503),
      slack.failCalls(() => true, Number.POSITIVE_INFINITY, 503),
    ];
    restartWindows.push({ from: from - RESTART_MARGIN_MS, to: Number.POSITIVE_INFINITY });
    await sleep(5_000 + Math.random() * 10_000);
    for (const bring of bringBack) bring();
    const back = Date.now();
    const reconnected = () => discord.gatewayOps.slice(gatewayOpsBefore).some((op) => op === 2 || op === 6) && (slackOverHttp || slack.connections() > socketsBefore);
    while (!reconnected() && Date.now() - back < RECONNECT_WAIT_MS && !app.exited()) await sleep(200);
    if (!reconnected()) findings.push(`the bot was not connected again ${RECONNECT_WAIT_MS / 1000} s after an outage of ${((back - from) / 1000).toFixed(1)} s (Discord: ${discord.gatewayOps.slice(gatewayOpsBefore).join(',') || 'nothing'}; Slack sockets: ${slack.connections() - socketsBefore})`);
    restartWindows[restartWindows.length - 1]!.to = Date.now();
    count(`outage of ${((back - from) / 1000).toFixed(1)} s, connected again after ${((Date.now() - back) / 1000).toFixed(1)} s`);
  }
}

function nearRestart(at: number): boolean {
  return app.restarting() || restartWindows.some((window) => at >= window.from && at <= window.to);
}

interface Files {
  readonly photo: string;
  /** Discord attachment objects, good and odd: some on hosts the bot must not fetch from. */
  readonly attachments: readonly (() => Record<string, unknown>)[];
  readonly slackPhoto: Record<string, unknown>;
  /** Slack file objects, good and odd. */
  readonly slackFiles: readonly Record<string, unknown>[];
}

async function prepareFiles(): Promise<Files> {
  const photo = await readFile(join(SHARED_DIR, 'images', 'content_dog.jpg'));
  const painting = await readFile(join(SHARED_DIR, 'images', 'style_udnie.jpg'));
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
  const avif = await sharp(photo).resize(96).avif().toBuffer();
  const heic = await heicOf(await sharp(photo).resize(96).jpeg().toBuffer());
  // A burst: the primary picture (a narrow one) stored second.
  const burst = await heifOfPictures([await sharp(photo).resize(96).jpeg().toBuffer(), await sharp(photo).resize(40, 96, { fit: 'fill' }).jpeg().toBuffer()], 1);
  const bodies: [string, Uint8Array, string][] = [
    ['dog.avif', avif, 'image/avif'],
    ['IMG_0002.HEIC', burst, 'image/heic'],
    ['cut.avif', avif.subarray(0, avif.length / 2), 'image/avif'],
    ['IMG_0001.HEIC', heic, 'image/heic'],
    ['cut.heic', heic.subarray(0, heic.length / 2), 'image/heic'],
    ['dog.jpg', photo, 'image/jpeg'],
    ['udnie.jpg', painting, 'image/jpeg'],
    ['empty.png', Buffer.alloc(0), 'image/png'],
    ['cut.jpg', photo.subarray(0, 500), 'image/jpeg'],
    ['drawing.svg', svg, 'image/svg+xml'],
    ['noise.jpg', Buffer.alloc(3000, 0xff), 'image/jpeg'],
    ['page.html', Buffer.from('<html>hi</html>'), 'text/html'],
    ['clip.mp4', Buffer.from('not really a video'), 'video/mp4'],
  ];
  const photoUrl = discord.addCdnFile('dog.jpg', photo, 'image/jpeg');
  const hosted = bodies.map(([name, bytes, type]) => ({ url: discord.addCdnFile(name, bytes, type), name, type, size: bytes.byteLength }));
  const attachments = [
    ...hosted.map((file) => () => attachmentObject(file.url, file.name, file.type, file.size)),
    () => attachmentObject(`${strangerUrl}/photo.jpg`, 'photo.jpg', 'image/jpeg', 40_000),
    () => attachmentObject('http://169.254.169.254/latest/meta-data', 'meta.jpg', 'image/jpeg', 400),
    () => attachmentObject('file:///etc/passwd', 'passwd.jpg', 'image/jpeg', 400),
    () => attachmentObject('not a url', 'x.jpg', 'image/jpeg', 400),
    () => attachmentObject(photoUrl, 'huge.jpg', 'image/jpeg', 900_000_000),
    () => attachmentObject(photoUrl, 'dog.txt', 'text/plain', photo.byteLength),
  ];
  const slackHosted = bodies.map(([name, bytes, type]) => slack.addFile(name, bytes, type));
  const slackFiles = [
    ...slackHosted,
    { id: 'FSTRANGE', name: 'photo.jpg', mimetype: 'image/jpeg', filetype: 'jpg', size: 40_000, url_private: `${strangerUrl}/photo.jpg`, url_private_download: `${strangerUrl}/photo.jpg` },
    { id: 'FNOURL', name: 'photo.jpg', mimetype: 'image/jpeg', filetype: 'jpg', size: 40_000 },
    { ...slackHosted[0], size: 900_000_000 },
    // From another organisation (Slack Connect): the ID alone, known to files.info or not.
    slack.sharedFromAnotherOrganisation(slackHosted[0]!),
    { id: 'F0GONE', mode: 'file_access', file_access: 'check_file_info', created: 0, timestamp: 0, user: '' },
  ];
  return { photo: photoUrl, attachments, slackPhoto: slackHosted[0]!, slackFiles };
}

/**
 * Job ids the bot has told anyone about, for buttons and /cancel, and the Discord menus it offered,
 * to answer them: read from what it sent since the last look.
 */
function collectIds(jobIds: Set<string>, menuIds: Set<string>): void {
  const texts = [...discord.requests.slice(seen.discord).map((request) => JSON.stringify(request.json ?? '')), ...slack.calls.slice(seen.slack).map((call) => String(call.args.text ?? ''))];
  seen.discord = discord.requests.length;
  seen.slack = slack.calls.length;
  for (const text of texts) {
    for (const match of text.matchAll(/\bjob ([A-Za-z0-9_-]{4,40})(?![A-Za-z0-9_-])/g)) jobIds.add(match[1]!);
    for (const match of text.matchAll(/"custom_id":"(impasto:(?:pick|picture):[^"]+)"/g)) menuIds.add(match[1]!);
  }
}

// ---- Discord ----------------------------------------------------------------------------------

/** "@impasto <style> key=value…" in a reply to a message with random attachments (or none), or with them attached to the mention itself; or a direct message. */
function mentionOnDiscord(user: FakeUser, files: Files, stylize: CommandDefinition): void {
  const attached = Array.from({ length: Math.floor(Math.random() * 3) }, () => pick(files.attachments)());
  const replyTo = Math.random() < 0.7;
  const target = userMessage(pick(DISCORD_USERS).user, replyTo ? attached : []);
  if (replyTo && Math.random() < 0.9) discord.postMessage(target);
  const bot = { id: BOT_USER.id, username: BOT_USER.username, discriminator: '0', avatar: null, global_name: null, bot: true };
  const content = `<@${BOT_USER.id}> ${Math.random() < 0.8 ? pick(STYLE_TEXTS) : ''} ${oddTypedPairs(stylize).join(' ')}`;
  const message = { ...userMessage(user, replyTo ? [] : attached), content, mentions: [bot], ...(replyTo ? { type: 19, message_reference: { type: 0, channel_id: target.channel_id, message_id: target.id, guild_id: GUILD_ID } } : {}) };
  // Sometimes in a direct message, where no mention is needed (and the words may be anything).
  if (Math.random() < 0.3) {
    discord.postDirectMessage(user, { ...message, content: Math.random() < 0.5 ? content : pick(TEXTS), mentions: [] });
    count('Discord direct message');
    return;
  }
  discord.postMessage(message);
  count('Discord mention');
}

function floodDiscord(definitions: readonly CommandDefinition[], files: Files, jobIds: Set<string>, menuIds: Set<string>, answers: Map<string, { what: string; token: string; at: number }>): void {
  const { user, permissions } = pick(DISCORD_USERS);
  if (Math.random() < 0.1) return mentionOnDiscord(user, files, definitions.find((definition) => definition.name === 'stylize')!);
  const roll = Math.random();
  let interaction: Record<string, unknown>;
  let what: string;
  if (roll < 0.5) {
    const definition = pick(definitions);
    const attachments: Record<string, Record<string, unknown>> = {};
    const options = oddDiscordOptions(definition.options, files, attachments, jobIds);
    const [name, sub] = definition.name.split(' ');
    const data = { id: snowflake(), name, type: 1, options: sub ? [{ name: sub, type: 1, options }] : options, resolved: { attachments } };
    // One in eight in a direct message with the bot, where a server's commands are refused.
    const direct = Math.random() < 0.125;
    interaction = interactionPayload({ type: 2, user, permissions, appPermissions: Math.random() < 0.1 ? PERMISSIONS.member : PERMISSIONS.all, data, direct });
    what = `/${definition.name} ${direct ? 'in a direct message ' : ''}${JSON.stringify(options).slice(0, 300)}`;
  } else if (roll < 0.62) {
    const name = pick(['Stylize with…', 'Use as style']);
    const attached = Array.from({ length: Math.floor(Math.random() * 3) }, () => pick(files.attachments)());
    const targetId = snowflake();
    // One time in four a forward: no attachments of its own, the original's in a snapshot.
    const forwarded = Math.random() < 0.25;
    const message = forwarded
      ? { ...userMessage(pick(DISCORD_USERS).user, []), message_reference: { type: 1, channel_id: snowflake(), message_id: snowflake(), guild_id: GUILD_ID }, message_snapshots: [{ message: { type: 0, content: '', attachments: attached, embeds: [], timestamp: new Date().toISOString(), edited_timestamp: null, flags: 0, mentions: [], mention_roles: [], components: [] } }] }
      : userMessage(pick(DISCORD_USERS).user, attached);
    interaction = interactionPayload({ type: 2, user, permissions, data: { id: snowflake(), name, type: 3, target_id: targetId, resolved: { messages: { [targetId]: { ...message, id: targetId } } } }, direct: Math.random() < 0.125 });
    what = `${name} on a ${forwarded ? 'forward' : 'message'} with ${attached.map((attachment) => attachment.filename).join(', ') || 'no attachments'}`;
  } else if (roll < 0.75) {
    const focused = pick(['style_name', 'background_style', 'name']);
    const command = pick(['stylize', 'contest']);
    const value = pick(TEXTS);
    interaction = interactionPayload({ type: 4, user, permissions, data: { id: snowflake(), name: command, type: 1, options: [{ name: focused, type: 3, value, focused: true }] } });
    what = `autocomplete of ${command} ${focused} "${value.slice(0, 40)}"`;
  } else if (roll < 0.95) {
    // Job buttons with the ids of jobs, and page buttons with odd pages, options and commands.
    const customId = Math.random() < 0.2 ? `impasto:page:${pick(PAGE_REQUESTS)}` : `impasto:${pick(['cancel', 'remove', 'again', 'less', 'more', 'best', 'vote', 'nope'])}:${pick([...jobIds])}`;
    interaction = interactionPayload({ type: 3, user, permissions, message: userMessage(BOT_USER, []), data: { custom_id: customId, component_type: 2 } });
    what = `button ${customId}`;
  } else {
    // A menu the bot offered (or an odd one), answered with a style, or a picture's place, odd or not.
    const customId = pick([...menuIds]);
    const values = [customId.startsWith('impasto:picture:') && Math.random() < 0.8 ? pick(['0', '1', '2', '9', '-1', '1.5', 'NaN', '1e3', '']) : pick(STYLE_TEXTS)];
    interaction = interactionPayload({ type: 3, user, permissions, message: userMessage(BOT_USER, []), data: { custom_id: customId, component_type: 3, values } });
    what = `menu ${customId} → ${values[0]!.slice(0, 40)}`;
  }
  answers.set(interaction.id as string, { what, token: interaction.token as string, at: Date.now() });
  count(`Discord ${what.split(' ')[0]}`);
  discord.dispatchInteraction(interaction);
}

function oddDiscordOptions(options: Readonly<Record<string, OptionDefinition>>, files: Files, attachments: Record<string, Record<string, unknown>>, jobIds: Set<string>): { name: string; type: number; value: unknown }[] {
  const chosen = Object.entries(options).filter(([, option]) => (option.required ? Math.random() < 0.9 : Math.random() < 0.3));
  if (Math.random() < 0.05) chosen.push(['nope', { type: 'text', description: '', maxLength: 10 }]);
  return chosen.map(([name, option]) => {
    // Discord checks an option's type and range before it sends it: mostly right, sometimes not, as a stale registration would be.
    const type = Math.random() < 0.9 ? DISCORD_TYPE_OF[option.type] : pick([3, 4, 5, 10, 11]);
    if (type === 11) {
      const attachment = pick(files.attachments)();
      if (Math.random() < 0.95) attachments[attachment.id as string] = attachment;
      return { name, type, value: attachment.id };
    }
    if (type === 5) return { name, type, value: Math.random() < 0.9 ? Math.random() < 0.5 : 'true' };
    if (type === 4 || type === 10) {
      const inRange = option.type === 'integer' || option.type === 'number' ? option.min + Math.random() * (option.max - option.min) : 1;
      const value = Math.random() < 0.6 ? inRange : pick(NUMBERS);
      return { name, type, value: type === 4 ? Math.round(value) : value };
    }
    if (option.type === 'choice' && Math.random() < 0.8) return { name, type, value: pick(option.choices) };
    return { name, type, value: pick(name === 'job' || name === 'entry' ? [...jobIds, ...TEXTS] : TEXTS) };
  });
}

/** A plain /stylize from a member who has sent nothing yet: it must be painted. */
async function paintOnDiscord(photoUrl: string): Promise<boolean> {
  const dave = { id: '100000000000000004', username: 'dave' };
  const attachment = attachmentObject(photoUrl, 'dog.jpg', 'image/jpeg', 40_000);
  const options = [
    { name: 'content', type: 11, value: attachment.id },
    { name: 'style_name', type: 3, value: PLAIN_STYLE },
    { name: 'mode', type: 3, value: 'optimise' },
    // The smallest values: the flood's moderators may have narrowed this server's settings.
    { name: 'size', type: 4, value: 64 },
    { name: 'iterations', type: 4, value: 1 },
  ];
  const interaction = interactionPayload({ type: 2, user: dave, data: { id: snowflake(), name: 'stylize', type: 1, options, resolved: { attachments: { [attachment.id]: attachment } } } });
  discord.dispatchInteraction(interaction);
  const original = `/messages/@original`;
  const finished = await discord
    .waitForRequest((request) => request.path.includes(interaction.token as string) && request.path.endsWith(original) && request.files.length === 2, 120_000)
    .then(() => true, () => false);
  if (!finished) for (const request of discord.requests.filter((request) => request.path.includes(interaction.token as string))) findings.push(`dave's /stylize on Discord: ${request.method} ${request.path.replace(/token-\w+/, 'token')} ${JSON.stringify(request.json ?? null).slice(0, 300)}`);
  return finished;
}

// ---- Slack ------------------------------------------------------------------------------------

/** A message with one or two files; one time in five a forward, its files in the share's attachment. */
function postSlackPicture(user: string, files: Files): ReturnType<typeof slack.postUserMessage> {
  const attached = Array.from({ length: 1 + Math.floor(Math.random() * 2) }, () => pick(files.slackFiles));
  if (Math.random() < 0.8) return slack.postUserMessage(user, pick(['', 'look', '<@U0BOT> udnie']), attached);
  return Object.assign(slack.postUserMessage(user, 'look at this one'), { attachments: [{ is_share: true, is_msg_unfurl: true, files: attached }] });
}

async function floodSlack(definitions: readonly CommandDefinition[], files: Files, jobIds: Set<string>): Promise<void> {
  const user = pick(SLACK_USERS);
  const channel = pick(SLACK_CHANNELS);
  const roll = Math.random();
  let what: string;
  let envelope: Promise<void>;
  // Slash commands and mentions paint the latest image in the channel: one is often there.
  const shared = Math.random() < 0.6 ? postSlackPicture(user, files) : undefined;
  const slash = { user_id: user, user_name: user.toLowerCase(), channel_id: channel, team_id: TEAM_ID, trigger_id: snowflake(), response_url: `${slack.apiUrl}response`, token: 'verification' };
  const identity = { team: { id: TEAM_ID, domain: 'painters' }, user: { id: user, name: user.toLowerCase(), username: user.toLowerCase(), team_id: TEAM_ID }, trigger_id: snowflake(), token: 'verification' };
  if (roll < 0.25) {
    const text = [pick(STYLE_TEXTS), ...oddTypedPairs(definitions.find((definition) => definition.name === 'stylize')!)].join(' ');
    what = `/stylize ${text}`;
    envelope = sendToSlackBot('slash_commands', { ...slash, command: '/stylize', text });
  } else if (roll < 0.5) {
    const definition = pick(definitions);
    const words = [definition.name, ...(definition.name.startsWith('style ') ? [pick(STYLE_TEXTS)] : []), ...oddTypedPairs(definition, jobIds)];
    const text = Math.random() < 0.05 ? pick(TEXTS) : words.join(' ');
    what = `/impasto ${text}`;
    envelope = sendToSlackBot('slash_commands', { ...slash, command: '/impasto', text });
  } else if (roll < 0.62) {
    const message = shared ?? { ts: `${Date.now() / 1000}`, user, text: '' };
    const shortcut = pick([{ id: 'stylize_with', name: 'Stylize with…' }, { id: 'use_as_style', name: 'Use as style' }]);
    what = `shortcut ${shortcut.name} on a message with ${(message as { files?: unknown[] }).files?.length ?? 0} files`;
    envelope = sendToSlackBot('interactive', { ...identity, type: 'message_action', callback_id: shortcut.id, channel: { id: channel, name: 'general' }, message, message_ts: message.ts, response_url: `${slack.apiUrl}response` });
  } else if (roll < 0.75) {
    const opened = slack.calls.filter((call) => call.method === 'views.open').map((call) => JSON.parse(String(call.args.view)) as { callback_id: string; private_metadata: string });
    const view = opened.length > 0 && Math.random() < 0.8 ? pick(opened) : { callback_id: 'impasto_stylize', private_metadata: pick(['', '{}', 'not json', '{"channel":"C0GENERAL","ts":"1.2"}']) };
    const values = oddModalValues(view.private_metadata);
    what = `form Stylize with… with ${JSON.stringify(values).slice(0, 200)}`;
    envelope = sendToSlackBot('interactive', { ...identity, type: 'view_submission', view: { id: 'V1', team_id: TEAM_ID, type: 'modal', callback_id: view.callback_id, private_metadata: view.private_metadata, state: { values }, hash: 'h' } });
  } else if (roll < 0.92) {
    const action = pick(SLACK_ACTIONS);
    const value = action.startsWith('impasto_page_') && Math.random() < 0.8 ? pick(PAGE_REQUESTS) : pick([...jobIds, `${pick([...jobIds])} F123 F456`, '']);
    what = `button ${action} ${value.slice(0, 40)}`;
    const ts = `${Date.now() / 1000}`;
    envelope = sendToSlackBot('interactive', {
      ...identity,
      type: 'block_actions',
      channel: { id: channel, name: 'general' },
      container: { type: 'message', message_ts: ts, channel_id: channel },
      message: { type: 'message', ts, text: '' },
      actions: [{ type: 'button', action_id: action, block_id: 'b', value, action_ts: '1' }],
      response_url: `${slack.apiUrl}response`,
    });
  } else if (roll < 0.98) {
    const ts = `${Date.now() / 1000}`;
    const text = `<@U0BOT> ${pick(STYLE_TEXTS)} ${oddTypedPairs(definitions.find((definition) => definition.name === 'stylize')!).join(' ')}`;
    what = `mention ${text.slice(0, 60)}`;
    const thread = shared && Math.random() < 0.8 ? { thread_ts: shared.ts } : {};
    // Sometimes the same words in a direct message to the bot (no mention needed), with pictures or in a picture's thread.
    const direct = Math.random() < 0.3;
    if (direct) what = `direct ${what}`;
    const attached = direct && Math.random() < 0.5 ? { subtype: 'file_share', files: [pick(files.slackFiles)] } : {};
    const event = direct
      ? { type: 'message', user, text: Math.random() < 0.5 ? text.replace('<@U0BOT> ', '') : pick(TEXTS), ts, channel: `D${user}`, channel_type: 'im', event_ts: ts, ...thread, ...attached }
      : { type: 'app_mention', user, text, ts, channel, event_ts: ts, ...thread };
    envelope = sendToSlackBot('events_api', eventCallback(`Ev${snowflake()}`, event));
  } else if (roll < 0.99) {
    what = 'home tab';
    const tab = pick(['home', 'home', 'messages']);
    envelope = sendToSlackBot('events_api', eventCallback(`Ev${snowflake()}`, { type: 'app_home_opened', user, channel: `D${user}`, tab, event_ts: `${Date.now() / 1000}` }));
  } else {
    what = 'member left';
    envelope = sendToSlackBot('events_api', eventCallback(`Ev${snowflake()}`, { type: 'member_left_channel', user, channel, channel_type: 'C', team: TEAM_ID }));
  }
  count(`Slack ${what.split(' ')[0]}`);
  const sentAt = Date.now();
  // Sending fails when the bot has no Socket Mode connection or HTTP server: only around a restart.
  const refused = await Promise.race([envelope.then(() => undefined, (error: unknown) => (error instanceof Error ? error.message : String(error))), sleep(ANSWER_WAIT_MS).then(() => 'no answer')]);
  if (refused === undefined) return;
  if (nearRestart(sentAt)) count('Slack unanswered (restarting)');
  else findings.push(`Slack envelope never acknowledged (${refused}): ${what}`);
}

/**
 * Delivers what Slack would send the bot: an envelope over Socket Mode, or the same payload as
 * Slack's signed HTTP request (slash commands and interactions form-encoded, events as JSON).
 * Resolves once the bot has acknowledged it (HTTP 200).
 */
async function sendToSlackBot(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>): Promise<void> {
  if (!slackOverHttp) return void (await slack.sendEnvelope(type, payload));
  const [body, contentType] =
    type === 'events_api'
      ? [JSON.stringify(payload), 'application/json']
      : [new URLSearchParams(type === 'interactive' ? { payload: JSON.stringify(payload) } : (payload as Record<string, string>)).toString(), 'application/x-www-form-urlencoded'];
  const response = await fetch(`http://127.0.0.1:${SLACK_HTTP_PORT}/slack/events`, { method: 'POST', body, headers: { 'content-type': contentType, ...signRequest(body) } });
  await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
}

/** `key=value` words for a command typed as text (Slack commands, mentions): its own options with odd values, sometimes unknown keys or pictures typed. */
function oddTypedPairs(definition: CommandDefinition, jobIds: Set<string> = new Set()): string[] {
  const names = Object.keys(definition.options).filter((name) => definition.options[name]!.type !== 'image');
  const pairs = names.filter(() => Math.random() < 0.3).map((name) => {
    const option = definition.options[name]!;
    if (option.type === 'choice' && Math.random() < 0.7) return `${name}=${pick(option.choices)}`;
    if ((option.type === 'integer' || option.type === 'number') && Math.random() < 0.6) return `${name}=${Math.round(option.min + Math.random() * (option.max - option.min))}`;
    return `${name}=${pick([...TEXTS, ...NUMBERS.map(String), ...(name === 'job' || name === 'entry' ? jobIds : [])])}`;
  });
  if (Math.random() < 0.1) pairs.push(pick(['=', 'size=', '=3', 'size==3', 'nope=1', 'size=64 size=96', '"quoted value"', 'title="a b"', 'title=“a b”', 'title="open', 'ends="2h"', '2026-12-24 18:00 UTC', '2026-02-30 25:00', 'style=starry-night', 'content=photo.jpg']));
  return pairs;
}

/** The form's fields, odd or not; the picture among those the form offered (`metadata`'s), or another. */
function oddModalValues(metadata: string): Record<string, Record<string, Record<string, unknown>>> {
  const text = (value: string) => ({ type: 'plain_text_input', value });
  const select = (value: string) => ({ type: 'static_select', selected_option: { value, text: { type: 'plain_text', text: value } } });
  const values: Record<string, Record<string, Record<string, unknown>>> = {};
  if (Math.random() < 0.9) values.style = { style_name: select(pick(STYLE_TEXTS)) };
  if (Math.random() < 0.3) values.style_link = { link: text(pick(['https://painters.slack.com/archives/C0GENERAL/p1700000000000100', `${strangerUrl}/archives/C0GENERAL/p1`, 'not a link', ''])) };
  if (Math.random() < 0.5) values.size = { size: text(pick([...NUMBERS.map(String), '', 'big'])) };
  if (Math.random() < 0.5) values.iterations = { iterations: text(pick([...NUMBERS.map(String), '', 'many'])) };
  if (Math.random() < 0.3) values.target = { target: select(pick(['everything', 'person', 'background', 'nope'])) };
  if (Math.random() < 0.3) values.background_style = { background_style: select(pick(STYLE_TEXTS)) };
  if (Math.random() < 0.2) values.preserve_colors = { preserve_colors: { type: 'checkboxes', selected_options: [{ value: pick(['yes', 'no', '']) }] } };
  if (Math.random() < 0.4) values.picture = { picture: select(pick([...picturesIn(metadata), 'F0GONE', '', 'x'.repeat(200)])) };
  return values;
}

function picturesIn(metadata: string): string[] {
  try {
    const pictures = (JSON.parse(metadata) as { pictures?: unknown }).pictures;
    return Array.isArray(pictures) ? pictures.map(String) : [];
  } catch {
    return [];
  }
}

/** A plain /stylize from a member who has shared a photo and sent nothing else: it must be painted. */
async function paintOnSlack(photo: Record<string, unknown>): Promise<boolean> {
  const message = slack.postUserMessage('U0DAVE', 'my dog', [photo]);
  const command = sendToSlackBot('slash_commands', { command: '/stylize', text: `${PLAIN_STYLE} mode=optimise size=64 iterations=1`, user_id: 'U0DAVE', user_name: 'dave', channel_id: SLACK_CHANNEL, team_id: TEAM_ID, trigger_id: snowflake(), response_url: `${slack.apiUrl}response`, token: 'verification' });
  if (!(await Promise.race([command.then(() => true, () => false), sleep(ANSWER_WAIT_MS).then(() => false)]))) return false;
  const finished = await slack
    .waitForCall((call) => call.method === 'files.completeUploadExternal' && call.args.thread_ts === message.ts, 120_000)
    .then(() => true, () => false);
  const toDave = slack.calls.filter((call) => call.args.user === 'U0DAVE' || call.args.thread_ts === message.ts);
  if (!finished) for (const call of toDave) findings.push(`dave's /stylize on Slack: ${call.method} ${JSON.stringify(call.args).slice(0, 300)}`);
  return finished;
}
