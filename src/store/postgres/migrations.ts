import { type Kysely, sql } from 'kysely';

/**
 * The text-search configuration used by the `tasks.search` column (migration 1)
 * and by every query against it; they must agree. `simple` lower-cases and
 * splits words but neither stems nor drops stop words, so a prefix query
 * (`logi:*`) matches `login` and no word of the user's text silently vanishes.
 */
export const FTS_CONFIG = 'simple';

/**
 * PostgreSQL schema migrations, applied in order on open by {@link migrate}.
 * `taskwire_migrations` records each applied index (1-based). Never edit a
 * shipped migration: append a new one.
 *
 * Row-level security is a second wall behind the `workspace = $1` filter every
 * query already has: each table only shows rows of the workspace named by the
 * transaction-local setting `taskwire.workspace`. PostgreSQL exempts superusers
 * and `BYPASSRLS` roles from it, so it only bites when Taskwire connects as an
 * ordinary role (as it should in production).
 */
/**
 * Row-level security as a second wall behind the query filters: every row is
 * visible only when `taskwire.workspace` (set per statement group by the store)
 * names its workspace. FORCE makes it apply to the table owner too.
 */
function rowLevelSecurity(tables: Record<string, string>): string {
  return Object.entries(tables)
    .map(
      ([table, column]) => `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
  ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
  CREATE POLICY workspace_isolation ON ${table} USING (${column} = current_setting('taskwire.workspace', true));`,
    )
    .join('\n  ');
}

