import type { Config } from '../config/schema.js';
import { openSqliteStore } from './sqlite/index.js';
import type { TaskStore } from './types.js';

/**
 * The store the config names: PostgreSQL when `databaseUrl` (`--database-url` /
 * `DATABASE_URL`) is set, else the SQLite file at `db`. Migrations run on open.
 * Used by `serve`, stdio, `token`, `audit` and `doctor` alike, so every command
 * reads the same database.
 * @throws StoreError `unavailable` when the database cannot be opened or reached.
 */
export async function openConfiguredStore(config: Config): Promise<TaskStore> {
  if (config.databaseUrl) {
    // Loaded only when configured (pg and Kysely): the embedded default starts without them.
    const { openPostgresStore } = await import('./postgres/index.js');
    return openPostgresStore({
      connectionString: config.databaseUrl,
      schema: config.databaseSchema,
      poolSize: config.databasePoolSize,
      preparedStatements: config.databasePreparedStatements,
    });
  }
  return openSqliteStore({ path: config.db, synchronous: config.sqliteSynchronous });
}
