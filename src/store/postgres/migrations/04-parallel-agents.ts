import { rowLevelSecurity } from './fragments.js';

/**
 * Migration 4: parallel agents (issue 11; SQLite migration 5): leases on tasks, the change history with provenance,
 * the trash of deleted tasks, per-principal marks in the change feed. Seqs come from workspaces.next_change_seq under
 * the workspace's write lock, so they are gap-free in commit order. `fields` and `snapshot` are json (kept as
 * written, key order included, like SQLite's text). Retention pruning sees every workspace only under
 * taskwire.history_prune.
 */
export const PARALLEL_AGENTS = `
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
  `;
