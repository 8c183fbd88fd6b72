import Database from 'better-sqlite3';
import { StoreError } from '../types.js';

/**
 * A better-sqlite3 error as a {@link StoreError}: busy, locked and I/O errors are `unavailable` (retryable), any
 * other SQLite error `internal` (the engine error kept as `cause`). StoreErrors and non-SQLite errors pass unchanged.
 */
export function translateError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  if (error instanceof Database.SqliteError) {
    if (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED' || error.code.startsWith('SQLITE_IOERR')) {
      return new StoreError('unavailable', `database busy or unreachable (${error.code})`, { cause: error });
    }
    return new StoreError('internal', `database error (${error.code})`, { cause: error });
  }
  return error;
}
