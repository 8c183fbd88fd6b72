import { type Kysely, sql } from 'kysely';
import { decimalPrefixRanges, escapeLike } from '../shared.js';
import type { Database } from './schema.js';

/**
 * Reads the partial index `tasks_by_lease_expiry` (only leased tasks are in it), whatever the statistics: the
 * `OFFSET 0` fence keeps `ORDER BY id LIMIT` out of the inner query, so the planner is never tempted to walk the
 * primary key in id order and filter every task (as it did on a workspace grown without statistics); the few
 * expired ids are sorted afterwards.
 */
export async function expiredLeases(db: Kysely<Database>, workspace: string, now: string, limit: number): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
        SELECT id FROM (
          SELECT id FROM tasks WHERE workspace = ${workspace} AND lease_expires_at IS NOT NULL AND lease_expires_at <= ${now}::timestamptz OFFSET 0
        ) expired ORDER BY id LIMIT ${limit}`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * Ids whose decimal form starts with `prefix`: the id ranges that do (`42`: 42, 420–429, 4200–4299, … up to the
 * largest integer id), each read from the primary key in order and concatenated, stopping after `limit`.
 */
export async function idsWithPrefix(db: Kysely<Database>, workspace: string, prefix: string, limit: number): Promise<number[]> {
  const ranges = decimalPrefixRanges(prefix);
  if (ranges.length === 0 || limit <= 0) return [];
  const parts = ranges.map(
    ([lo, hi]) => sql`(SELECT id FROM tasks WHERE workspace = ${workspace} AND id BETWEEN ${lo}::integer AND ${hi}::integer ORDER BY id LIMIT ${limit})`,
  );
  const { rows } = await sql<{ id: number }>`SELECT id FROM (${sql.join(parts, sql` UNION ALL `)}) ids LIMIT ${limit}`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * Assignees or labels starting with `prefix` (ASCII case folded), from the counters (migration 6): a few rows per
 * value instead of every task or label row. Values whose counts all fell to zero are gone.
 */
export async function distinctValues(db: Kysely<Database>, workspace: string, field: 'assignee' | 'label', prefix: string, limit: number): Promise<string[]> {
  // ILIKE on "C"-collated columns folds ASCII case only, like SQLite's LIKE
  const pattern = `${escapeLike(prefix)}%`;
  const { rows } =
    field === 'assignee'
      ? await sql<{ v: string }>`SELECT assignee AS v FROM task_counts
               WHERE workspace = ${workspace} AND assignee <> '' AND assignee ILIKE ${pattern} ESCAPE '\\'
               GROUP BY assignee HAVING sum(n) > 0 ORDER BY v LIMIT ${limit}`.execute(db)
      : await sql<{ v: string }>`SELECT label AS v FROM label_counts
               WHERE workspace = ${workspace} AND label ILIKE ${pattern} ESCAPE '\\'
               GROUP BY label HAVING sum(n) > 0 ORDER BY v LIMIT ${limit}`.execute(db);
  return rows.map((r) => r.v);
}
