import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from './config.ts';
import { makeFolderSync } from '../make-folder.ts';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order and recorded in `schema_migrations`. Append only: a released
 * migration is never edited, because it has already run on someone's data.
 */
const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        user_name TEXT NOT NULL,
        origin TEXT NOT NULL,
        params TEXT NOT NULL,
        content_path TEXT NOT NULL,
        style_path TEXT NOT NULL,
        style_label TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        progress TEXT,
        result TEXT,
        error TEXT,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER
      );
      CREATE INDEX jobs_status ON jobs (status, seq);
      CREATE INDEX jobs_user ON jobs (platform, user_id, status);
      CREATE TABLE styles (
        name TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        path TEXT NOT NULL,
        added_by TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    // Style blends (several styles with weights) and spatial masks.
    version: 2,
    sql: `
      ALTER TABLE jobs ADD COLUMN styles TEXT;
      ALTER TABLE jobs ADD COLUMN mask_path TEXT;
    `,
  },
  {
    // Style contests: a contest per channel, entries (each made by a job), votes.
    version: 3,
    sql: `
      CREATE TABLE contests (
        id TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        title TEXT NOT NULL,
        style_path TEXT NOT NULL,
        style_label TEXT NOT NULL,
        params TEXT NOT NULL,
        max_entries INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'cancelled')),
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        closed_at INTEGER,
        announcement TEXT
      );
      CREATE INDEX contests_open ON contests (status, ends_at);
      CREATE UNIQUE INDEX contests_one_open_per_channel ON contests (platform, channel_id) WHERE status = 'open';
      CREATE TABLE contest_entries (
        id TEXT PRIMARY KEY,
        contest_id TEXT NOT NULL REFERENCES contests (id),
        user_id TEXT NOT NULL,
        user_name TEXT NOT NULL,
        job_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'posted', 'failed', 'withdrawn', 'removed')),
        member_left INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        message TEXT
      );
      CREATE INDEX contest_entries_contest ON contest_entries (contest_id, status);
      CREATE UNIQUE INDEX contest_entries_job ON contest_entries (job_id);
      CREATE TABLE contest_votes (
        entry_id TEXT NOT NULL REFERENCES contest_entries (id),
        user_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (entry_id, user_id)
      );
    `,
  },
  {
    // One-off facts about this data directory, such as "the default library was imported".
    version: 4,
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    // Which engine method paints a job (every earlier job was an optimisation).
    version: 5,
    sql: `ALTER TABLE jobs ADD COLUMN method TEXT NOT NULL DEFAULT 'optimise';`,
  },
  {
    // A style may have a feed-forward network trained on it (the fast method): its name.
    version: 6,
    sql: `ALTER TABLE styles ADD COLUMN network TEXT;`,
  },
  {
    // Communities (a Discord server, a Slack workspace, the playground): each has its own styles,
    // jobs and contests. Styles from before are shared by all ('*'), as the shipped paintings are;
    // a community hides a shared style instead of deleting it. Older jobs and contests belong to
    // no community ('').
    version: 7,
    sql: `
      CREATE TABLE styles_v7 (
        community TEXT NOT NULL DEFAULT '*',
        name TEXT NOT NULL,
        title TEXT NOT NULL,
        path TEXT NOT NULL,
        added_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        network TEXT,
        PRIMARY KEY (community, name)
      );
      INSERT INTO styles_v7 (community, name, title, path, added_by, created_at, network) SELECT '*', name, title, path, added_by, created_at, network FROM styles;
      DROP TABLE styles;
      ALTER TABLE styles_v7 RENAME TO styles;
      CREATE TABLE hidden_styles (community TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (community, name));
      ALTER TABLE jobs ADD COLUMN community TEXT NOT NULL DEFAULT '';
      ALTER TABLE contests ADD COLUMN community TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    // What a community's moderators chose (/settings): one row per setting they changed.
    version: 8,
    sql: `CREATE TABLE community_settings (community TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (community, key));`,
  },
  {
    // Whose posted photo a job painted, when it was someone else's (they may remove the result).
    version: 9,
    sql: `ALTER TABLE jobs ADD COLUMN photo_owner TEXT;`,
  },
  {
    // The background's style images (JSON, as \`styles\`) when a job paints the person and the background apart.
    version: 10,
    sql: `ALTER TABLE jobs ADD COLUMN background_styles TEXT;`,
  },
  {
    // Trained networks whose style was removed: deleted once no queued or running job needs them.
    version: 11,
    sql: `CREATE TABLE released_networks (network TEXT PRIMARY KEY, released_at INTEGER NOT NULL);`,
  },
  {
    // Contest entries painted after their contest ended: shown, but not in the running.
    version: 12,
    sql: `ALTER TABLE contest_entries ADD COLUMN late INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    // Each person's saved style ("Use as style"), kept on disk since it was held in memory only.
    version: 13,
    sql: `CREATE TABLE saved_styles (platform TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL, saved_at INTEGER NOT NULL, PRIMARY KEY (platform, user_id));`,
  },
  {
    // When a long contest's channel was reminded that it ends soon (once).
    version: 14,
    sql: `ALTER TABLE contests ADD COLUMN reminded_at INTEGER;`,
  },
  {
    // When a finished chat job's last message reached its chat: one that never did (the platform
    // down, a restart in between) is answered again. Jobs finished before this are taken as answered.
    version: 15,
    sql: `
      ALTER TABLE jobs ADD COLUMN answered_at INTEGER;
      UPDATE jobs SET answered_at = COALESCE(finished_at, created_at) WHERE status IN ('succeeded', 'failed', 'cancelled');
    `,
  },
  {
    // A contest's messages that must reach its channel (the announcement, an entry, the winners…),
    // kept until one did: one the platform never took before a stop is posted by the next start.
    version: 16,
    sql: `CREATE TABLE contest_posts (id INTEGER PRIMARY KEY AUTOINCREMENT, contest_id TEXT NOT NULL, entry_id TEXT, type TEXT NOT NULL, created_at INTEGER NOT NULL);`,
  },
  {
    // Whether a moderator cancelled the job (not its owner): its answer says so, sent again after a restart too.
    version: 17,
    sql: `ALTER TABLE jobs ADD COLUMN cancelled_by_moderator INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    // How far an adapter got with a contest post of several calls (Slack: the entry's picture
    // uploaded), JSON, so that the next start does not do that part again.
    version: 18,
    sql: `ALTER TABLE contest_posts ADD COLUMN progress TEXT;`,
  },
];

/** Opens (creating if needed) the SQLite store in WAL mode and brings its schema up to date. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') makeFolderSync(dirname(path));
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
  } catch (error) {
    db.close();
    // A damaged or foreign file: said in a line, not a stack trace, and never replaced (it may be restored).
    if (isDamaged(error)) {
      throw new ConfigError(`${path} is not a database impasto can read (SQLite: ${(error as Error).message}). Move it aside to start with an empty store (its jobs, contests and library are then gone), or restore it from a backup.`);
    }
    throw error;
  }
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commit).
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/**
 * Holds a data directory for this process: a second bot started on the same folder would paint
 * every job twice and race the first for its files. The hold is SQLite's exclusive lock on a file of
 * its own (`lockPath`), which the operating system lets go when the process ends, however it ends.
 */
export function holdDataDirectory(lockPath: string, dataDir: string, again = true): { release(): void } {
  makeFolderSync(dirname(lockPath));
  const lock = new Database(lockPath, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, since INTEGER NOT NULL)');
    // A write takes the exclusive lock, which this connection keeps until it closes.
    lock.prepare('INSERT OR REPLACE INTO holder (id, pid, since) VALUES (1, ?, ?)').run(process.pid, Date.now());
  } catch (error) {
    lock.close();
    if (isSqliteError(error, 'SQLITE_BUSY')) throw new ConfigError(`Another impasto bot is running on ${dataDir}: stop it first, or give this one a data directory of its own (IMPASTO_DATA_DIR).`);
    // The lock file holds nothing worth keeping: a damaged one is made again.
    if (again && isDamaged(error)) {
      rmSync(lockPath, { force: true });
      return holdDataDirectory(lockPath, dataDir, false);
    }
    throw error;
  }
  return { release: () => lock.close() };
}

function isSqliteError(error: unknown, code: string): boolean {
  return (error as { code?: unknown } | null)?.code === code;
}

/** SQLite's answer for a file that is not a database, or one whose pages are damaged. */
function isDamaged(error: unknown): boolean {
  return isSqliteError(error, 'SQLITE_NOTADB') || isSqliteError(error, 'SQLITE_CORRUPT');
}

function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(migration.version, Date.now());
    })();
  }
}

export function schemaVersion(db: Db): number {
  return (db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number | null) ?? 0;
}
