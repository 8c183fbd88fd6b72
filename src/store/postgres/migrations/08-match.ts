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
export const MATCH = `
  ALTER INDEX tasks_search SET (fastupdate = off);
  SELECT gin_clean_pending_list('tasks_search'::regclass);
  CREATE FUNCTION taskwire_match(q text) RETURNS SETOF integer
    LANGUAGE plpgsql SET search_path FROM CURRENT SET enable_seqscan = off SET enable_indexscan = off SET enable_indexonlyscan = off AS $fn$
  BEGIN
    RETURN QUERY EXECUTE q;
  END $fn$;
  `;
