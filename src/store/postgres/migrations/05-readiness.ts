import { isOpen } from './fragments.js';

/**
 * Migration 5: readiness counted on write, so next_task and claim_task read the actionable tasks from one partial index
 * in rank order and stop after the first few, and the "waiting on dependencies" count reads another; no per-candidate
 * subqueries, no plan that depends on planner statistics (a database that grew in a running server has none).
 *
 * Columns of `tasks`, for every row at every statement boundary:
 * - `open_deps`: how many of its `task_deps` edges point at an existing task whose status is open;
 * - `open_children`: how many existing tasks with status open have it as `parent_id`.
 *
 * Triggers keep them on every write, whatever the order of the statements (a task inserted after, or before, its
 * edges or its subtasks; an edge deleted before, or after, the task it points at):
 * - `tasks` BEFORE INSERT counts the new row's own edges and subtasks that already exist (a restore may bring them);
 * - `tasks` AFTER INSERT / AFTER DELETE of an open task move its parent's `open_children` and its dependents'
 *   `open_deps` by one;
 * - `tasks` AFTER UPDATE OF status, parent_id moves the old and new parent's `open_children` and, when the task
 *   opened or closed, its dependents' `open_deps` (`id` and `workspace` are never updated);
 * - `task_deps` AFTER INSERT / DELETE / UPDATE moves the dependent's `open_deps` when the edge's target exists and is open.
 * Dependents are visited one primary-key update at a time (a loop over `task_deps_reverse`), so no trigger statement
 * has a join for the planner to get wrong. The counter updates set neither `status` nor `parent_id`, so they do not
 * fire the update trigger again. Two writers of one workspace are serialized by the store's workspace advisory lock,
 * and rows of different workspaces never touch, so the counts cannot race. The functions run as the caller (row-level
 * security applies to their updates, scoped by the same `taskwire.workspace`) with the migration's search_path.
 *
 * The backfill counts every existing row. Row-level security is forced off for its two statements, inside this one
 * transaction (the migrating role owns the tables), because no `taskwire.workspace` is set while migrating: an
 * ordinary role would otherwise see, and backfill, no row at all.
 *
 * Indexes: `tasks_actionable` holds exactly the actionable tasks (todo, no open dependency, no open subtask) in
 * next_task's order (priority rank descending, due date ascending with none last, created_at, id); `tasks_waiting`
 * holds the todo tasks that wait on an open dependency.
 */
