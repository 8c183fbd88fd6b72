import pg from 'pg';
import { StoreError } from '../types.js';
import { isStalePlan } from './prepared-statements.js';

/** SQLSTATEs that mean "busy or going away, try again" (class 08, connection exceptions, is matched by prefix). */
const RETRYABLE_SQLSTATES = new Set([
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout): busy past its timeout
  '26000', // invalid_sql_statement_name: the session lost a prepared statement (a pooler); the store stops preparing
  '42P05', // duplicate_prepared_statement: the session holds another client's statements (a pooler); the store stops preparing
]);

const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Messages of the plain `Error`s pg, pg-pool and Kysely throw when there is no usable connection. */
const CONNECTION_LOST =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end|driver has already been destroyed)/;

/**
 * A database or driver error → the port's {@link StoreError}: `unavailable` (retryable) for connection loss,
 * shutdown, too many connections, timeouts, serialization failures, deadlocks and prepared statements the session
 * lost or that predate a schema change (prepared-statements.ts); `internal` for any other
 * database error (a foreign-key violation, 23503, a child row of a task that does not exist, says so). A StoreError, or an error not from the database (the caller's own), is returned unchanged.
 */
export function translate(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? '';
    if (code.startsWith('08') || RETRYABLE_SQLSTATES.has(code)) {
      return new StoreError('unavailable', `database busy or unreachable (${code})`, { cause: error });
    }
    if (isStalePlan(error)) {
      return new StoreError('unavailable', 'a prepared statement predates a schema change; retry (it is prepared again on its next use)', { cause: error });
    }
    if (code === '23503') {
      return new StoreError('internal', 'a comment, label or dependency names a task that does not exist (foreign key)', { cause: error });
    }
    return new StoreError('internal', `database error (${code})`, { cause: error });
  }
  if (isConnectionError(error)) {
    return new StoreError('unavailable', `database unreachable (${(error as Error).message})`, { cause: error });
  }
  return error; // not from the database: the caller's own error, rethrown after ROLLBACK
}

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError); // one per address tried
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && NETWORK_ERRNOS.has(code)) || CONNECTION_LOST.test(error.message);
}
