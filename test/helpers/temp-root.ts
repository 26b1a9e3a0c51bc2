import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest's global setup: the whole run writes its temporary files (the tests' data directories, and
 * those of the bots, workers and browsers they start) under one folder, removed when the run ends.
 * Without it, runs piled up in /tmp (a day of them: over 2 GB). The forked test processes, and the
 * processes they start, inherit `TMPDIR`, which `os.tmpdir()` reads on every call.
 */
export async function setup(): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), 'impasto-test-run-'));
  process.env.TMPDIR = root;
  return async () => {
    // A process a test killed may still be writing its last file: retry instead of leaving the folder.
    await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
}
