import { isOpen, rowLevelSecurity } from './fragments.js';

/**
 * Migration 9: the last counts get_task_stats and next_task still took by visiting rows, kept on write (a grown
 * database has no visibility map, so even an index-only count fetched every row: 20k rows, 30–70 ms at 100k tasks).
 * - `day_counts` (workspace, kind, day) → n: kind `due`, the open tasks due on `day`; kind `done`, the tasks whose
 *   `completed_at` falls on `day` (UTC). Overdue is the sum of the `due` days before today; the completions since a
 *   time are the `done` days after its UTC day plus that one day's completions counted from `tasks_by_completed`.
 * - `waiting_counts` (workspace) → n: the todo tasks with an open dependency (`open_deps` > 0, migration 5).
 * One trigger on `tasks` (insert, delete, update of status, due_date, completed_at, open_deps) moves them by one when
 * a task's key changes; the readiness triggers' `open_deps` updates fire it too. Rows fall to 0 and stay. Same rules
 * as migrations 5 and 6: runs as the caller (row-level security applies), writers serialized by the workspace lock,
 * backfilled with row-level security forced off inside this transaction.
 */
export const TALLIES = `
  CREATE TABLE day_counts (
    workspace text COLLATE "C" NOT NULL, kind text NOT NULL CHECK (kind IN ('due', 'done')), day date NOT NULL, n integer NOT NULL,
    PRIMARY KEY (workspace, kind, day)
  );
  CREATE TABLE waiting_counts (workspace text COLLATE "C" PRIMARY KEY, n integer NOT NULL);

  ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;
  INSERT INTO day_counts SELECT workspace, 'due', due_date, count(*) FROM tasks WHERE ${isOpen('status')} AND due_date IS NOT NULL GROUP BY 1, 3;
  INSERT INTO day_counts SELECT workspace, 'done', (completed_at AT TIME ZONE 'UTC')::date, count(*) FROM tasks WHERE completed_at IS NOT NULL GROUP BY 1, 3;
  INSERT INTO waiting_counts SELECT workspace, count(*) FROM tasks WHERE status = 'todo' AND open_deps > 0 GROUP BY 1;
  ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
  ${rowLevelSecurity({ day_counts: 'workspace', waiting_counts: 'workspace' })}

  CREATE FUNCTION taskwire_count_day(ws text, k text, d date, delta integer) RETURNS void
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  BEGIN
    INSERT INTO day_counts AS c VALUES (ws, k, d, delta) ON CONFLICT (workspace, kind, day) DO UPDATE SET n = c.n + delta;
  END $fn$;

  CREATE FUNCTION taskwire_tasks_tallies() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  DECLARE
    ws text := coalesce(NEW.workspace, OLD.workspace);
    old_due date;
    new_due date;
    old_done date;
    new_done date;
    old_waits boolean := false;
    new_waits boolean := false;
  BEGIN
    IF TG_OP <> 'INSERT' THEN
      old_due := CASE WHEN ${isOpen('OLD.status')} THEN OLD.due_date END;
      old_done := (OLD.completed_at AT TIME ZONE 'UTC')::date;
      old_waits := OLD.status = 'todo' AND OLD.open_deps > 0;
    END IF;
    IF TG_OP <> 'DELETE' THEN
      new_due := CASE WHEN ${isOpen('NEW.status')} THEN NEW.due_date END;
      new_done := (NEW.completed_at AT TIME ZONE 'UTC')::date;
      new_waits := NEW.status = 'todo' AND NEW.open_deps > 0;
    END IF;
    IF old_due IS DISTINCT FROM new_due THEN
      IF old_due IS NOT NULL THEN PERFORM taskwire_count_day(ws, 'due', old_due, -1); END IF;
      IF new_due IS NOT NULL THEN PERFORM taskwire_count_day(ws, 'due', new_due, 1); END IF;
    END IF;
    IF old_done IS DISTINCT FROM new_done THEN
      IF old_done IS NOT NULL THEN PERFORM taskwire_count_day(ws, 'done', old_done, -1); END IF;
      IF new_done IS NOT NULL THEN PERFORM taskwire_count_day(ws, 'done', new_done, 1); END IF;
    END IF;
    IF old_waits <> new_waits THEN
      INSERT INTO waiting_counts AS c VALUES (ws, CASE WHEN new_waits THEN 1 ELSE -1 END)
        ON CONFLICT (workspace) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER tasks_tallies_insert AFTER INSERT ON tasks FOR EACH ROW
    WHEN (NEW.due_date IS NOT NULL OR NEW.completed_at IS NOT NULL OR NEW.open_deps > 0) EXECUTE FUNCTION taskwire_tasks_tallies();
  CREATE TRIGGER tasks_tallies_delete AFTER DELETE ON tasks FOR EACH ROW
    WHEN (OLD.due_date IS NOT NULL OR OLD.completed_at IS NOT NULL OR OLD.open_deps > 0) EXECUTE FUNCTION taskwire_tasks_tallies();
  CREATE TRIGGER tasks_tallies_update AFTER UPDATE OF status, due_date, completed_at, open_deps ON tasks FOR EACH ROW
    WHEN (OLD.status <> NEW.status OR OLD.due_date IS DISTINCT FROM NEW.due_date OR OLD.completed_at IS DISTINCT FROM NEW.completed_at
          OR (OLD.open_deps > 0) <> (NEW.open_deps > 0))
    EXECUTE FUNCTION taskwire_tasks_tallies();
  `;
