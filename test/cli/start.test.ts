import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/bot/config.ts';
import { listenOn } from '../../src/bot/listen.ts';
import { runImpasto } from '../helpers/app.ts';

// A port another program already holds, on 127.0.0.1.
let taken: Server;
let port: number;
beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

describe('a port that cannot be had', () => {
  it('is refused in one line naming the setting to change', async () => {
    const refusal = listenOn(createServer(), { port, host: '127.0.0.1', portVariable: 'IMPASTO_WEB_PORT', hostVariable: 'IMPASTO_WEB_HOST' });
    await expect(refusal).rejects.toThrow(ConfigError);
    await expect(refusal).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use (another impasto?): stop it, or set IMPASTO_WEB_PORT to another port.`);
    await expect(listenOn(createServer(), { port: 0, host: '192.0.2.1', portVariable: 'IMPASTO_METRICS_PORT', hostVariable: 'IMPASTO_METRICS_HOST' })).rejects.toThrow(
      '192.0.2.1 is not an address of this machine: set IMPASTO_METRICS_HOST to one that is (127.0.0.1 by default).',
    );
  });

  it('stops `impasto start` with that line and exit code 2, not a stack trace', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'impasto-port-'));
    const result = await runImpasto(['start'], { env: { IMPASTO_DATA_DIR: dataDir, IMPASTO_WEB_PORT: String(port), IMPASTO_DEFAULT_LIBRARY: 'false' } });
    expect(result.stderr.trim()).toBe(`impasto: port ${port} on 127.0.0.1 is already in use (another impasto?): stop it, or set IMPASTO_WEB_PORT to another port.`);
    expect(result.code).toBe(2);
  });
});

describe('a folder of the settings that is not there', () => {
  const run = (args: string[], env: Record<string, string>) => runImpasto(args, { env: { IMPASTO_DEFAULT_LIBRARY: 'false', ...env } });

  it('stops `impasto start` naming the setting, with exit code 2 (it printed ENOENT and kept the playground up)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'impasto-styles-dir-'));
    const missing = join(dataDir, 'paintings');
    const result = await run(['start'], { IMPASTO_DATA_DIR: dataDir, IMPASTO_WEB_PORT: '0', IMPASTO_STYLES_DIR: missing });
    expect(result.stderr.trim().split('\n').at(-1)).toBe(`impasto: IMPASTO_STYLES_DIR: Cannot read the folder ${missing}: there is no such file or folder.`);
    expect(result.code).toBe(2);
  });

  it('likewise a data folder that cannot be made (it threw a stack trace)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'impasto-data-file-'));
    const file = join(dataDir, 'not-a-folder');
    await writeFile(file, 'a file');
    const result = await run(['start'], { IMPASTO_DATA_DIR: file, IMPASTO_WEB_PORT: '0' });
    expect(result).toEqual({ code: 2, stderr: `impasto: IMPASTO_DATA_DIR: cannot make the data folders in ${file}: it is not a folder.\n` });
  });

  it('likewise one under /proc (Node\'s own `mkdir -p` never returns there: the start hung without a word)', async () => {
    const result = await run(['start'], { IMPASTO_DATA_DIR: '/proc/impasto-data', IMPASTO_WEB_PORT: '0' });
    expect(result).toEqual({ code: 2, stderr: 'impasto: IMPASTO_DATA_DIR: cannot make the data folders in /proc/impasto-data: there is no such file or folder.\n' });
  });

  it('is named by `impasto styles import`', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'impasto-styles-import-'));
    const result = await run(['styles', 'import', join(dataDir, 'paintings')], { IMPASTO_DATA_DIR: dataDir });
    expect(result).toEqual({ code: 2, stderr: `impasto: Cannot read the folder ${join(dataDir, 'paintings')}: there is no such file or folder.\n` });
  });
});

