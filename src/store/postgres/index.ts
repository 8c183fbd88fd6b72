import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { storeGuard } from '../store-guard.js';
import { StoreError, type TaskStore } from '../types.js';
import { postgresApiKeys } from './api-keys.js';
import { postgresAudit } from './audit.js';
import { openDatabase, type PostgresStoreOptions, redact } from './connection.js';
import { translate } from './errors.js';
import * as history from './history.js';
import { migrate } from './migrations/index.js';
import { inTransaction } from './repo.js';

export type { PostgresStoreOptions } from './connection.js';

/**
 * Open a PostgreSQL task store: a `pg` connection pool queried through Kysely,
 * migrations applied on open (see `migrations/`), full-text search on a
 * weighted `tsvector` (title > description > comments) with a GIN index.
 *
 * `write` runs on one pooled connection as one READ COMMITTED transaction. Its
 * first call for a workspace takes a transaction-scoped advisory lock on that
 * workspace, so writers to one workspace run one after another, as they do on
 * SQLite: a `write` that reads and then writes never acts on a stale read.
 * Writers to different workspaces run in parallel. `read` is a READ ONLY,
 * REPEATABLE READ transaction: one consistent snapshot of committed data.
 *
 * Before each port method's statements the transaction-local setting
 * `taskwire.workspace` is set to that method's workspace, which the tables'
 * row-level security policies check (effective unless the role is a superuser
 * or has BYPASSRLS). Calls on one transaction's reader or writer are queued,
 * so concurrent calls (`Promise.all`) never run under another call's setting.
 *
 * Change records (see `history.ts`) take their seqs from the workspace's
 * counter row while the write holds the workspace lock, so seqs are gap-free
 * and commit in seq order; each carries the store's `origin` (a random UUID
 * per open). `prune` deletes old change records and trash entries of every
 * workspace in its own transaction under `taskwire.history_prune`.
 *
 * Statements with parameters run as prepared statements when
 * `options.preparedStatements` is true (folded-pool.ts, prepared-statements.ts).
 *
 * @throws StoreError `unavailable` when the server cannot be reached or the
 *   schema cannot be migrated (including one migrated by a newer Taskwire).
 *   Later calls throw `unavailable` for connection loss, shutdown, too many
 *   connections, timeouts, serialization failures, deadlocks and prepared
 *   statements the server session lost or that predate a schema change (all
 *   retryable; prepared-statements.ts), and `internal` for any other database
 *   error.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<TaskStore> {
  const db = openDatabase(options);
  try {
    await migrate(db as Kysely<unknown>, options.schema);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new StoreError('unavailable', `cannot open PostgreSQL database at ${redact(options.connectionString)}: ${(error as Error).message}`, {
      cause: error,
    });
  }

  const { run: guard, close } = storeGuard(translate);

  const origin = randomUUID();
  return {
    engine: 'postgres',
    origin,
    apiKeys: postgresApiKeys(db, guard),
    audit: postgresAudit(db as Kysely<unknown>, guard),
    read: (fn) => guard(() => inTransaction(db, origin, false, fn)),
    write: (fn) => guard(() => inTransaction(db, origin, true, fn)),
    prune: (before) => guard(() => history.pruneHistory(db as Kysely<unknown>, before)),
    ping: () => guard(async () => void (await sql`SELECT 1`.execute(db))),
    close: async () => {
      if (!close()) return;
      await db.destroy(); // waits for checked-out connections to come back
    },
  };
}