export const READINESS = `
  ALTER TABLE tasks ADD COLUMN open_deps integer NOT NULL DEFAULT 0, ADD COLUMN open_children integer NOT NULL DEFAULT 0;

  ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE task_deps NO FORCE ROW LEVEL SECURITY;
  UPDATE tasks t SET open_deps = s.n
    FROM (SELECT d.workspace, d.task_id, count(*)::integer AS n
            FROM task_deps d JOIN tasks x ON x.workspace = d.workspace AND x.id = d.depends_on
           WHERE ${isOpen('x.status')} GROUP BY d.workspace, d.task_id) s
   WHERE t.workspace = s.workspace AND t.id = s.task_id;
  UPDATE tasks t SET open_children = s.n
    FROM (SELECT c.workspace, c.parent_id, count(*)::integer AS n
            FROM tasks c WHERE c.parent_id IS NOT NULL AND ${isOpen('c.status')} GROUP BY c.workspace, c.parent_id) s
   WHERE t.workspace = s.workspace AND t.id = s.parent_id;
  ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
  ALTER TABLE task_deps FORCE ROW LEVEL SECURITY;

  CREATE INDEX tasks_actionable ON tasks (workspace, priority_rank DESC, due_date ASC NULLS LAST, created_at, id)
    WHERE status = 'todo' AND open_deps = 0 AND open_children = 0;
  CREATE INDEX tasks_waiting ON tasks (workspace) WHERE status = 'todo' AND open_deps > 0;

  -- a task's dependents: every task with an edge to it gets delta added to open_deps
  CREATE FUNCTION taskwire_bump_dependents(ws text, target integer, delta integer) RETURNS void
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  DECLARE dependent integer;
  BEGIN
    FOR dependent IN SELECT task_id FROM task_deps WHERE workspace = ws AND depends_on = target LOOP
      UPDATE tasks SET open_deps = open_deps + delta WHERE workspace = ws AND id = dependent;
    END LOOP;
  END $fn$;

  CREATE FUNCTION taskwire_tasks_readiness_init() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  BEGIN
    NEW.open_deps := (SELECT count(*) FROM task_deps d JOIN tasks x ON x.workspace = d.workspace AND x.id = d.depends_on
                       WHERE d.workspace = NEW.workspace AND d.task_id = NEW.id AND ${isOpen('x.status')});
    NEW.open_children := (SELECT count(*) FROM tasks c WHERE c.workspace = NEW.workspace AND c.parent_id = NEW.id AND ${isOpen('c.status')});
    RETURN NEW;
  END $fn$;
  CREATE TRIGGER tasks_readiness_init BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION taskwire_tasks_readiness_init();

  -- an open task appeared (delta 1) or went away (delta -1)
  CREATE FUNCTION taskwire_tasks_readiness_row() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  DECLARE
    row_ tasks;
    delta integer;
  BEGIN
    IF TG_OP = 'INSERT' THEN row_ := NEW; delta := 1; ELSE row_ := OLD; delta := -1; END IF;
    IF row_.parent_id IS NOT NULL THEN
      UPDATE tasks SET open_children = open_children + delta WHERE workspace = row_.workspace AND id = row_.parent_id;
    END IF;
    PERFORM taskwire_bump_dependents(row_.workspace, row_.id, delta);
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER tasks_readiness_insert AFTER INSERT ON tasks FOR EACH ROW
    WHEN (${isOpen('NEW.status')}) EXECUTE FUNCTION taskwire_tasks_readiness_row();
  CREATE TRIGGER tasks_readiness_delete AFTER DELETE ON tasks FOR EACH ROW
    WHEN (${isOpen('OLD.status')}) EXECUTE FUNCTION taskwire_tasks_readiness_row();

  -- a task opened, closed or moved to another parent
  CREATE FUNCTION taskwire_tasks_readiness_update() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  DECLARE
    was_open boolean := ${isOpen('OLD.status')};
    now_open boolean := ${isOpen('NEW.status')};
  BEGIN
    IF was_open AND OLD.parent_id IS NOT NULL THEN
      UPDATE tasks SET open_children = open_children - 1 WHERE workspace = OLD.workspace AND id = OLD.parent_id;
    END IF;
    IF now_open AND NEW.parent_id IS NOT NULL THEN
      UPDATE tasks SET open_children = open_children + 1 WHERE workspace = NEW.workspace AND id = NEW.parent_id;
    END IF;
    IF was_open <> now_open THEN
      PERFORM taskwire_bump_dependents(NEW.workspace, NEW.id, CASE WHEN now_open THEN 1 ELSE -1 END);
    END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER tasks_readiness_update AFTER UPDATE OF status, parent_id ON tasks FOR EACH ROW
    WHEN ((${isOpen('OLD.status')}) <> (${isOpen('NEW.status')}) OR OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION taskwire_tasks_readiness_update();

  -- an edge appeared or went away: it counts while its target exists and is open
  CREATE FUNCTION taskwire_task_deps_readiness() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
      IF EXISTS (SELECT 1 FROM tasks WHERE workspace = OLD.workspace AND id = OLD.depends_on AND ${isOpen('status')}) THEN
        UPDATE tasks SET open_deps = open_deps - 1 WHERE workspace = OLD.workspace AND id = OLD.task_id;
      END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      IF EXISTS (SELECT 1 FROM tasks WHERE workspace = NEW.workspace AND id = NEW.depends_on AND ${isOpen('status')}) THEN
        UPDATE tasks SET open_deps = open_deps + 1 WHERE workspace = NEW.workspace AND id = NEW.task_id;
      END IF;
    END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER task_deps_readiness AFTER INSERT OR DELETE OR UPDATE ON task_deps FOR EACH ROW EXECUTE FUNCTION taskwire_task_deps_readiness();
  `;
