import type { TaskReader, TaskWriter } from '../types.js';
import type * as Database from './driver.js';
import type { SqliteReadRepo } from './repo-read.js';
import type { SqliteWriteRepo } from './repo-write.js';

/**
 * Run `fn` in one read transaction on the reader connection (`BEGIN` … `COMMIT`): every read it makes sees the same
 * committed snapshot (WAL). Call under the store's read lock.
 */
export async function readTransaction<T>(repo: SqliteReadRepo, fn: (r: TaskReader) => Promise<T>): Promise<T> {
  repo.control('BEGIN');
  try {
    return await fn(repo);
  } finally {
    repo.control('COMMIT');
  }
}

/**
 * Run `fn` in one `BEGIN IMMEDIATE` transaction on the writer connection: everything it wrote (with the new tasks'
 * full-text rows) commits together after it resolves, or nothing does if it throws (the error is rethrown). The
 * repo's per-connection caches follow the outcome. Call under the store's write lock.
 */
export async function writeTransaction<T>(db: Database.Database, repo: SqliteWriteRepo, fn: (w: TaskWriter) => Promise<T>): Promise<T> {
  repo.control('BEGIN IMMEDIATE');
  try {
    const result = await fn(repo);
    repo.beforeCommit();
    repo.control('COMMIT');
    repo.committed();
    return result;
  } catch (error) {
    repo.rolledBack();
    if (db.inTransaction) repo.control('ROLLBACK');
    throw error;
  }
}
