import { StoreError } from '../types.js';
import { isSqliteError } from './driver.js';

/**
 * A better-sqlite3 error as a {@link StoreError}: busy, locked and I/O errors are `unavailable` (retryable), any
 * other SQLite error `internal` (the engine error kept as `cause`; a foreign-key violation, a child row of a task that
 * does not exist, says so). StoreErrors and non-SQLite errors pass unchanged.
 */
export function translateError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  if (isSqliteError(error)) {
    if (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED' || error.code.startsWith('SQLITE_IOERR')) {
      return new StoreError('unavailable', `database busy or unreachable (${error.code})`, { cause: error });
    }
    if (error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      return new StoreError('internal', 'a comment, label or dependency names a task that does not exist (foreign key)', { cause: error });
    }
    return new StoreError('internal', `database error (${error.code})`, { cause: error });
  }
  return error;
}
