/**
 * Migration 12, search from a GIN index under row-level security too (issue 12 item 3).
 *
 * Why: for a role under row-level security (an ordinary role, as Taskwire should connect in production) PostgreSQL
 * evaluates the policy's workspace test on `tasks` before any condition that is not LEAKPROOF, and uses such a
 * condition as an index condition only when nothing must run before it. `@@` is not LEAKPROOF (nor is any operator
 * a GIN index serves, and only a superuser can mark a function so), so `tasks_search` was never used there: each
 * search read every row of the workspace. FORCE ROW LEVEL SECURITY applies to the tables' owner as well, so a SECURITY
 * DEFINER function over `tasks` does not escape it either (the owner is the same ordinary role: it runs these migrations).
 *
 * - `task_search` (workspace, id, search): each task's `search` tsvector plus one lexeme for its workspace, `#` and the
 *   workspace name's md5 (a query's lexemes come from letter, digit and `_` words, so none starts with `#`). Its GIN
 *   index `task_search_words` (fastupdate off, as migration 8 set for `tasks_search`) then finds a workspace's matches
 *   alone (`query && workspace lexeme`): a small workspace does not read a big one's postings.
 * - Row-level security is ENABLEd on it with the same workspace policy but not FORCEd: its owner reads it through
 *   `taskwire_search` only, any other role sees the rows of its `taskwire.workspace`.
 * - `taskwire_search(q tsquery, lim bigint)`: the ids of the tasks of the transaction's `taskwire.workspace` whose
 *   words match `q`, at most `lim` of them (NULL: all; a store that only needs to know whether there are many stops early).
 *   The workspace is read from the setting the store sets per transaction (the key row-level security uses), never
 *   from an argument, so a caller gets the same rows as a policy on `taskwire.workspace` would give. SECURITY DEFINER
 *   with `search_path` pinned (pg_catalog, this schema, pg_temp last), EXECUTE revoked from PUBLIC; sequential and plain
 *   index scans disabled for its query (the workspace test in a form no btree serves), so the GIN index is read
 *   whatever the statistics. An empty `q` (words that read as no lexeme) matches nothing, as `@@` does, not the
 *   whole workspace `q && workspace lexeme` would be.
 * - `taskwire_search_row()` keeps it: AFTER INSERT, DELETE, and UPDATE of title, description or comment_text when
 *   `search` changed. Other updates of a task (status, assignee, …) no longer touch a GIN index.
 * - `tasks_search` and `taskwire_match` (migration 8) are dropped: nothing reads them.
 * - The backfill reads `tasks` with row-level security forced off inside this transaction, as in migrations 5 and 6.
 */
export const SEARCH_TABLE = `
  CREATE TABLE task_search (
    workspace text COLLATE "C" NOT NULL,
    id integer NOT NULL,
    search tsvector NOT NULL,
    PRIMARY KEY (workspace, id)
  );
  CREATE FUNCTION taskwire_search_vector(ws text, v tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ SELECT v || array_to_tsvector(ARRAY['#' || md5(ws)]) $fn$;
  ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;
  INSERT INTO task_search SELECT workspace, id, taskwire_search_vector(workspace, search) FROM tasks;
  ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
  CREATE INDEX task_search_words ON task_search USING gin (search) WITH (fastupdate = off);
  ALTER TABLE task_search ENABLE ROW LEVEL SECURITY;
  CREATE POLICY workspace_isolation ON task_search USING (workspace = current_setting('taskwire.workspace', true));

  CREATE FUNCTION taskwire_search_row() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO task_search VALUES (NEW.workspace, NEW.id, taskwire_search_vector(NEW.workspace, NEW.search));
    ELSIF TG_OP = 'DELETE' THEN
      DELETE FROM task_search WHERE workspace = OLD.workspace AND id = OLD.id;
    ELSE
      UPDATE task_search SET search = taskwire_search_vector(NEW.workspace, NEW.search) WHERE workspace = NEW.workspace AND id = NEW.id;
    END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER tasks_search_row AFTER INSERT OR DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION taskwire_search_row();
  CREATE TRIGGER tasks_search_row_update AFTER UPDATE OF title, description, comment_text ON tasks FOR EACH ROW
    WHEN (OLD.search IS DISTINCT FROM NEW.search) EXECUTE FUNCTION taskwire_search_row();

  DO $do$ BEGIN
    EXECUTE format($sql$
      CREATE FUNCTION taskwire_search(q tsquery, lim bigint) RETURNS SETOF integer
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, %I, pg_temp SET enable_seqscan = off SET enable_indexscan = off SET enable_indexonlyscan = off
        AS $fn$
          SELECT s.id FROM task_search s
           WHERE (s.workspace COLLATE "POSIX") = current_setting('taskwire.workspace', true) AND numnode(q) > 0
             AND s.search @@ (q && ('''#' || md5(current_setting('taskwire.workspace', true)) || '''')::tsquery)
           LIMIT lim
        $fn$$sql$, current_schema());
  END $do$;
  REVOKE ALL ON FUNCTION taskwire_search(tsquery, bigint) FROM PUBLIC;

  DROP FUNCTION taskwire_match(text);
  DROP INDEX tasks_search;
  `;
