import type { TaskReader, TaskWriter } from '../types.js';
import type * as Database from './driver.js';
import type { SqliteReadRepo } from './repo-read.js';
import type { SqliteWriteRepo } from './repo-write.js';

/**
 * Run `fn` in one read transaction on the reader connection (`BEGIN` … `COMMIT`): every read it makes sees the same
 * committed snapshot (WAL). Call under the store's read lock.
 */
export async function readTransaction<T>(db: Database.Database, repo: SqliteReadRepo, fn: (r: TaskReader) => Promise<T>): Promise<T> {
  db.exec('BEGIN');
  try {
    return await fn(repo);
  } finally {
    db.exec('COMMIT');
  }
}

/**
 * Run `fn` in one `BEGIN IMMEDIATE` transaction on the writer connection: everything it wrote (with the new tasks'
 * full-text rows) commits together after it resolves, or nothing does if it throws (the error is rethrown). The
 * repo's per-connection caches follow the outcome. Call under the store's write lock.
 */
export async function writeTransaction<T>(db: Database.Database, repo: SqliteWriteRepo, fn: (w: TaskWriter) => Promise<T>): Promise<T> {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = await fn(repo);
    repo.beforeCommit();
    db.exec('COMMIT');
    repo.committed();
    return result;
  } catch (error) {
    repo.rolledBack();
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
