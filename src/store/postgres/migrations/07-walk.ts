/**
 * Migration 7: `taskwire_walk(q)` runs one query, built by the store, that reads ids in an index's order (a list
 * page walked through its sort's index), with bitmap scans, sequential scans and sorts disabled for that query alone
 * (the function's SET clauses end with it). Without planner statistics (a database grown in a running server) every
 * equality looks like 0.5% of the rows, and the planner then preferred a bitmap of 60,000 matches and a sort to
 * walking an index in order for 20 of them; the store has exact counts and makes that choice itself. The function
 * runs as its caller (row-level security applies) and runs nothing the caller could not run directly.
 */
export const WALK = `
  CREATE FUNCTION taskwire_walk(q text) RETURNS SETOF integer
    LANGUAGE plpgsql SET search_path FROM CURRENT SET enable_bitmapscan = off SET enable_seqscan = off SET enable_sort = off AS $fn$
  BEGIN
    RETURN QUERY EXECUTE q;
  END $fn$;
  `;
