import { isOpen, rowLevelSecurity } from './fragments.js';

/**
 * Migration 6: counts kept on write, the list columns on the label rows, and one index per list order (issue 12;
 * SQLite migrations 4 and 7), so list_tasks, its totals and get_task_stats neither count rows nor depend on planner
 * statistics (a database that grew in a running server has none).
 *
 * - `task_counts` (workspace, status, priority, assignee with '' for none, top: no parent) → n, and `label_counts`
 *   (workspace, label, status) → n: how many tasks have each combination. Triggers on `tasks` (insert, delete,
 *   update of status, priority, assignee, parent_id) and on `task_labels` (insert, delete, update of status) move
 *   them by one. Rows fall to 0 and stay; readers skip them.
 * - `task_labels` carries its task's `status`, `priority_rank`, `due_date` and `assignee`, so a label's page is read
 *   in priority order from `task_labels_by_rank` and its counts from `task_labels_by_status` without visiting tasks.
 *   A trigger on `tasks` (update of those columns) rewrites them on the task's label rows; the store writes them
 *   itself when it inserts label rows (insertTask's one statement inserts the task and its label rows together, so
 *   a trigger there could not see the task).
 * - Order indexes: `tasks_rank` and `tasks_due_rank` (the priority and due-date orders, NULLS LAST exactly as
 *   listOrder writes them, so a backward scan serves the other direction), `tasks_by_created`, `tasks_by_updated`
 *   (the primary key serves the id order); `tasks_open_due` holds the open tasks with a due date (overdue).
 *
 * As in migration 5, the counter functions run as the caller (row-level security scopes their writes by the same
 * `taskwire.workspace`), writers of one workspace are serialized by the workspace advisory lock, and the backfill
 * runs with row-level security forced off inside this transaction.
 */
