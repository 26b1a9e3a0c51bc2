import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { OUT_OF_SPACE_TEXT } from '../../src/bot/errors.ts';
import { IMPASTO_BIN } from '../helpers/app.ts';

/**
 * A data directory whose disk fills up: a real one, a 24-MB tmpfs mounted in a mount namespace of
 * the scenario's own (`unshare -rm`: no privileges needed where user namespaces are allowed, as on
 * Debian), so that neither the store nor the files are stand-ins.
 */
const SCENARIO = fileURLToPath(new URL('../helpers/disk-full-scenario.ts', import.meta.url));
let dir: string;
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a full disk', () => {
  it('fails the job it stopped and refuses new ones in words, without ending the bot, which paints again once there is room', async () => {
    dir = await mkdtemp(join(tmpdir(), 'impasto-full-'));
    const script = `mount -t tmpfs -o size=24M tmpfs "$1" && exec "${process.execPath}" --import tsx "${SCENARIO}" "$1"`;
    const { stdout } = await promisify(execFile)('unshare', ['-rm', 'sh', '-c', script, 'sh', dir], { env: process.env, timeout: 240_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { queued: string; ended?: { type: string; message?: string }; whileFull: { text: string; jobId?: string }; recovered?: string; errors: string[] };
    expect(report.queued).toMatch(/^Queued job /);
    // Its result could not be written, nor (as a rule) its failure recorded: its requester is told why all the same.
    expect(report.ended).toEqual({ type: 'failed', message: OUT_OF_SPACE_TEXT });
    expect(report.whileFull).toEqual({ text: OUT_OF_SPACE_TEXT, ephemeral: true, failure: 'out_of_space' });
    expect(report.recovered).toBe('succeeded');
    // The operator hears of it; nothing fatal.
    expect(report.errors.length).toBeGreaterThan(0);
    expect(report.errors).not.toContain('uncaught exception; exiting');
  }, 300_000);

  it('stops `impasto start` with one line that says so, not a stack', async () => {
    const tiny = await mkdtemp(join(tmpdir(), 'impasto-tiny-'));
    try {
      // 8 kB: the data folders fit, the store does not.
      const script = `mount -t tmpfs -o size=8k tmpfs "$1" && exec "${process.execPath}" "${IMPASTO_BIN}" start`;
      const failure = (await promisify(execFile)('unshare', ['-rm', 'sh', '-c', script, 'sh', tiny], { env: { ...process.env, IMPASTO_DATA_DIR: join(tiny, 'data'), IMPASTO_WEB_PORT: '0' } }).then(
        () => undefined,
        (error: unknown) => error,
      )) as { code: number; stderr: string } | undefined;
      expect(failure?.code).toBe(2);
      expect(failure?.stderr.trim()).toBe('impasto: the disk is full (database or disk is full): make room, then run it again (`npx impasto doctor` says how much room the data directory has).');
    } finally {
      await rm(tiny, { recursive: true, force: true });
    }
  });
});
