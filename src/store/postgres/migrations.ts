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

/** A task status is open (todo, in_progress, blocked): the SQL test on a status expression, inlined by migration 5. */
const isOpen = (status: string) => `${status} IN ('todo','in_progress','blocked')`;

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
const READINESS = `
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
const COUNTS = `
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

/**
 * Migration 7: `taskwire_walk(q)` runs one query, built by the store, that reads ids in an index's order (a list
 * page walked through its sort's index), with bitmap scans, sequential scans and sorts disabled for that query alone
 * (the function's SET clauses end with it). Without planner statistics (a database grown in a running server) every
 * equality looks like 0.5% of the rows, and the planner then preferred a bitmap of 60,000 matches and a sort to
 * walking an index in order for 20 of them; the store has exact counts and makes that choice itself. The function
 * runs as its caller (row-level security applies) and runs nothing the caller could not run directly.
 */
const WALK = `
  CREATE FUNCTION taskwire_walk(q text) RETURNS SETOF integer
    LANGUAGE plpgsql SET search_path FROM CURRENT SET enable_bitmapscan = off SET enable_seqscan = off SET enable_sort = off AS $fn$
  BEGIN
    RETURN QUERY EXECUTE q;
  END $fn$;
  `;

/**
 * Migration 8, search whatever the statistics and the index's age:
 * - `taskwire_match(q)` runs one query, built by the store, that reads the ids of a search's matches, with sequential
 *   and plain index scans disabled for that query alone, so only bitmap scans remain; the store writes the workspace
 *   and the filters in forms no btree index serves, which leaves the GIN index `tasks_search`. Without statistics (a
 *   database grown in a running server) the planner took a btree's every row of the workspace (estimated at a few
 *   hundred) and checked the words on each: 70–140 ms at 100k tasks. Runs as its caller.
 * - `tasks_search` without fastupdate: new entries go straight into the index instead of its pending list, which
 *   every search scans whole (up to gin_pending_list_limit, 4 MB) until a VACUUM merges it: a rare word took 4–18 ms
 *   at 100k tasks with the list full and 0.1 ms after, and the insert that overflowed the list merged all of it.
 *   Inserts measured no slower. The list is merged once here.
 */
const MATCH = `
  ALTER INDEX tasks_search SET (fastupdate = off);
  SELECT gin_clean_pending_list('tasks_search'::regclass);
  CREATE FUNCTION taskwire_match(q text) RETURNS SETOF integer
    LANGUAGE plpgsql SET search_path FROM CURRENT SET enable_seqscan = off SET enable_indexscan = off SET enable_indexonlyscan = off AS $fn$
  BEGIN
    RETURN QUERY EXECUTE q;
  END $fn$;
  `;

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
const TALLIES = `
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

/**
 * Migration 10: the store counts a new task's `open_deps` and `open_children` in its own INSERT (insertTask and
 * restoreTask, the only writers of `tasks` rows), so the BEFORE INSERT trigger `tasks_readiness_init` of migration 5
 * goes: its two counting queries, run through PL/pgSQL once per row, took 0.3 of the 0.7 ms the server spent per
 * created task at 100k. The counts are the same (edges from, and subtasks of, an id may exist before it, e.g. when
 * a task is restored after its subtasks); its function stays for the record, unused.
 */
const READINESS_IN_STORE = `
  DROP TRIGGER tasks_readiness_init ON tasks;
  `;

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
  /* 5: readiness counted on write (issue 12; SQLite migration 6). See READINESS above. */ READINESS,
  /* 6: counts kept on write, list columns on label rows, one index per list order (issue 12). See COUNTS above. */ COUNTS,
  /* 7: a walk in index order whatever the statistics (issue 12). See WALK above. */ WALK,
  /* 8: search matches from the GIN index whatever the statistics (issue 12). See MATCH above. */ MATCH,
  /* 9: overdue, completions per day and the waiting count kept on write (issue 12). See TALLIES above. */ TALLIES,
  /* 10: a new task's readiness counted by the store's insert, not a BEFORE trigger (issue 12). See READINESS_IN_STORE above. */ READINESS_IN_STORE,
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
