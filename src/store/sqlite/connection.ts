import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../types.js';
import type * as Database from './driver.js';
import { openDatabase } from './driver.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

/** Options for {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file path, or `:memory:` (one connection, for tests and benchmarks). */
  path: string;
  /** `PRAGMA synchronous`: FULL (default) survives power loss; NORMAL survives process crashes only. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a statement waits for a lock held by another process, in ms (default 5,000). */
  busyTimeoutMs?: number;
}

/** The store's two connections to one file; `:memory:` has one, both `writer` and `reader` (`memory` true). */
export interface SqliteConnections {
  writer: Database.Database;
  reader: Database.Database;
  memory: boolean;
}

/**
 * Open the writer connection (creating the file and its folder if needed), apply the migrations it lacks, gather
 * planner statistics when missing or stale, then open the reader connection.
 *
 * @throws StoreError `unavailable` when the file cannot be opened or migrated (the writer is closed again).
 */
export function openConnections(options: SqliteStoreOptions): SqliteConnections {
  const memory = options.path === ':memory:';
  let writer: Database.Database | undefined;
  let reader: Database.Database;
  try {
    if (!memory) mkdirSync(dirname(options.path), { recursive: true });
    writer = openConnection(options);
    migrate(writer);
    writer.pragma('optimize=0x10002'); // gather planner statistics on open when missing or stale
    reader = memory ? writer : openConnection(options);
    for (const db of memory ? [writer] : [writer, reader]) tuneForServing(db);
  } catch (error) {
    writer?.close();
    throw new StoreError('unavailable', `cannot open SQLite database at ${options.path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { writer, reader, memory };
}

/** One connection with the store's pragmas: WAL journal, `synchronous`, `busy_timeout`, foreign keys, a 32 MiB page cache. */
function openConnection(options: SqliteStoreOptions): Database.Database {
  const db = openDatabase(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -32768'); // 32 MiB page cache per connection (the default 2 MiB thrashes past ~50k tasks)
  return db;
}

/**
 * Pragmas set once the migrations have run (issue 12, create_tasks at 1M: a 50-task batch writes ~340 pages):
 * - `temp_store = MEMORY`: a statement that may abort half-way (an INSERT into a table with UNIQUE indexes and
 *   triggers) keeps the original of every page it changes in a statement journal, which SQLite spills to a temp file
 *   past 64 KiB: ~1,400 write calls per batch (a 4-byte page number, then the page, for each of ~14 pages a task
 *   touches). In memory it is a copy, dropped at the statement's end; the temp database (the one-page search table)
 *   lives there too. Migrations run before it: a whole-table UPDATE journals the whole table, which belongs on disk.
 * - `wal_autocheckpoint = 4000` (16 MiB of WAL, default 1,000): the checkpoint that copies the WAL into the file
 *   (and fsyncs it) ran inside every third batch's COMMIT; every eleventh now, and it copies each page once however
 *   many commits rewrote it (the index leaves new tasks append to, the counters, the full-text segments: over 30
 *   batches the WAL held 10,400 frames of 5,150 distinct pages). Durability is the same: a COMMIT syncs the WAL.
 */
function tuneForServing(db: Database.Database): void {
  db.pragma('temp_store = MEMORY');
  db.pragma('wal_autocheckpoint = 4000');
}

/**
 * Apply the migrations past `user_version`, each in its own `BEGIN IMMEDIATE` transaction, with `foreign_keys` OFF
 * (SQLite's rule for schema changes, lang_altertable.html §7: with it ON, dropping a rebuilt `tasks` would cascade into
 * every child row) and `PRAGMA foreign_key_check` before each COMMIT, so no migration commits a dangling reference.
 * @throws Error when the file's schema is newer than this build's migrations, or a migration left a row whose
 *   referenced task does not exist.
 */
function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SQLITE_MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this Taskwire (${SQLITE_MIGRATIONS.length}); upgrade Taskwire`);
  }
  if (current === SQLITE_MIGRATIONS.length) return;
  db.pragma('foreign_keys = OFF'); // a no-op inside a transaction: set between them
  try {
    for (let i = current; i < SQLITE_MIGRATIONS.length; i++) {
      db.transaction(() => {
        // Re-read under the write lock: another process may have applied it since we looked.
        if ((db.pragma('user_version', { simple: true }) as number) > i) return;
        const step = SQLITE_MIGRATIONS[i];
        if (typeof step === 'function') step(db);
        else db.exec(step as string);
        const dangling = db.pragma('foreign_key_check') as Array<{ table: string; parent: string }>;
        if (dangling.length > 0) {
          throw new Error(`migration ${i + 1} left ${dangling.length} row(s) referencing a missing row (first: ${dangling[0]?.table} → ${dangling[0]?.parent})`);
        }
        db.pragma(`user_version = ${i + 1}`);
      }).immediate();
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
}
