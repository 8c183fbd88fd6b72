import { type Kysely, sql } from 'kysely';
import { TASKS } from './01-tasks.js';
import { API_KEYS } from './02-api-keys.js';
import { AUDIT_LOG } from './03-audit-log.js';
import { PARALLEL_AGENTS } from './04-parallel-agents.js';
import { READINESS } from './05-readiness.js';
import { COUNTS } from './06-counts.js';
import { WALK } from './07-walk.js';
import { MATCH } from './08-match.js';
import { TALLIES } from './09-tallies.js';
import { READINESS_IN_STORE } from './10-readiness-in-store.js';
import { CHANGE_TIMES } from './11-change-times.js';
import { SEARCH_TABLE } from './12-search-table.js';
import { FOREIGN_KEYS } from './13-foreign-keys.js';

/**
 * The text-search configuration used by the `tasks.search` column (migration 1)
 * and by every query against it; they must agree. `simple` lower-cases and
 * splits words but neither stems nor drops stop words, so a prefix query
 * (`logi:*`) matches `login` and no word of the user's text silently vanishes.
 */
export const FTS_CONFIG = 'simple';

/**
 * PostgreSQL schema migrations, applied in order on open by {@link migrate}, one file each.
 * `taskwire_migrations` records each applied index (1-based). Never edit a
 * shipped migration: append a new one.
 *
 * Row-level security is a second wall behind the `workspace = $1` filter every
 * query already has: each table only shows rows of the workspace named by the
 * transaction-local setting `taskwire.workspace`. PostgreSQL exempts superusers
 * and `BYPASSRLS` roles from it, so it only bites when Taskwire connects as an
 * ordinary role (as it should in production).
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  /* 1: tasks, dependencies, labels, comments, full-text search, idempotency keys, row-level security */ TASKS,
  /* 2: API keys (hash only); no row-level security: a key is looked up before its workspace is known */ API_KEYS,
  /* 3: audit trail of tool calls, workspace-scoped by row-level security; retention pruning under taskwire.audit_prune */ AUDIT_LOG,
  /* 4: parallel agents (issue 11; SQLite migration 5): leases, change history, trash, marks */ PARALLEL_AGENTS,
  /* 5: readiness counted on write (issue 12; SQLite migration 6) */ READINESS,
  /* 6: counts kept on write, list columns on label rows, one index per list order (issue 12) */ COUNTS,
  /* 7: a walk in index order whatever the statistics (issue 12) */ WALK,
  /* 8: search matches from the GIN index whatever the statistics (issue 12) */ MATCH,
  /* 9: overdue, completions per day and the waiting count kept on write (issue 12) */ TALLIES,
  /* 10: a new task's readiness counted by the store's insert, not a BEFORE trigger (issue 12) */ READINESS_IN_STORE,
  /* 11: change times non-decreasing per workspace, a (workspace, at) index for list_changes since (issue 12) */ CHANGE_TIMES,
  /* 12: search matches from a GIN index under row-level security too: task_search, read by taskwire_search (issue 12) */ SEARCH_TABLE,
  /* 13: comments, label rows and edges reference their task ON DELETE CASCADE (issue 15) */ FOREIGN_KEYS,
];

/** First key of the two-key advisory lock that serializes migrations (second key: the schema). */
const MIGRATION_LOCK = 0x74770001;

/**
 * Bring the schema up to date in one transaction. `pg_advisory_xact_lock`
 * makes replicas that start together take turns: the first applies the
 * migrations, the others then find nothing left to do.
 *
 * `schema` (already first on the connection's `search_path`) is created when
 * missing; an existing one is used as is, so a role without `CREATE` on the
 * database can run against a schema an administrator prepared for it.
 *
 * @throws Error when the database was migrated by a newer Taskwire.
 */
export async function migrate(db: Kysely<unknown>, schema: string | undefined): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK}, hashtext(${schema ?? ''}))`.execute(trx);
    if (schema !== undefined) {
      const found = await sql`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`.execute(trx);
      if (found.rows.length === 0) await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(trx);
    }
    await sql`CREATE TABLE IF NOT EXISTS taskwire_migrations (
      version integer PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`.execute(trx);
    const { rows } = await sql<{ version: number }>`SELECT coalesce(max(version), 0) AS version FROM taskwire_migrations`.execute(trx);
    const current = rows[0]?.version ?? 0;
    if (current > POSTGRES_MIGRATIONS.length) {
      throw new Error(`database schema version ${current} is newer than this Taskwire (${POSTGRES_MIGRATIONS.length}); upgrade Taskwire`);
    }
    for (let i = current; i < POSTGRES_MIGRATIONS.length; i++) {
      await sql.raw(POSTGRES_MIGRATIONS[i] as string).execute(trx);
      await sql`INSERT INTO taskwire_migrations (version) VALUES (${i + 1})`.execute(trx);
    }
  });
}
