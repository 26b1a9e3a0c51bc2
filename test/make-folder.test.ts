import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeFolder, makeFolderSync } from '../src/make-folder.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'impasto-make-folder-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe.each([
  ['makeFolder', makeFolder],
  ['makeFolderSync', (path: string) => Promise.resolve().then(() => makeFolderSync(path))],
])('%s', (_name, make) => {
  it('makes a folder with its missing parents, and leaves one that is there', async () => {
    const nested = join(dir, 'a', 'b', 'c');
    await make(nested);
    expect(statSync(nested).isDirectory()).toBe(true);
    await writeFile(join(nested, 'kept.txt'), 'kept');
    await make(nested);
    await Promise.all([make(join(dir, 'a', 'x', 'y')), make(join(dir, 'a', 'x', 'z'))]);
    expect(existsSync(join(nested, 'kept.txt'))).toBe(true);
    expect([existsSync(join(dir, 'a', 'x', 'y')), existsSync(join(dir, 'a', 'x', 'z'))]).toEqual([true, true]);
  });

  it('refuses a file where a folder should be, as Node does', async () => {
    await writeFile(join(dir, 'file'), 'a file');
    await expect(make(join(dir, 'file'))).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(make(join(dir, 'file', 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  // Node's `mkdir(path, { recursive: true })` spins forever there (procfs answers ENOENT).
  it('fails under /proc instead of never returning', async () => {
    await expect(make('/proc/impasto-test/sub')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