export const POSTGRES_MIGRATIONS: readonly string[] = [
  /* 1: tasks, dependencies, labels, comments, full-text search, idempotency keys, row-level security */ `
  CREATE TABLE workspaces (
    name text COLLATE "C" PRIMARY KEY,
    next_task_id integer NOT NULL DEFAULT 1,
    next_comment_id integer NOT NULL DEFAULT 1
  );
  CREATE TABLE tasks (
    workspace text COLLATE "C" NOT NULL,
    id integer NOT NULL,
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    status text NOT NULL CHECK (status IN ('todo','in_progress','blocked','done','cancelled')),
    priority text NOT NULL CHECK (priority IN ('low','medium','high','critical')),
    priority_rank smallint NOT NULL,
    labels text[] NOT NULL DEFAULT '{}',
    assignee text COLLATE "C",
    due_date date,
    parent_id integer,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    completed_at timestamptz,
    created_by text NOT NULL,
    created_client text,
    updated_by text NOT NULL,
    updated_client text,
    -- every comment body, oldest first, newline-separated: the third search field
    comment_text text NOT NULL DEFAULT '',
    search tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple'::regconfig, title), 'A') ||
      setweight(to_tsvector('simple'::regconfig, description), 'B') ||
      setweight(to_tsvector('simple'::regconfig, comment_text), 'C')
    ) STORED,
    PRIMARY KEY (workspace, id)
  );
  CREATE INDEX tasks_by_status ON tasks (workspace, status, priority_rank DESC, due_date, id);
  CREATE INDEX tasks_by_parent ON tasks (workspace, parent_id);
  CREATE INDEX tasks_by_assignee ON tasks (workspace, assignee);
  CREATE INDEX tasks_by_due ON tasks (workspace, due_date);
  CREATE INDEX tasks_by_completed ON tasks (workspace, completed_at);
  CREATE INDEX tasks_search ON tasks USING gin (search);
  CREATE TABLE task_labels (
    workspace text COLLATE "C" NOT NULL, task_id integer NOT NULL, label text COLLATE "C" NOT NULL,
    PRIMARY KEY (workspace, task_id, label)
  );
  CREATE INDEX task_labels_by_label ON task_labels (workspace, label, task_id);
  CREATE TABLE task_deps (
    workspace text COLLATE "C" NOT NULL, task_id integer NOT NULL, depends_on integer NOT NULL,
    PRIMARY KEY (workspace, task_id, depends_on)
  );
  CREATE INDEX task_deps_reverse ON task_deps (workspace, depends_on, task_id);
  CREATE TABLE comments (
    workspace text COLLATE "C" NOT NULL,
    id integer NOT NULL,
    task_id integer NOT NULL,
    body text NOT NULL,
    author text NOT NULL,
    author_client text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (workspace, id)
  );
  CREATE INDEX comments_by_task ON comments (workspace, task_id, id);
  CREATE TABLE idempotency_keys (
    workspace text COLLATE "C" NOT NULL,
    key text NOT NULL,
    tool text NOT NULL,
    args_hash text NOT NULL,
    result text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (workspace, key)
  );

  ${rowLevelSecurity({ workspaces: 'name', tasks: 'workspace', task_labels: 'workspace', task_deps: 'workspace', comments: 'workspace', idempotency_keys: 'workspace' })}
  `,
  /* 2: API keys (hash only); no row-level security: a key is looked up before its workspace is known */ `
  CREATE TABLE api_keys (
    id text COLLATE "C" PRIMARY KEY,
    workspace text COLLATE "C" NOT NULL,
    name text NOT NULL,
    scopes text[] NOT NULL,
    secret_hash text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz
  );
  CREATE INDEX api_keys_by_workspace ON api_keys (workspace, created_at);
  `,
  /* 3: audit trail of tool calls, workspace-scoped by row-level security; retention pruning sees all workspaces only under taskwire.audit_prune */ `
  CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    called_at timestamptz NOT NULL,
    workspace text COLLATE "C" NOT NULL,
    principal text NOT NULL,
    client_name text,
    client_version text,
    tool text NOT NULL,
    args_hash text NOT NULL,
    args text,
    outcome text NOT NULL,
    duration_ms double precision NOT NULL,
    trace_id text,
    request_id text
  );
  CREATE INDEX audit_by_workspace_time ON audit_log (workspace, called_at);
  CREATE INDEX audit_by_time ON audit_log (called_at);
  ${rowLevelSecurity({ audit_log: 'workspace' })}
  CREATE POLICY audit_retention_read ON audit_log FOR SELECT USING (current_setting('taskwire.audit_prune', true) = 'on');
  CREATE POLICY audit_retention_delete ON audit_log FOR DELETE USING (current_setting('taskwire.audit_prune', true) = 'on');
  `,
  /* 4: parallel agents (issue 11; SQLite migration 5): leases on tasks, the change history with provenance, the trash of
        deleted tasks, per-principal marks in the change feed. Seqs come from workspaces.next_change_seq under the
        workspace's write lock, so they are gap-free in commit order. `fields` and `snapshot` are json (kept as
        written, key order included, like SQLite's text). Retention pruning sees every workspace only under
        taskwire.history_prune. */ `
  ALTER TABLE workspaces ADD COLUMN next_change_seq bigint NOT NULL DEFAULT 1;
  ALTER TABLE tasks
    ADD COLUMN lease_id text,
    ADD COLUMN lease_holder text,
    ADD COLUMN lease_client text,
    ADD COLUMN lease_client_version text,
    ADD COLUMN lease_expires_at timestamptz;
  CREATE INDEX tasks_by_lease_expiry ON tasks (workspace, lease_expires_at) WHERE lease_expires_at IS NOT NULL;
  CREATE TABLE task_changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace text COLLATE "C" NOT NULL,
    seq bigint NOT NULL,
    at timestamptz NOT NULL,
    principal text COLLATE "C" NOT NULL,
    client text,
    client_version text,
    tool text NOT NULL,
    kind text NOT NULL,
    task_id integer NOT NULL,
    version integer,
    fields json NOT NULL,
    origin text NOT NULL,
    UNIQUE (workspace, seq)
  );
  CREATE INDEX task_changes_by_task ON task_changes (workspace, task_id, seq);
  CREATE INDEX task_changes_by_principal ON task_changes (workspace, principal, seq);
  CREATE INDEX task_changes_by_time ON task_changes (at);
  CREATE TABLE trash (
    workspace text COLLATE "C" NOT NULL,
    task_id integer NOT NULL,
    root_id integer NOT NULL,
    seq bigint NOT NULL,
    deleted_at timestamptz NOT NULL,
    deleted_by text NOT NULL,
    snapshot json NOT NULL,
    PRIMARY KEY (workspace, task_id)
  );
  CREATE INDEX trash_by_root ON trash (workspace, root_id);
  CREATE INDEX trash_by_seq ON trash (workspace, seq);
  CREATE INDEX trash_by_time ON trash (deleted_at);
  CREATE TABLE change_marks (
    workspace text COLLATE "C" NOT NULL,
    principal text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    seq bigint NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (workspace, principal, name)
  );
  ${rowLevelSecurity({ task_changes: 'workspace', trash: 'workspace', change_marks: 'workspace' })}
  CREATE POLICY history_retention_read ON task_changes FOR SELECT USING (current_setting('taskwire.history_prune', true) = 'on');
  CREATE POLICY history_retention_delete ON task_changes FOR DELETE USING (current_setting('taskwire.history_prune', true) = 'on');
  CREATE POLICY trash_retention_read ON trash FOR SELECT USING (current_setting('taskwire.history_prune', true) = 'on');
  CREATE POLICY trash_retention_delete ON trash FOR DELETE USING (current_setting('taskwire.history_prune', true) = 'on');
  `,
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
