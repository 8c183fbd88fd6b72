import type * as Database from './driver.js';
import { childForeignKeys } from './foreign-keys.js';
import { splitSearchIndex } from './search-index.js';

/** A migration: SQL, or a function for steps SQL cannot express (DDL per workspace), run on the migrating connection. */
export type SqliteMigration = string | ((db: Database.Database) => void);

/**
 * SQLite schema migrations, applied in order on open inside one transaction each.
 * `PRAGMA user_version` records the last applied index (1-based). Never edit a
 * shipped migration: append a new one.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  /* 1: tasks, dependencies, labels, comments, full-text index, idempotency keys */ `
  CREATE TABLE workspaces (
    name TEXT PRIMARY KEY,
    next_task_id INTEGER NOT NULL DEFAULT 1,
    next_comment_id INTEGER NOT NULL DEFAULT 1
  ) STRICT;
  CREATE TABLE tasks (
    rid INTEGER PRIMARY KEY,
    workspace TEXT NOT NULL,
    id INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('todo','in_progress','blocked','done','cancelled')),
    priority TEXT NOT NULL CHECK (priority IN ('low','medium','high','critical')),
    priority_rank INTEGER NOT NULL,
    labels TEXT NOT NULL DEFAULT '[]',
    assignee TEXT,
    due_date TEXT,
    parent_id INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    completed_at TEXT,
    created_by TEXT NOT NULL,
    created_client TEXT,
    updated_by TEXT NOT NULL,
    updated_client TEXT,
    UNIQUE (workspace, id)
  ) STRICT;
  CREATE INDEX tasks_by_status ON tasks (workspace, status, priority_rank DESC, due_date, id);
  CREATE INDEX tasks_by_parent ON tasks (workspace, parent_id, id);
  CREATE INDEX tasks_by_assignee ON tasks (workspace, assignee);
  CREATE INDEX tasks_by_due ON tasks (workspace, due_date);
  CREATE INDEX tasks_by_completed ON tasks (workspace, completed_at);
  CREATE TABLE task_labels (
    workspace TEXT NOT NULL, task_id INTEGER NOT NULL, label TEXT NOT NULL,
    PRIMARY KEY (workspace, task_id, label)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX task_labels_by_label ON task_labels (workspace, label, task_id);
  CREATE TABLE task_deps (
    workspace TEXT NOT NULL, task_id INTEGER NOT NULL, depends_on INTEGER NOT NULL,
    PRIMARY KEY (workspace, task_id, depends_on)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX task_deps_reverse ON task_deps (workspace, depends_on, task_id);
  CREATE TABLE comments (
    workspace TEXT NOT NULL,
    id INTEGER NOT NULL,
    task_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    author TEXT NOT NULL,
    author_client TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (workspace, id)
  ) STRICT;
  CREATE INDEX comments_by_task ON comments (workspace, task_id, id);
  -- rowid = tasks.rid (stable: an INTEGER PRIMARY KEY survives VACUUM)
  CREATE VIRTUAL TABLE tasks_fts USING fts5(
    title, description, comments,
    tokenize = 'porter unicode61 remove_diacritics 2'
  );
  CREATE TABLE idempotency_keys (
    workspace TEXT NOT NULL,
    key TEXT NOT NULL,
    tool TEXT NOT NULL,
    args_hash TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (workspace, key)
  ) STRICT;
  `,
  /* 2: API keys (hash only) */ `
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    workspace TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
  ) STRICT;
  CREATE INDEX api_keys_by_workspace ON api_keys (workspace, created_at);
  `,
  /* 3: audit trail of tool calls (see AuditLog in store/types.ts) */ `
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    called_at TEXT NOT NULL,
    workspace TEXT NOT NULL,
    principal TEXT NOT NULL,
    client_name TEXT,
    client_version TEXT,
    tool TEXT NOT NULL,
    args_hash TEXT NOT NULL,
    args TEXT,
    outcome TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    trace_id TEXT,
    request_id TEXT
  ) STRICT;
  CREATE INDEX audit_by_workspace_time ON audit_log (workspace, called_at);
  CREATE INDEX audit_by_time ON audit_log (called_at);
  `,
  /* 4: label rows carry their task's list columns, so a label-filtered list_tasks reads one index in
        priority order and counts from another without visiting the tasks (issue 6, benchmarks) */ `
  ALTER TABLE task_labels ADD COLUMN status TEXT;
  ALTER TABLE task_labels ADD COLUMN priority_rank INTEGER;
  ALTER TABLE task_labels ADD COLUMN due_date TEXT;
  ALTER TABLE task_labels ADD COLUMN assignee TEXT;
  UPDATE task_labels SET (status, priority_rank, due_date, assignee) =
    (SELECT t.status, t.priority_rank, t.due_date, t.assignee FROM tasks t WHERE t.workspace = task_labels.workspace AND t.id = task_labels.task_id);
  DROP INDEX task_labels_by_label;
  CREATE INDEX task_labels_by_status ON task_labels (workspace, label, status, assignee);
  CREATE INDEX task_labels_by_priority ON task_labels (workspace, label, priority_rank DESC, due_date IS NULL, due_date, task_id, status, assignee);
  `,
  /* 5: parallel agents (issue 11): leases on tasks, the change history with provenance, the trash of deleted
        tasks, per-principal marks in the change feed (daily_standup). `task_changes.rid` is the commit order of
        the whole file, never reused (AUTOINCREMENT: pruning must not hand a reader's cursor old ids): another process on the same file reads new rows by it (cluster/sqlite-bus.ts). */ `
  ALTER TABLE workspaces ADD COLUMN next_change_seq INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE tasks ADD COLUMN lease_id TEXT;
  ALTER TABLE tasks ADD COLUMN lease_holder TEXT;
  ALTER TABLE tasks ADD COLUMN lease_client TEXT;
  ALTER TABLE tasks ADD COLUMN lease_client_version TEXT;
  ALTER TABLE tasks ADD COLUMN lease_expires_at TEXT;
  CREATE INDEX tasks_by_lease_expiry ON tasks (workspace, lease_expires_at) WHERE lease_expires_at IS NOT NULL;
  CREATE TABLE task_changes (
    rid INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    principal TEXT NOT NULL,
    client TEXT,
    client_version TEXT,
    tool TEXT NOT NULL,
    kind TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    version INTEGER,
    fields TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (workspace, seq)
  ) STRICT;
  CREATE INDEX task_changes_by_task ON task_changes (workspace, task_id, seq);
  CREATE INDEX task_changes_by_principal ON task_changes (workspace, principal, seq);
  CREATE INDEX task_changes_by_time ON task_changes (at);
  CREATE INDEX task_changes_by_workspace_time ON task_changes (workspace, at);
  CREATE TABLE trash (
    workspace TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    root_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at TEXT NOT NULL,
    deleted_by TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (workspace, task_id)
  ) STRICT;
  CREATE INDEX trash_by_root ON trash (workspace, root_id);
  CREATE INDEX trash_by_time ON trash (deleted_at);
  CREATE TABLE change_marks (
    workspace TEXT NOT NULL,
    principal TEXT NOT NULL,
    name TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (workspace, principal, name)
  ) STRICT;
  `,
  /* 6: readiness counted on write (issue 12): `open_deps` = open dependencies, `open_children` = open subtasks,
        kept by triggers on every write path (status, parent and edge changes, inserts, deletes, restores), so
        next_task reads actionable tasks in rank order from one partial index and stops after the first few, and
        the "waiting on dependencies" count reads another: no per-candidate subqueries, no planner statistics. */ `
  ALTER TABLE tasks ADD COLUMN open_deps INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE tasks ADD COLUMN open_children INTEGER NOT NULL DEFAULT 0;
  UPDATE tasks SET
    open_deps = (SELECT count(*) FROM task_deps d JOIN tasks x ON x.workspace = d.workspace AND x.id = d.depends_on
                  WHERE d.workspace = tasks.workspace AND d.task_id = tasks.id AND x.status IN ('todo','in_progress','blocked')),
    open_children = (SELECT count(*) FROM tasks c
                  WHERE c.workspace = tasks.workspace AND c.parent_id = tasks.id AND c.status IN ('todo','in_progress','blocked'));
  CREATE INDEX tasks_actionable ON tasks (workspace, priority_rank DESC, due_date IS NULL, due_date, created_at, id)
    WHERE status = 'todo' AND open_deps = 0 AND open_children = 0;
  CREATE INDEX tasks_waiting ON tasks (workspace) WHERE status = 'todo' AND open_deps > 0;
  CREATE TRIGGER tasks_open_on_insert AFTER INSERT ON tasks
    WHEN NEW.parent_id IS NOT NULL AND NEW.status IN ('todo','in_progress','blocked')
  BEGIN
    UPDATE tasks SET open_children = open_children + 1 WHERE workspace = NEW.workspace AND id = NEW.parent_id;
  END;
  CREATE TRIGGER tasks_open_on_delete AFTER DELETE ON tasks
    WHEN OLD.parent_id IS NOT NULL AND OLD.status IN ('todo','in_progress','blocked')
  BEGIN
    UPDATE tasks SET open_children = open_children - 1 WHERE workspace = OLD.workspace AND id = OLD.parent_id;
  END;
  CREATE TRIGGER tasks_open_on_update AFTER UPDATE OF status, parent_id ON tasks
    WHEN (OLD.status IN ('todo','in_progress','blocked')) <> (NEW.status IN ('todo','in_progress','blocked'))
      OR OLD.parent_id IS NOT NEW.parent_id
  BEGIN
    UPDATE tasks SET open_children = open_children - 1
     WHERE OLD.parent_id IS NOT NULL AND OLD.status IN ('todo','in_progress','blocked') AND workspace = OLD.workspace AND id = OLD.parent_id;
    UPDATE tasks SET open_children = open_children + 1
     WHERE NEW.parent_id IS NOT NULL AND NEW.status IN ('todo','in_progress','blocked') AND workspace = NEW.workspace AND id = NEW.parent_id;
    UPDATE tasks SET open_deps = open_deps + (CASE WHEN NEW.status IN ('todo','in_progress','blocked') THEN 1 ELSE -1 END)
     WHERE (OLD.status IN ('todo','in_progress','blocked')) <> (NEW.status IN ('todo','in_progress','blocked'))
       AND workspace = NEW.workspace AND id IN (SELECT task_id FROM task_deps WHERE workspace = NEW.workspace AND depends_on = NEW.id);
  END;
  CREATE TRIGGER task_deps_open_on_insert AFTER INSERT ON task_deps
    WHEN (SELECT status FROM tasks WHERE workspace = NEW.workspace AND id = NEW.depends_on) IN ('todo','in_progress','blocked')
  BEGIN
    UPDATE tasks SET open_deps = open_deps + 1 WHERE workspace = NEW.workspace AND id = NEW.task_id;
  END;
  CREATE TRIGGER task_deps_open_on_delete AFTER DELETE ON task_deps
    WHEN (SELECT status FROM tasks WHERE workspace = OLD.workspace AND id = OLD.depends_on) IN ('todo','in_progress','blocked')
  BEGIN
    UPDATE tasks SET open_deps = open_deps - 1 WHERE workspace = OLD.workspace AND id = OLD.task_id;
  END;
  `,
  /* 7: counts kept on write, and one index per list order (issue 12). `task_counts` holds how many tasks of a
        workspace have each (status, priority, assignee) and `label_counts` each (label, status): totals and stats
        read them instead of counting rows, and list_tasks picks its index from them, not from planner statistics.
        A list order's index serves both directions (the other direction is its exact reverse). */ `
  CREATE TABLE task_counts (
    workspace TEXT NOT NULL, status TEXT NOT NULL, priority TEXT NOT NULL, assignee TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (workspace, status, priority, assignee)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO task_counts SELECT workspace, status, priority, coalesce(assignee, ''), count(*) FROM tasks GROUP BY 1, 2, 3, 4;
  CREATE TABLE label_counts (
    workspace TEXT NOT NULL, label TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (workspace, label, status)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO label_counts SELECT workspace, label, status, count(*) FROM task_labels GROUP BY 1, 2, 3;
  CREATE TRIGGER task_counts_on_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO task_counts VALUES (NEW.workspace, NEW.status, NEW.priority, coalesce(NEW.assignee, ''), 1)
      ON CONFLICT DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER task_counts_on_delete AFTER DELETE ON tasks BEGIN
    UPDATE task_counts SET n = n - 1
     WHERE workspace = OLD.workspace AND status = OLD.status AND priority = OLD.priority AND assignee = coalesce(OLD.assignee, '');
  END;
  CREATE TRIGGER task_counts_on_update AFTER UPDATE OF status, priority, assignee ON tasks
    WHEN OLD.status IS NOT NEW.status OR OLD.priority IS NOT NEW.priority OR OLD.assignee IS NOT NEW.assignee
  BEGIN
    UPDATE task_counts SET n = n - 1
     WHERE workspace = OLD.workspace AND status = OLD.status AND priority = OLD.priority AND assignee = coalesce(OLD.assignee, '');
    INSERT INTO task_counts VALUES (NEW.workspace, NEW.status, NEW.priority, coalesce(NEW.assignee, ''), 1)
      ON CONFLICT DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER label_counts_on_insert AFTER INSERT ON task_labels BEGIN
    INSERT INTO label_counts VALUES (NEW.workspace, NEW.label, NEW.status, 1) ON CONFLICT DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER label_counts_on_delete AFTER DELETE ON task_labels BEGIN
    UPDATE label_counts SET n = n - 1 WHERE workspace = OLD.workspace AND label = OLD.label AND status = OLD.status;
  END;
  CREATE TRIGGER label_counts_on_update AFTER UPDATE OF status ON task_labels WHEN OLD.status IS NOT NEW.status BEGIN
    UPDATE label_counts SET n = n - 1 WHERE workspace = OLD.workspace AND label = OLD.label AND status = OLD.status;
    INSERT INTO label_counts VALUES (NEW.workspace, NEW.label, NEW.status, 1) ON CONFLICT DO UPDATE SET n = n + 1;
  END;
  CREATE INDEX tasks_rank ON tasks (workspace, priority_rank DESC, due_date IS NULL, due_date, id);
  CREATE INDEX tasks_due_rank ON tasks (workspace, due_date IS NULL, due_date, priority_rank DESC, id);
  CREATE INDEX tasks_by_created ON tasks (workspace, created_at, id);
  CREATE INDEX tasks_by_updated ON tasks (workspace, updated_at, id);
  CREATE INDEX tasks_open_due ON tasks (workspace, due_date) WHERE status IN ('todo','in_progress','blocked') AND due_date IS NOT NULL;
  DROP INDEX tasks_by_assignee;
  CREATE INDEX tasks_by_assignee ON tasks (workspace, assignee, status);
  DROP INDEX tasks_by_due;
  CREATE INDEX tasks_by_due ON tasks (workspace, due_date, status);
  `,
  /* 8: search filters inside the full-text index (issue 12). `tasks_fts` gains a `facets` column of tokens for
        the task's workspace, status, assignee and labels (`f<id>`, ids from `facet_ids`), so a filtered search, and
        any search in a file shared by several workspaces, is counted and ranked by FTS5 alone, with no lookup per
        match. The table is rebuilt once here (seconds per 100k tasks). */ `
  CREATE TABLE facet_ids (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL, UNIQUE (kind, value)) STRICT;
  INSERT OR IGNORE INTO facet_ids (kind, value) SELECT DISTINCT 'w', workspace FROM tasks;
  INSERT OR IGNORE INTO facet_ids (kind, value) SELECT DISTINCT 's', status FROM tasks;
  INSERT OR IGNORE INTO facet_ids (kind, value) SELECT DISTINCT 'a', assignee FROM tasks WHERE assignee IS NOT NULL;
  INSERT OR IGNORE INTO facet_ids (kind, value) SELECT DISTINCT 'l', label FROM task_labels;
  CREATE VIRTUAL TABLE tasks_fts_new USING fts5(
    title, description, comments, facets,
    tokenize = 'porter unicode61 remove_diacritics 2'
  );
  INSERT INTO tasks_fts_new (rowid, title, description, comments, facets)
  SELECT t.rid, t.title, t.description,
         coalesce((SELECT group_concat(body, char(10)) FROM comments c WHERE c.workspace = t.workspace AND c.task_id = t.id), ''),
         'f' || (SELECT id FROM facet_ids WHERE kind = 'w' AND value = t.workspace)
           || ' f' || (SELECT id FROM facet_ids WHERE kind = 's' AND value = t.status)
           || coalesce(' f' || (SELECT id FROM facet_ids WHERE kind = 'a' AND value = t.assignee), '')
           || coalesce((SELECT group_concat(' f' || f.id, '') FROM task_labels l JOIN facet_ids f ON f.kind = 'l' AND f.value = l.label
                         WHERE l.workspace = t.workspace AND l.task_id = t.id), '')
    FROM tasks t;
  DROP TABLE tasks_fts;
  ALTER TABLE tasks_fts_new RENAME TO tasks_fts;
  `,
  /* 9: one FTS5 table per workspace (issue 13: bm25 statistics were the whole file's, so another workspace's writes
        changed a workspace's scores and order; issue 12: a small workspace's search walked a big one's doclists).
        `tasks_fts` is split into `tasks_fts_<workspace facet id>` and dropped (search-index.ts). */
  splitSearchIndex,
  /* 10: fewer index pages per write (issue 12, create_tasks at 1M). Every index whose key scatters new tasks over the
        whole tree costs about one page per task in the WAL at each commit (~50 of a batch's ~510 pages at 1M tasks).
        - tasks_by_status keeps (workspace, status) only: new tasks append to five groups. A small status set is read
          through it and sorted; status plus priority is read through the smaller of it and tasks_rank (list.ts).
        - tasks_by_due goes: tasks_due_rank carries status after its key, so due-range counts stay index-only, and a
          due-range filter seeks it on (due_date IS NULL) = 0 and due_date (list.ts).
        - task_labels_by_status goes: task_labels_by_priority (workspace, label, ...) carries status and assignee, so
          a label's counts with an assignee read it without visiting the tasks; label and status totals come from
          label_counts.
        - tasks_by_parent and tasks_by_completed hold only tasks with a parent / a completion time (every reader asks
          for one: `parent_id = ?`, `parent_id IS NOT NULL`, `completed_at >= ?`), so most new tasks skip them.
        Rebuilding these indexes takes a few seconds per million tasks, once. */ `
  DROP INDEX tasks_by_parent;
  CREATE INDEX tasks_by_parent ON tasks (workspace, parent_id, id) WHERE parent_id IS NOT NULL;
  DROP INDEX tasks_by_completed;
  CREATE INDEX tasks_by_completed ON tasks (workspace, completed_at) WHERE completed_at IS NOT NULL;
  DROP INDEX tasks_by_status;
  CREATE INDEX tasks_by_status ON tasks (workspace, status);
  DROP INDEX tasks_by_due;
  DROP INDEX tasks_due_rank;
  CREATE INDEX tasks_due_rank ON tasks (workspace, due_date IS NULL, due_date, priority_rank DESC, id, status);
  DROP INDEX task_labels_by_status;
  `,
  /* 11: cascades as foreign keys (issue 15): comments, label rows and both ends of an edge reference their task ON DELETE
        CASCADE; the three tables are rebuilt, orphan rows dropped (foreign-keys.ts) */
  childForeignKeys,
  /* 12: the last counts next_task and list_tasks still took by visiting index entries, kept on write (issue 12: at 1M
        tasks a blocked-heavy workspace's waiting count read 600k entries, 25-40 ms a next_task; a due range's total
        300k, 20-30 ms a list_tasks). The same two tallies as PostgreSQL's migration 9:
        - `due_counts` (workspace, day) → n: the open tasks (todo, in_progress, blocked) due on `day` (their
          `due_date`, `YYYY-MM-DD`). Overdue is the sum of the days before today, an open due range the sum of its days:
          a few hundred rows, not one per task.
        - `waiting_counts` (workspace) → n: the todo tasks with an open dependency (`open_deps` > 0, migration 6).
        Triggers on `tasks` move them by one when a task's key changes (insert, delete, update of status, due_date,
        open_deps); migration 6's readiness triggers update `open_deps`, so they fire these too. Rows fall to 0 and
        stay. Backfilled from the tasks here (one pass, ~1 s per million tasks); `tasks_waiting`, which only that
        count read, goes (one index entry less per waiting task written). */ `
  CREATE TABLE due_counts (
    workspace TEXT NOT NULL, day TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (workspace, day)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO due_counts SELECT workspace, due_date, count(*) FROM tasks
   WHERE status IN ('todo','in_progress','blocked') AND due_date IS NOT NULL GROUP BY 1, 2;
  CREATE TABLE waiting_counts (workspace TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT, WITHOUT ROWID;
  INSERT INTO waiting_counts SELECT workspace, count(*) FROM tasks WHERE status = 'todo' AND open_deps > 0 GROUP BY 1;
  DROP INDEX tasks_waiting;
  CREATE TRIGGER due_counts_on_insert AFTER INSERT ON tasks
    WHEN NEW.due_date IS NOT NULL AND NEW.status IN ('todo','in_progress','blocked')
  BEGIN
    INSERT INTO due_counts VALUES (NEW.workspace, NEW.due_date, 1) ON CONFLICT DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER due_counts_on_delete AFTER DELETE ON tasks
    WHEN OLD.due_date IS NOT NULL AND OLD.status IN ('todo','in_progress','blocked')
  BEGIN
    UPDATE due_counts SET n = n - 1 WHERE workspace = OLD.workspace AND day = OLD.due_date;
  END;
  CREATE TRIGGER due_counts_on_update AFTER UPDATE OF status, due_date ON tasks
    WHEN (CASE WHEN OLD.status IN ('todo','in_progress','blocked') THEN OLD.due_date END)
      IS NOT (CASE WHEN NEW.status IN ('todo','in_progress','blocked') THEN NEW.due_date END)
  BEGIN
    UPDATE due_counts SET n = n - 1
     WHERE OLD.due_date IS NOT NULL AND OLD.status IN ('todo','in_progress','blocked') AND workspace = OLD.workspace AND day = OLD.due_date;
    INSERT INTO due_counts SELECT NEW.workspace, NEW.due_date, 1
     WHERE NEW.due_date IS NOT NULL AND NEW.status IN ('todo','in_progress','blocked')
        ON CONFLICT DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER waiting_counts_on_insert AFTER INSERT ON tasks WHEN NEW.status = 'todo' AND NEW.open_deps > 0 BEGIN
    INSERT INTO waiting_counts VALUES (NEW.workspace, 1) ON CONFLICT DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER waiting_counts_on_delete AFTER DELETE ON tasks WHEN OLD.status = 'todo' AND OLD.open_deps > 0 BEGIN
    UPDATE waiting_counts SET n = n - 1 WHERE workspace = OLD.workspace;
  END;
  CREATE TRIGGER waiting_counts_on_update AFTER UPDATE OF status, open_deps ON tasks
    WHEN (OLD.status = 'todo' AND OLD.open_deps > 0) <> (NEW.status = 'todo' AND NEW.open_deps > 0)
  BEGIN
    INSERT INTO waiting_counts VALUES (NEW.workspace, CASE WHEN NEW.status = 'todo' AND NEW.open_deps > 0 THEN 1 ELSE -1 END)
      ON CONFLICT DO UPDATE SET n = n + excluded.n;
  END;
  `,
];
