import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPASTO_BIN } from '../helpers/app.ts';
import { formatReport, type DoctorReport } from '../../src/cli/doctor.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { BOT_TOKEN as DISCORD_TOKEN, BOT_USER, startFakeDiscord } from '../fakes/discord/server.ts';
import { APP_TOKEN as SLACK_APP_TOKEN, BOT_TOKEN as SLACK_BOT_TOKEN, startFakeSlack } from '../fakes/slack/server.ts';
import { SHARED_DIR, SHARED_FAST_DIR, SHARED_SEGMENTATION_DIR, SHARED_VGG_DIR } from '../helpers/shared.ts';

let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

async function doctor(env: Record<string, string>): Promise<DoctorReport> {
  // The runner's own engine settings stay out: the doctor is to find the backend by itself.
  const { IMPASTO_BACKEND: _backend, IMPASTO_ENGINE: _engine, ...inherited } = process.env;
  const { stdout } = await promisify(execFile)(process.execPath, [IMPASTO_BIN, 'doctor', '--json'], { env: { ...inherited, ...env } });
  return JSON.parse(stdout) as DoctorReport;
}

describe('impasto doctor', () => {
  it('says what this machine can use and why not', async () => {
    const photos = join(SHARED_DIR, 'images');
    const report = await doctor({ IMPASTO_WEIGHTS_DIR: SHARED_VGG_DIR, IMPASTO_FAST_WEIGHTS_DIR: SHARED_FAST_DIR, IMPASTO_SEGMENTATION_WEIGHTS_DIR: SHARED_SEGMENTATION_DIR, IMPASTO_TRAINING_PHOTOS_DIR: photos, REDIS_URL: redis.url });
    expect(report.training).toEqual({ ok: true, note: `${(await readdir(photos)).filter((name) => name.endsWith('.jpg')).length} photos in ${photos} (the first is kept out, as the sample); a few thousand train better`, engine: expect.stringMatching(/^onnxruntime [\d.]+ on the CPU$/) });
    // This machine (and CI) has no GPU: the engine is the CPU one, and the reason for no GPU is given.
    expect(report.engine).toMatchObject({ ok: true, backend: 'wasm', objective: 'onnxruntime' });
    expect(report.engine.reasons.some((reason) => reason.startsWith('webgpu: '))).toBe(true);
    expect(report.gpu.found).toBe(false);
    expect(report.gpu.reason).toMatch(/Vulkan|adapter/);
    expect(report.weights.vgg19).toMatchObject({ ok: true, dir: SHARED_VGG_DIR });
    expect(report.weights.vgg19.layers).toContain('conv3_4');
    expect(report.weights.vgg19.note).toMatch(/^blocks up to conv3_4 only/);
    expect(report.weights.fastNetworks).toEqual(['scream', 'udnie', 'wave', 'wreck']);
    expect(report.weights.segmentation).toBe(true);
    expect(report.ffmpeg).toMatchObject({ ok: true, version: expect.stringMatching(/^ffmpeg \d[^ ]*$/) });
    // As a terminal shows it: a mark, then the labels in one column (the machine's line began where the marks do).
    const lines = formatReport(report).split('\n');
    expect(lines[0]).toMatch(/^ {4}machine {3}node v\d+/);
    for (const line of lines) expect(line).toMatch(/^(ok {2}|no {2}| {4})([a-zA-Z0-9-]+ +\S| {8,}\S)/);
    // The test's Redis runs with AOF, fsync every second, as the README recommends.
    expect(report.redis).toMatchObject({ configured: true, ok: true, persistence: 'AOF, appendfsync everysec', eviction: 'noeviction', note: 'reachable; jobs go to `impasto worker`s: no worker alive now (start one with `impasto worker`)' });
    expect(report.redis.workers).toEqual({ alive: 0, byLane: { paint: 0, fast: 0, train: 0 } });
  });

  it('counts the workers alive on Redis, lane by lane, from the entries they keep there', async () => {
    // A worker's heartbeat, as `impasto worker` writes it (the protocol's key and fields), with the default lanes.
    const client = new Redis(redis.url);
    try {
      const now = Date.now();
      await client.set('impasto:workers:gpu-1', JSON.stringify({ name: 'gpu-1', host: 'gpu-box', pid: 42, lanes: ['paint', 'fast'], startedAt: now, seenAt: now, running: [], finished: 0, failed: 0 }), 'EX', 60);
      const report = await doctor({ REDIS_URL: redis.url });
      expect(report.redis.workers).toEqual({ alive: 1, byLane: { paint: 1, fast: 1, train: 0 } });
      expect(report.redis.note).toMatch(/; jobs go to `impasto worker`s: 1 alive \(paint 1, fast 1, train 0\)$/);
    } finally {
      await client.del('impasto:workers:gpu-1');
      client.disconnect();
    }
  });

  it('says whether Discord and Slack take the tokens set (asked once, not connected), and in what words they refused', async () => {
    const [discord, slack] = await Promise.all([startFakeDiscord(), startFakeSlack()]);
    try {
      const platforms = (overrides: Record<string, string> = {}) => ({ DISCORD_TOKEN, DISCORD_API_URL: discord.apiUrl, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_API_URL: slack.apiUrl, ...overrides });
      const taken = await doctor(platforms());
      expect(taken.discord).toEqual({ configured: true, ok: true, note: `Discord takes DISCORD_TOKEN: the bot is impasto (${BOT_USER.id})` });
      expect(taken.slack).toEqual({ configured: true, ok: true, note: 'Slack takes SLACK_BOT_TOKEN and SLACK_APP_TOKEN: the bot is impasto in Painters (T0FAKE); Socket Mode offers a connection' });
      // Asked, not connected: the doctor opens no gateway or socket.
      expect(discord.gatewayOps).toEqual([]);
      expect(slack.connections()).toBe(0);

      const refused = await doctor(platforms({ DISCORD_TOKEN: 'not-the-bot-token', SLACK_APP_TOKEN: 'xapp-not-the-app-token' }));
      expect(refused.discord).toEqual({ configured: true, ok: false, note: 'Discord refused DISCORD_TOKEN: it is not a valid bot token. Copy it again from the Discord developer portal (your application → Bot → Reset Token).' });
      expect(refused.slack).toMatchObject({ configured: true, ok: false, note: expect.stringMatching(/^Slack refused SLACK_APP_TOKEN \(invalid_auth\)\./) });
      expect(await doctor({ SLACK_BOT_TOKEN, SLACK_API_URL: slack.apiUrl, SLACK_MODE: 'http', SLACK_PORT: '3999' })).toMatchObject({
        discord: { configured: false, note: 'DISCORD_TOKEN is not set: the bot is not on Discord' },
        slack: { configured: true, ok: true, note: "Slack takes SLACK_BOT_TOKEN: the bot is impasto in Painters (T0FAKE); over HTTP, Slack's request URLs must reach port 3999" },
      });
    } finally {
      await Promise.all([discord.close(), slack.close()]);
    }
  });

  it('explains what is missing instead of failing', async () => {
    const report = await doctor({ IMPASTO_WEIGHTS_DIR: '/nonexistent/vgg19', IMPASTO_FAST_WEIGHTS_DIR: '/nonexistent/fast', IMPASTO_SEGMENTATION_WEIGHTS_DIR: '/nonexistent/person', REDIS_URL: 'redis://127.0.0.1:1' });
    expect(report.weights.vgg19.ok).toBe(false);
    expect(report.weights.vgg19.note).toMatch(/^IMPASTO_WEIGHTS_DIR is \/nonexistent\/vgg19, but there is no model.json there/);
    expect(report.weights.fastNetworks).toEqual([]);
    expect(report.training).toEqual({ ok: false, note: expect.stringMatching(/IMPASTO_TRAINING_PHOTOS_DIR is not set/), engine: expect.stringMatching(/^onnxruntime/) });
    expect(report.weights.segmentation).toBe(false);
    expect(report.redis).toMatchObject({ configured: true, ok: false });
    expect(report.redis.note).toMatch(/^cannot reach Redis/);
  });

  it('lists the networks the bot trained (in its data directory) apart from those `impasto train-style` made', async () => {
    const data = await mkdtemp(join(tmpdir(), 'impasto-doctor-'));
    try {
      // A network is its description and its weights; the doctor only looks for both files.
      await mkdir(join(data, 'networks'));
      for (const file of ['harbour.json', 'harbour.f32.bin', 'half-written.json']) await writeFile(join(data, 'networks', file), '{}');
      const apart = await doctor({ IMPASTO_DATA_DIR: data, REDIS_URL: '' });
      expect(apart.weights.trainedNetworks).toEqual([
        { for: 'bot', dir: join(data, 'networks'), networks: ['trained:harbour'] },
        { for: 'cli', dir: expect.stringMatching(/weights\/cache\/trained\/?$/), networks: expect.any(Array) },
      ]);
      // One folder named for both: listed once.
      const together = await doctor({ IMPASTO_DATA_DIR: data, IMPASTO_TRAINED_NETWORKS_DIR: join(data, 'networks'), REDIS_URL: '' });
      expect(together.weights.trainedNetworks).toEqual([{ for: 'both', dir: resolve(data, 'networks'), networks: ['trained:harbour'] }]);
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it('says how much room the data directory has, and warns when it is low (a small tmpfs, mounted in a namespace of its own)', async () => {
    const data = await mkdtemp(join(tmpdir(), 'impasto-doctor-data-'));
    try {
      const roomy = await doctor({ IMPASTO_DATA_DIR: join(data, 'not-yet'), REDIS_URL: '' });
      expect(roomy.data).toMatchObject({ ok: true, dir: join(data, 'not-yet'), note: expect.stringMatching(/^[\d.]+ [GM]B free \(made at the first start\)$/) });
      const { IMPASTO_BACKEND: _backend, IMPASTO_ENGINE: _engine, ...inherited } = process.env;
      const script = `mount -t tmpfs -o size=10M tmpfs "$1" && exec "${process.execPath}" "${IMPASTO_BIN}" doctor --json`;
      const { stdout } = await promisify(execFile)('unshare', ['-rm', 'sh', '-c', script, 'sh', data], { env: { ...inherited, IMPASTO_DATA_DIR: data, REDIS_URL: '' } });
      const cramped = (JSON.parse(stdout) as DoctorReport).data;
      expect(cramped).toMatchObject({ ok: false, dir: data, freeMiB: 10 });
      expect(cramped.note).toBe('only 10 MB free: each picture keeps about 5 MB for IMPASTO_RETENTION_DAYS, and a full disk refuses new ones');
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it('names the settings file it read and the names it sets (not their values), and those the environment set otherwise', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'impasto-doctor-settings-'));
    try {
      // As a user runs it: IMPASTO_ENV_FILE unset (the tests set it), so .env in the folder it runs in is read.
      const { IMPASTO_ENV_FILE: _file, ...inherited } = process.env;
      const inFolder = async (env: Record<string, string>) => JSON.parse((await promisify(execFile)(process.execPath, [IMPASTO_BIN, 'doctor', '--json'], { cwd: folder, env: { ...inherited, REDIS_URL: '', ...env } })).stdout) as DoctorReport;
      const none = await inFolder({});
      expect(none.settings).toEqual({ file: join(folder, '.env'), read: false, names: [], overridden: [] });
      expect(formatReport(none).split('\n')[1]).toBe(`    settings  no ${join(folder, '.env')}: the environment's only (impasto reads the .env of the folder it runs in, or the file IMPASTO_ENV_FILE names)`);
      await writeFile(join(folder, '.env'), 'IMPASTO_LOG_LEVEL=debug\nIMPASTO_DATA_DIR=kept-here\n');
      const read = await inFolder({ IMPASTO_LOG_LEVEL: 'warn' });
      expect(read.settings).toEqual({ file: join(folder, '.env'), read: true, names: ['IMPASTO_DATA_DIR', 'IMPASTO_LOG_LEVEL'], overridden: ['IMPASTO_LOG_LEVEL'] });
      expect(read.data.dir).toBe(join(folder, 'kept-here'));
      expect(formatReport(read).split('\n')[1]).toBe(`    settings  ${join(folder, '.env')}: IMPASTO_DATA_DIR, IMPASTO_LOG_LEVEL (the environment's IMPASTO_LOG_LEVEL wins)`);
      // The GPU pack's doctor reads no settings file before it, so one named and missing reaches it: said, not thrown.
      const gpuDoctor = fileURLToPath(new URL('../../scripts/gpu/doctor.ts', import.meta.url));
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, gpuDoctor], { cwd: folder, env: { ...inherited, REDIS_URL: '', IMPASTO_ENV_FILE: join(folder, 'missing.env') } });
      expect(stdout.split('\n')[1]).toBe(`    settings  no ${join(folder, 'missing.env')}: the environment's only (impasto reads the .env of the folder it runs in, or the file IMPASTO_ENV_FILE names)`);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('has `npm run check:gpu` say why it cannot check on a machine without a GPU (exit 2), rather than pass', async () => {
    const script = fileURLToPath(new URL('../../scripts/check-gpu.ts', import.meta.url));
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, IMPASTO_WEIGHTS_DIR: SHARED_VGG_DIR } });
    const failure = (await run.then(() => undefined, (error: unknown) => error)) as { code: number; stdout: string } | undefined;
    expect(failure?.code).toBe(2);
    expect(JSON.parse(failure!.stdout)).toMatchObject({ ok: false, adapter: null, reason: expect.stringMatching(/Vulkan|adapter/) });
  });
});
