import { isOpen } from './fragments.js';

/** Child table → the columns that name a task, each given a foreign key to `tasks (workspace, id)`. */
const CHILDREN: ReadonlyArray<[table: string, constraint: string, column: string]> = [
  ['comments', 'comments_task_fk', 'task_id'],
  ['task_labels', 'task_labels_task_fk', 'task_id'],
  ['task_deps', 'task_deps_task_fk', 'task_id'],
  ['task_deps', 'task_deps_depends_on_fk', 'depends_on'],
];

const missing = (alias: string, column: string) => `NOT EXISTS (SELECT 1 FROM tasks p WHERE p.workspace = ${alias}.workspace AND p.id = ${alias}.${column})`;

/**
 * Migration 13: cascades as foreign keys (issue 15; SQLite migration 11). `comments`, `task_labels` and both ends of
 * `task_deps` reference `tasks (workspace, id)` (its primary key) ON DELETE CASCADE, so deleteTask deletes the task row
 * only. Immediate, not deferrable: every writer inserts a task before its children (insertTask and restoreTask write the
 * label and comment rows in the same statement as the task, after it; setDependencies names existing tasks only).
 *
 * Each constraint is added NOT VALID, the orphan rows (children of a task that no longer exists; nothing reaches them)
 * are deleted, then it is validated. The deletes run with row-level security forced off inside this transaction, as
 * in migrations 5, 6, 9, 11 and 12 (no `taskwire.workspace` is set while migrating), and through the tables' triggers, so
 * `label_counts` loses the orphan label rows it counted; an orphan edge never counted in `open_deps`. Referential
 * checks and cascades bypass row-level security (they run as the table owner with it unforced), and the triggers the
 * cascade fires run afterwards in the deleting statement, as its caller, under the same `taskwire.workspace`.
 *
 * Readiness: the cascade runs before any AFTER DELETE trigger of `tasks`, so `tasks_readiness_delete` found no edge left
 * to take the deleted task off its dependents' `open_deps`, and `task_deps_readiness` found the target gone. It becomes
 * a BEFORE DELETE trigger (`taskwire_tasks_readiness_gone`, the same updates while the edges exist); `tasks_readiness_row`
 * stays for inserts.
 */
export const FOREIGN_KEYS = `
  ${CHILDREN.map(
    ([table, constraint, column]) =>
      `ALTER TABLE ${table} ADD CONSTRAINT ${constraint} FOREIGN KEY (workspace, ${column}) REFERENCES tasks (workspace, id) ON DELETE CASCADE NOT VALID;`,
  ).join('\n  ')}

  ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE comments NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE task_labels NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE task_deps NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE label_counts NO FORCE ROW LEVEL SECURITY;
  DELETE FROM comments c WHERE ${missing('c', 'task_id')};
  DELETE FROM task_labels l WHERE ${missing('l', 'task_id')};
  DELETE FROM task_deps d WHERE ${missing('d', 'task_id')} OR ${missing('d', 'depends_on')};
  ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
  ALTER TABLE comments FORCE ROW LEVEL SECURITY;
  ALTER TABLE task_labels FORCE ROW LEVEL SECURITY;
  ALTER TABLE task_deps FORCE ROW LEVEL SECURITY;
  ALTER TABLE label_counts FORCE ROW LEVEL SECURITY;

  ${CHILDREN.map(([table, constraint]) => `ALTER TABLE ${table} VALIDATE CONSTRAINT ${constraint};`).join('\n  ')}

  CREATE FUNCTION taskwire_tasks_readiness_gone() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF OLD.parent_id IS NOT NULL THEN
      UPDATE tasks SET open_children = open_children - 1 WHERE workspace = OLD.workspace AND id = OLD.parent_id;
    END IF;
    PERFORM taskwire_bump_dependents(OLD.workspace, OLD.id, -1);
    RETURN OLD;
  END $fn$;
  DROP TRIGGER tasks_readiness_delete ON tasks;
  CREATE TRIGGER tasks_readiness_delete BEFORE DELETE ON tasks FOR EACH ROW
    WHEN (${isOpen('OLD.status')}) EXECUTE FUNCTION taskwire_tasks_readiness_gone();
  `;
