import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
