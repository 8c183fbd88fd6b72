/**
 * Migration 11: a change's `at` never goes back within its workspace, so `list_changes` with `since` starts its walk of
 * the seqs at the first change at or after `since` (`task_changes_by_workspace_time`) instead of filtering the
 * workspace's history from seq 1 (165 ms at 100k changes).
 *
 * Each replica stamps `at` from its own clock, so two replicas' changes could interleave out of time order. The
 * workspace's latest change time is kept on its `workspaces` row (`last_change_at`), which appendChanges already
 * updates (and locks) for the seq counter, and a change is stored at greatest(its time, that one): times are then
 * non-decreasing in seq order, and `at >= since` holds for exactly the seqs from the first one that has it.
 *
 * `taskwire_walk_changes(q)` is `taskwire_walk` (migration 7) for `task_changes` rows: the store reads a page of the
 * change history by walking one index in seq order, whatever the statistics (without them the planner took every
 * change after `since` in a bitmap and sorted them, as it did for list pages). Runs as its caller.
 *
 * The backfill raises the few existing changes stamped earlier than one before them (clock skew between replicas) to
 * that time, so the rule holds for the old history too, and sets `last_change_at`; it reads every change once, with
 * row-level security forced off inside this transaction (as migrations 5, 6 and 9).
 */
export const CHANGE_TIMES = `
  ALTER TABLE workspaces ADD COLUMN last_change_at timestamptz;

  ALTER TABLE task_changes NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE workspaces NO FORCE ROW LEVEL SECURITY;
  UPDATE task_changes c SET at = m.run
    FROM (SELECT id, max(at) OVER (PARTITION BY workspace ORDER BY seq) AS run FROM task_changes) m
   WHERE c.id = m.id AND c.at < m.run;
  UPDATE workspaces w SET last_change_at = c.last
    FROM (SELECT workspace, max(at) AS last FROM task_changes GROUP BY workspace) c
   WHERE w.name = c.workspace;
  ALTER TABLE task_changes FORCE ROW LEVEL SECURITY;
  ALTER TABLE workspaces FORCE ROW LEVEL SECURITY;

  CREATE INDEX task_changes_by_workspace_time ON task_changes (workspace, at, seq);

  CREATE FUNCTION taskwire_walk_changes(q text) RETURNS SETOF task_changes
    LANGUAGE plpgsql SET search_path FROM CURRENT SET enable_bitmapscan = off SET enable_seqscan = off SET enable_sort = off AS $fn$
  BEGIN
    RETURN QUERY EXECUTE q;
  END $fn$;
  `;
