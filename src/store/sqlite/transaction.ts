import type { TaskReader, TaskWriter } from '../types.js';
import type * as Database from './driver.js';
import type { SqliteReadRepo } from './repo-read.js';
import type { SqliteWriteRepo } from './repo-write.js';

/**
 * A connection's transaction-control statements, prepared once: `db.exec` compiles its SQL on every call, and a
 * call's read transaction is two of them (~5% of a hot get_task's CPU when compiled each time).
 */
interface Control {
  begin: Database.Statement;
  beginImmediate: Database.Statement;
  commit: Database.Statement;
  rollback: Database.Statement;
}

const controls = new WeakMap<Database.Database, Control>();

function control(db: Database.Database): Control {
  let c = controls.get(db);
  if (!c) {
    c = { begin: db.prepare('BEGIN'), beginImmediate: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT'), rollback: db.prepare('ROLLBACK') };
    controls.set(db, c);
  }
  return c;
}

/**
 * Run `fn` in one read transaction on the reader connection (`BEGIN` … `COMMIT`): every read it makes sees the same
 * committed snapshot (WAL). Call under the store's read lock.
 */
export async function readTransaction<T>(db: Database.Database, repo: SqliteReadRepo, fn: (r: TaskReader) => Promise<T>): Promise<T> {
  const c = control(db);
  c.begin.run();
  try {
    return await fn(repo);
  } finally {
    c.commit.run();
  }
}

/**
 * Run `fn` in one `BEGIN IMMEDIATE` transaction on the writer connection: everything it wrote (with the new tasks'
 * full-text rows) commits together after it resolves, or nothing does if it throws (the error is rethrown). The
 * repo's per-connection caches follow the outcome. Call under the store's write lock.
 */
export async function writeTransaction<T>(db: Database.Database, repo: SqliteWriteRepo, fn: (w: TaskWriter) => Promise<T>): Promise<T> {
  const c = control(db);
  c.beginImmediate.run();
  try {
    const result = await fn(repo);
    repo.beforeCommit();
    c.commit.run();
    repo.committed();
    return result;
  } catch (error) {
    repo.rolledBack();
    if (db.inTransaction) c.rollback.run();
    throw error;
  }
}
