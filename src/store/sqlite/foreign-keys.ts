import type * as Database from './driver.js';

/**
 * The child tables of `tasks` as they stand after migration 10, each with the foreign keys migration 11 gives it:
 * `(workspace, <column>)` → `tasks (workspace, id)` ON DELETE CASCADE (the parent key is tasks' UNIQUE (workspace, id)).
 * Immediate, not deferred: every writer inserts a task before its children (insertTask then its labels, restoreTask then
 * its comments, setDependencies only with existing ids), so a violation is a bug to report at its statement.
 */
const CHILD_TABLES = [
  {
    name: 'task_labels',
    columns: 'workspace, task_id, label, status, priority_rank, due_date, assignee',
    body: `workspace TEXT NOT NULL, task_id INTEGER NOT NULL, label TEXT NOT NULL,
    status TEXT, priority_rank INTEGER, due_date TEXT, assignee TEXT,
    PRIMARY KEY (workspace, task_id, label)`,
    keys: ['task_id'],
    options: 'STRICT, WITHOUT ROWID',
  },
  {
    name: 'task_deps',
    columns: 'workspace, task_id, depends_on',
    body: `workspace TEXT NOT NULL, task_id INTEGER NOT NULL, depends_on INTEGER NOT NULL,
    PRIMARY KEY (workspace, task_id, depends_on)`,
    keys: ['task_id', 'depends_on'],
    options: 'STRICT, WITHOUT ROWID',
  },
  {
    name: 'comments',
    columns: 'workspace, id, task_id, body, author, author_client, created_at',
    body: `workspace TEXT NOT NULL, id INTEGER NOT NULL, task_id INTEGER NOT NULL, body TEXT NOT NULL,
    author TEXT NOT NULL, author_client TEXT, created_at TEXT NOT NULL,
    PRIMARY KEY (workspace, id)`,
    keys: ['task_id'],
    options: 'STRICT',
  },
] as const;

/** How many rows of each child table migration 11 removed because their task (or an edge's target) did not exist. */
export type OrphanCounts = Record<(typeof CHILD_TABLES)[number]['name'], number>;

/**
 * Migration 11: cascades as foreign keys (issue 15). `comments`, `task_labels` and `task_deps` (both ends) reference
 * `tasks (workspace, id)` ON DELETE CASCADE, so deleteTask deletes the task row only and the engine removes its
 * children. SQLite cannot add a foreign key to a table, so each is rebuilt (https://www.sqlite.org/lang_altertable.html
 * §7): its indexes and triggers remembered, a new table with the REFERENCES clauses, the rows copied, the old table
 * dropped, the new one renamed, the indexes and triggers recreated verbatim. `migrate` runs it with `foreign_keys` OFF
 * (connection.ts) and checks `PRAGMA foreign_key_check` before COMMIT.
 *
 * Orphan rows (children of a task that no longer exists; no reader can reach them) are deleted first, with the old
 * table's triggers in place, so the counters they kept (`label_counts`; `open_deps` counts only edges to existing
 * tasks) stay right. The rename runs with `legacy_alter_table` ON: the triggers of `tasks` name `task_deps` in their
 * bodies, and a modern rename re-checks every trigger while `task_deps` is briefly missing.
 *
 * Readiness: the cascade deletes a task's edges after the task row is gone (BEFORE DELETE triggers, the row, the
 * cascade, AFTER DELETE triggers), so `task_deps_open_on_delete` no longer finds an open target to uncount. The new
 * BEFORE DELETE trigger `tasks_open_deps_on_delete` takes one off each dependent of an open task while the edges
 * still exist; an edge deleted before its target is still uncounted by the edge's own trigger, as before.
 *
 * Measured (bench/fk-migration.mjs: 100k tasks with 2 label rows, 1 comment and 1 edge each, 300 orphans; the loaded
 * 2-core machine): 1.4 s CPU, 2.3-3.5 s wall (median 3.4 s, 5 runs) of the first open, against 7 ms for a plain open;
 * once per database, under the write lock. docs/BENCHMARKS.md has the write cost of the keys.
 *
 * @returns the orphan rows removed per table (no migration log exists to write them to; tests read them)
 */
export function childForeignKeys(db: Database.Database): OrphanCounts {
  const orphans = {} as OrphanCounts;
  for (const t of CHILD_TABLES) {
    const missing = t.keys.map((k) => `NOT EXISTS (SELECT 1 FROM tasks p WHERE p.workspace = c.workspace AND p.id = c.${k})`).join(' OR ');
    orphans[t.name] = db.prepare(`DELETE FROM ${t.name} AS c WHERE ${missing}`).run().changes;
  }
  for (const t of CHILD_TABLES) {
    const kept = db.prepare("SELECT sql FROM sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL").all(t.name) as Array<{
      sql: string;
    }>;
    const references = t.keys.map((k) => `FOREIGN KEY (workspace, ${k}) REFERENCES tasks (workspace, id) ON DELETE CASCADE`).join(',\n    ');
    db.exec(`CREATE TABLE ${t.name}_fk (
    ${t.body},
    ${references}
  ) ${t.options};
  INSERT INTO ${t.name}_fk (${t.columns}) SELECT ${t.columns} FROM ${t.name};
  DROP TABLE ${t.name};`);
    db.pragma('legacy_alter_table = ON');
    try {
      db.exec(`ALTER TABLE ${t.name}_fk RENAME TO ${t.name}`);
    } finally {
      db.pragma('legacy_alter_table = OFF');
    }
    for (const { sql } of kept) db.exec(sql);
  }
  db.exec(`CREATE TRIGGER tasks_open_deps_on_delete BEFORE DELETE ON tasks
    WHEN OLD.status IN ('todo','in_progress','blocked')
  BEGIN
    UPDATE tasks SET open_deps = open_deps - 1
     WHERE workspace = OLD.workspace AND id IN (SELECT task_id FROM task_deps WHERE workspace = OLD.workspace AND depends_on = OLD.id);
  END;`);
  return orphans;
}
