import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEnvFile } from '../../src/cli/env-file.ts';
import { runImpastoPrinting } from '../helpers/app.ts';

/**
 * The `.env` file in the working directory, as `bin/impasto.js` reads it before any command: the
 * real command line, run in a folder of its own (`impasto status` names the data directory it read).
 */
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'impasto-env-file-'));
});

afterEach(() => rm(root, { recursive: true, force: true }));

/** `impasto status` in `root`, with IMPASTO_DATA_DIR set in the shell only when given. */
const status = (shellDataDir?: string) => runImpastoPrinting(['status'], { cwd: root, env: { IMPASTO_DATA_DIR: shellDataDir } });

describe('the .env file', () => {
  it('fills in what the shell did not set, and the shell wins', async () => {
    await writeFile(join(root, '.env'), '# the bot\nIMPASTO_DATA_DIR=from-env-file\n');
    expect(await status()).toMatchObject({ code: 0, stdout: expect.stringContaining(`with its data in ${join(root, 'from-env-file')})`) });
    expect(await status(join(root, 'from-shell'))).toMatchObject({ code: 0, stdout: expect.stringContaining(`with its data in ${join(root, 'from-shell')})`) });
  });

  it('is not looked for in a folder of that name (a Python virtualenv is often called .env)', async () => {
    // Before, Node stopped every command: "TypeError: Contents of '.env' should be a valid string", with its stack.
    await mkdir(join(root, '.env', 'bin'), { recursive: true });
    expect(await status(join(root, 'data'))).toEqual({ code: 0, stdout: `no job is queued or running (no bot has run with its data in ${join(root, 'data')})\n`, stderr: '' });
  });
});

describe('loadEnvFile', () => {
  /** What `.env` holding `bytes` sets in an environment that has `shell`. */
  async function settingsOf(bytes: Buffer, shell: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
    await writeFile(join(root, '.env'), bytes);
    const env: NodeJS.ProcessEnv = { ...shell };
    loadEnvFile(join(root, '.env'), env);
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

  it('passes over a folder and a missing file', async () => {
    const env: NodeJS.ProcessEnv = {};
    await mkdir(join(root, 'venv'));
    loadEnvFile(join(root, 'venv'), env);
    loadEnvFile(join(root, 'missing'), env);
    expect(env).toEqual({});
  });
});