export const COUNTS = `
  CREATE TABLE task_counts (
    workspace text COLLATE "C" NOT NULL, status text NOT NULL, priority text NOT NULL, assignee text COLLATE "C" NOT NULL,
    top boolean NOT NULL, n integer NOT NULL, PRIMARY KEY (workspace, status, priority, assignee, top)
  );
  CREATE TABLE label_counts (
    workspace text COLLATE "C" NOT NULL, label text COLLATE "C" NOT NULL, status text NOT NULL,
    n integer NOT NULL, PRIMARY KEY (workspace, label, status)
  );
  ALTER TABLE task_labels ADD COLUMN status text, ADD COLUMN priority_rank smallint, ADD COLUMN due_date date, ADD COLUMN assignee text COLLATE "C";

  ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE task_labels NO FORCE ROW LEVEL SECURITY;
  UPDATE task_labels l SET status = t.status, priority_rank = t.priority_rank, due_date = t.due_date, assignee = t.assignee
    FROM tasks t WHERE t.workspace = l.workspace AND t.id = l.task_id;
  DELETE FROM task_labels WHERE status IS NULL; -- rows of no task (none are written so): nothing to list or count
  INSERT INTO task_counts SELECT workspace, status, priority, coalesce(assignee, ''), parent_id IS NULL, count(*) FROM tasks GROUP BY 1, 2, 3, 4, 5;
  INSERT INTO label_counts SELECT workspace, label, status, count(*) FROM task_labels GROUP BY 1, 2, 3;
  ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
  ALTER TABLE task_labels FORCE ROW LEVEL SECURITY;
  ALTER TABLE task_labels ALTER COLUMN status SET NOT NULL, ALTER COLUMN priority_rank SET NOT NULL;
  ${rowLevelSecurity({ task_counts: 'workspace', label_counts: 'workspace' })}

  CREATE FUNCTION taskwire_count_task(ws text, st text, pr text, who text, is_top boolean, delta integer) RETURNS void
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  BEGIN
    INSERT INTO task_counts AS c VALUES (ws, st, pr, coalesce(who, ''), is_top, delta)
      ON CONFLICT (workspace, status, priority, assignee, top) DO UPDATE SET n = c.n + delta;
  END $fn$;
  CREATE FUNCTION taskwire_count_label(ws text, lb text, st text, delta integer) RETURNS void
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  BEGIN
    INSERT INTO label_counts AS c VALUES (ws, lb, st, delta)
      ON CONFLICT (workspace, label, status) DO UPDATE SET n = c.n + delta;
  END $fn$;

  CREATE FUNCTION taskwire_tasks_counts() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
      PERFORM taskwire_count_task(OLD.workspace, OLD.status, OLD.priority, OLD.assignee, OLD.parent_id IS NULL, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      PERFORM taskwire_count_task(NEW.workspace, NEW.status, NEW.priority, NEW.assignee, NEW.parent_id IS NULL, 1);
    END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER tasks_counts AFTER INSERT OR DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION taskwire_tasks_counts();
  CREATE TRIGGER tasks_counts_update AFTER UPDATE OF status, priority, assignee, parent_id ON tasks FOR EACH ROW
    WHEN (OLD.status <> NEW.status OR OLD.priority <> NEW.priority OR OLD.assignee IS DISTINCT FROM NEW.assignee
          OR (OLD.parent_id IS NULL) <> (NEW.parent_id IS NULL))
    EXECUTE FUNCTION taskwire_tasks_counts();

  -- the label rows follow their task's list columns
  CREATE FUNCTION taskwire_tasks_label_columns() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  BEGIN
    UPDATE task_labels SET status = NEW.status, priority_rank = NEW.priority_rank, due_date = NEW.due_date, assignee = NEW.assignee
     WHERE workspace = NEW.workspace AND task_id = NEW.id;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER tasks_label_columns AFTER UPDATE OF status, priority_rank, due_date, assignee ON tasks FOR EACH ROW
    WHEN (OLD.status <> NEW.status OR OLD.priority_rank <> NEW.priority_rank OR OLD.due_date IS DISTINCT FROM NEW.due_date
          OR OLD.assignee IS DISTINCT FROM NEW.assignee)
    EXECUTE FUNCTION taskwire_tasks_label_columns();

  CREATE FUNCTION taskwire_task_labels_counts() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN PERFORM taskwire_count_label(OLD.workspace, OLD.label, OLD.status, -1); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM taskwire_count_label(NEW.workspace, NEW.label, NEW.status, 1); END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER task_labels_counts AFTER INSERT OR DELETE ON task_labels FOR EACH ROW EXECUTE FUNCTION taskwire_task_labels_counts();
  CREATE TRIGGER task_labels_counts_update AFTER UPDATE OF status, label ON task_labels FOR EACH ROW
    WHEN (OLD.status <> NEW.status OR OLD.label <> NEW.label)
    EXECUTE FUNCTION taskwire_task_labels_counts();

  CREATE INDEX task_labels_by_rank ON task_labels (workspace, label, priority_rank DESC, due_date ASC NULLS LAST, task_id)
    INCLUDE (status, assignee);
  CREATE INDEX task_labels_by_status ON task_labels (workspace, label, status, assignee);
  CREATE INDEX tasks_rank ON tasks (workspace, priority_rank DESC, due_date ASC NULLS LAST, id);
  CREATE INDEX tasks_due_rank ON tasks (workspace, due_date ASC NULLS LAST, priority_rank DESC, id);
  CREATE INDEX tasks_by_created ON tasks (workspace, created_at, id);
  CREATE INDEX tasks_by_updated ON tasks (workspace, updated_at, id);
  CREATE INDEX tasks_open_due ON tasks (workspace, due_date) WHERE ${isOpen('status')} AND due_date IS NOT NULL;
  DROP INDEX tasks_by_assignee;
  CREATE INDEX tasks_by_assignee ON tasks (workspace, assignee, priority_rank DESC, due_date ASC NULLS LAST, id);
  `;
