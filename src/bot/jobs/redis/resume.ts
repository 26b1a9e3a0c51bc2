import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { resumeDirsOf, type RunRequest } from '../engine-protocol.ts';
import { MAX_TRANSFER_BYTES } from './remote-protocol.ts';
import { makeFolder } from '../../../make-folder.ts';

/**
 * What lets a job resume (a clip's finished frames, a training checkpoint: `resumeDirsOf`), kept in
 * one Redis hash while the job runs, so that the worker taking over a dead or stopped worker's job
 * carries on where it stopped instead of painting or training again from the start. Fields are
 * `<folder>/<file>`; the bot deletes the hash when the job ends, and its TTL covers the rest.
 */
export interface ResumeCopy {
  /** Writes what an earlier attempt kept into this run's folders; returns how many files. */
  restore(): Promise<number>;
  /** Puts the files that are new or changed since the last call into Redis; calls run one after another. */
  save(): Promise<void>;
}

export function createResumeCopy(redis: Redis, key: string, output: RunRequest['output'], ttlSeconds: number): ResumeCopy {
  const dirs = Object.entries(resumeDirsOf(output));
  /** What is in Redis already: field → size and modification time. */
  const saved = new Map<string, string>();
  let saving = Promise.resolve();

  const saveChanged = async () => {
    const changed = new Map<string, Buffer>();
    for (const [folder, dir] of dirs) {
      const names = await readdir(dir).catch(() => [] as string[]);
      // A file being written has a temporary name (writeAtomically): only finished files go.
      for (const name of names.filter((candidate) => !candidate.endsWith('.partial'))) {
        const info = await stat(join(dir, name)).catch(() => undefined);
        if (!info?.isFile() || info.size > MAX_TRANSFER_BYTES) continue;
        const field = `${folder}/${name}`;
        const version = `${info.size}:${info.mtimeMs}`;
        if (saved.get(field) === version) continue;
        const bytes = await readFile(join(dir, name)).catch(() => undefined);
        if (!bytes) continue;
        changed.set(field, bytes);
        saved.set(field, version);
      }
    }
    if (changed.size > 0) await redis.multi().hset(key, changed).expire(key, ttlSeconds).exec();
  };

  return {
    async restore() {
      const files = await redis.hgetallBuffer(key);
      let count = 0;
      for (const [field, bytes] of Object.entries(files)) {
        const parts = field.split('/');
        const [folder, name] = parts;
        const dir = dirs.find(([candidate]) => candidate === folder)?.[1];
        // Only the names this module writes: a field from elsewhere cannot reach outside the folders.
        if (!dir || !name || name.startsWith('.') || parts.length !== 2) continue;
        await makeFolder(dir);
        await writeFile(join(dir, name), bytes);
        // Already in Redis: not put back unless the engine rewrites it.
        const info = await stat(join(dir, name));
        saved.set(field, `${info.size}:${info.mtimeMs}`);
        count++;
      }
      return count;
    },
    save() {
      saving = saving.then(saveChanged, saveChanged);
      return saving;
    },
  };
}
