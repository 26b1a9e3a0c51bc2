import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSettingsFile } from '../../src/cli/env-file.ts';
import { runImpastoPrinting } from '../helpers/app.ts';
import { clearDeveloperSettings } from '../helpers/hermetic-env.ts';

/**
 * The settings file, `.env` in the working directory or IMPASTO_ENV_FILE, as `bin/impasto.js` reads
 * it before any command. The tests set IMPASTO_ENV_FILE to /dev/null (test/helpers/hermetic-env.ts);
 * these runs unset it, as a user's shell has it.
 */
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'impasto-env-file-'));
});

afterEach(() => rm(root, { recursive: true, force: true }));

/** `impasto status` in `root` (it names the data directory it read), with IMPASTO_DATA_DIR set in the shell only when given. */
const status = (shellDataDir?: string, envFile?: string) => runImpastoPrinting(['status'], { cwd: root, env: { IMPASTO_ENV_FILE: envFile, IMPASTO_DATA_DIR: shellDataDir } });

describe('the command line', () => {
  it('reads .env in the working directory, under what the shell set', async () => {
    await writeFile(join(root, '.env'), '# the bot\nIMPASTO_DATA_DIR=from-env-file\n');
    expect(await status()).toMatchObject({ code: 0, stdout: expect.stringContaining(`with its data in ${join(root, 'from-env-file')})`) });
    expect(await status(join(root, 'from-shell'))).toMatchObject({ code: 0, stdout: expect.stringContaining(`with its data in ${join(root, 'from-shell')})`) });
  });

  it('reads IMPASTO_ENV_FILE instead, and refuses it in a line when it is not there', async () => {
    await writeFile(join(root, '.env'), 'IMPASTO_DATA_DIR=from-env-file\n');
    await writeFile(join(root, 'impasto.env'), `IMPASTO_DATA_DIR=${join(root, 'named')}\n`);
    expect(await status(undefined, join(root, 'impasto.env'))).toMatchObject({ code: 0, stdout: expect.stringContaining(`with its data in ${join(root, 'named')})`) });
    expect(await status(undefined, join(root, 'missing.env'))).toEqual({ code: 2, stdout: '', stderr: `impasto: Cannot read the settings in ${join(root, 'missing.env')} (IMPASTO_ENV_FILE): there is no such file or folder.\n` });
  });

  it('passes over a folder named .env (a Python virtualenv often is)', async () => {
    // Before, Node stopped every command: "TypeError: Contents of '.env' should be a valid string", with its stack.
    await mkdir(join(root, '.env', 'bin'), { recursive: true });
    expect(await status(join(root, 'data'))).toEqual({ code: 0, stdout: `no job is queued or running (no bot has run with its data in ${join(root, 'data')})\n`, stderr: '' });
  });
});

describe('loadSettingsFile', () => {
  /** What a settings file holding `bytes` sets in an environment that has `shell`. */
  async function settingsOf(bytes: Buffer, shell: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
    const file = join(root, 'settings.env');
    await writeFile(file, bytes);
    const env: NodeJS.ProcessEnv = { ...shell, IMPASTO_ENV_FILE: file };
    loadSettingsFile(env);
    delete env.IMPASTO_ENV_FILE;
    return env;
  }

  const lines = 'DISCORD_TOKEN=abc\r\n# a comment\r\nIMPASTO_WEB_PORT=8081\r\nIMPASTO_BRAND="two words"\r\n';

  it('reads the settings as Node does, quotes and comments included, under the ones already set', async () => {
    expect(await settingsOf(Buffer.from(lines), { IMPASTO_WEB_PORT: '9000' })).toEqual({ DISCORD_TOKEN: 'abc', IMPASTO_WEB_PORT: '9000', IMPASTO_BRAND: 'two words' });
  });

  it('reads a file saved with a byte-order mark, and one in UTF-16, as Windows editors and PowerShell write them', async () => {
    // process.loadEnvFile named the first setting "\uFEFFDISCORD_TOKEN" (so the token was unset), and read nothing of UTF-16.
    const expected = { DISCORD_TOKEN: 'abc', IMPASTO_WEB_PORT: '8081', IMPASTO_BRAND: 'two words' };
    expect(await settingsOf(Buffer.from(`\uFEFF${lines}`))).toEqual(expected);
    expect(await settingsOf(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines, 'utf16le')]))).toEqual(expected);
  });

  it('reads nothing from /dev/null, as the tests set it', () => {
    const env: NodeJS.ProcessEnv = { IMPASTO_ENV_FILE: '/dev/null' };
    loadSettingsFile(env);
    expect(env).toEqual({ IMPASTO_ENV_FILE: '/dev/null' });
  });
});

describe("the tests' own environment (clearDeveloperSettings)", () => {
  it("keeps the developer's bot settings and settings file from the processes the tests start, and the tests' own settings", () => {
    const env: NodeJS.ProcessEnv = { DISCORD_TOKEN: 'real', SLACK_BOT_TOKEN: 'xoxb-real', REDIS_URL: 'redis://db:6379', IMPASTO_BACKEND: 'webgpu', IMPASTO_WORKER_LANES: '2', IMPASTO_SHARED_DIR: '/shared', PATH: '/usr/bin' };
    clearDeveloperSettings(env);
    expect(env).toEqual({ IMPASTO_SHARED_DIR: '/shared', PATH: '/usr/bin', IMPASTO_ENV_FILE: '/dev/null' });
  });
});
