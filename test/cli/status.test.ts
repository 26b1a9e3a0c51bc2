import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/bot/database.ts';
import { JobStore } from '../../src/bot/jobs/store.ts';
import { runImpastoPrinting } from '../helpers/app.ts';
import { contextFor } from '../helpers/bot.ts';

// `impasto status` without Redis: the embedded queue, read from the job store a bot left in
// IMPASTO_DATA_DIR (made here with the bot's own store, as a running bot writes it).
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'impasto-status-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function status(dataDir: string, ...flags: string[]) {
  return runImpastoPrinting(['status', ...flags], { env: { IMPASTO_DATA_DIR: dataDir, REDIS_URL: '' } });
}

describe('impasto status', () => {
  it('says no job is queued where no bot has run, and makes nothing there (it made the data folders)', async () => {
    const never = join(dir, 'never-started');
    expect(await status(never)).toEqual({ code: 0, stdout: `no job is queued or running (no bot has run with its data in ${never})\n`, stderr: '' });
    expect(JSON.parse((await status(never, '--json')).stdout)).toEqual({ jobs: [] });
    expect(existsSync(never)).toBe(false);
  });

  it('lists the running job, then those waiting in order, from the store a bot left', async () => {
    const dataDir = join(dir, 'data');
    const db = openDatabase(join(dataDir, 'impasto.sqlite'));
    const store = new JobStore(db);
    const jobOf = (user: string) => {
      const { requester, origin } = contextFor(user, { platform: 'discord' });
      return store.create({ requester: { ...requester, userName: user }, origin, options: {}, contentPath: 'c.png', stylePath: 's.png', styleLabel: 'udnie' });
    };
    const [first, second, third] = [jobOf('ann'), jobOf('ben'), jobOf('cat')];
    store.markRunning(second!.id);
    db.close();

    expect((await status(dataDir)).stdout).toBe(`running ${second!.id} (optimise) for ben\nqueued ${first!.id} (optimise) for ann\nqueued ${third!.id} (optimise) for cat\n`);
    expect(JSON.parse((await status(dataDir, '--json')).stdout)).toEqual({
      jobs: [
        { jobId: second!.id, method: 'optimise', state: 'running', by: 'ben' },
        { jobId: first!.id, method: 'optimise', state: 'queued', by: 'ann' },
        { jobId: third!.id, method: 'optimise', state: 'queued', by: 'cat' },
      ],
    });
  });
});
