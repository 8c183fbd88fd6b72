import { type Kysely, sql } from 'kysely';
import { OPEN_STATUSES } from '../shared.js';
import { PRIORITIES, type Priority, TASK_STATUSES, type TaskStats, type TaskStatus } from '../types.js';
import type { Database } from './schema.js';

/**
 * Counts from the counters kept on write (migrations 6 and 9), in one round trip: by status, priority, label and
 * assignee from `task_counts` and `label_counts`; overdue and the completions of the last 7 and 30 days from
 * `day_counts`, plus the completions of the first, partial day counted from `tasks_by_completed` (completed_at is
 * set exactly while a task is done).
 */
export async function stats(db: Kysely<Database>, workspace: string, now: Date): Promise<TaskStats> {
  const by_status = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  const by_priority = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  const by_label: Record<string, number> = {};
  const by_assignee: Record<string, number> = {};
  const open = sql`status = ANY(${OPEN_STATUSES}::text[])`;
  const today = now.toISOString().slice(0, 10);
  const since = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  // completions at or after `from`: the `done` days after its UTC day, plus that day's own from tasks_by_completed
  const completedSince = (from: string) => {
    const day = from.slice(0, 10);
    const nextDay = new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString();
    return sql<number>`((SELECT coalesce(sum(n), 0) FROM day_counts WHERE workspace = ${workspace} AND kind = 'done' AND day > ${day}::date)
          + (SELECT count(*) FROM tasks WHERE workspace = ${workspace} AND completed_at >= ${from}::timestamptz AND completed_at < ${nextDay}::timestamptz))::integer`;
  };
  // `ord` ranks the label and assignee rows (most first, then by name), whatever order UNION ALL returns them in
  const { rows } = await sql<{ kind: string; k: string; n: number; ord: number }>`
        SELECT 's' AS kind, status AS k, sum(n)::integer AS n, 0::bigint AS ord FROM task_counts WHERE workspace = ${workspace} GROUP BY status
        UNION ALL
        SELECT 'p', priority, sum(n)::integer, 0 FROM task_counts WHERE workspace = ${workspace} AND ${open} GROUP BY priority
        UNION ALL
        (SELECT 'l', label, sum(n)::integer AS n, row_number() OVER (ORDER BY sum(n) DESC, label) FROM label_counts
          WHERE workspace = ${workspace} AND ${open} GROUP BY label HAVING sum(n) > 0 ORDER BY n DESC, label LIMIT 50)
        UNION ALL
        (SELECT 'a', a, n, row_number() OVER (ORDER BY n DESC, a) FROM (
           SELECT CASE assignee WHEN '' THEN '(unassigned)' ELSE assignee END AS a, sum(n)::integer AS n FROM task_counts
            WHERE workspace = ${workspace} AND ${open} GROUP BY 1 HAVING sum(n) > 0) x ORDER BY n DESC, a LIMIT 50)
        UNION ALL
        SELECT 'o', '', coalesce(sum(n), 0)::integer, 0 FROM day_counts WHERE workspace = ${workspace} AND kind = 'due' AND day < ${today}::date
        UNION ALL
        SELECT 'c7', '', ${completedSince(since(7))}, 0
        UNION ALL
        SELECT 'c30', '', ${completedSince(since(30))}, 0`.execute(db);
  rows.sort((a, b) => a.ord - b.ord);
  let total = 0;
  let overdue = 0;
  let week = 0;
  let month = 0;
  for (const r of rows) {
    if (r.kind === 's') {
      by_status[r.k as TaskStatus] = r.n;
      total += r.n;
    } else if (r.kind === 'p') by_priority[r.k as Priority] = r.n;
    else if (r.kind === 'l') by_label[r.k] = r.n;
    else if (r.kind === 'a') by_assignee[r.k] = r.n;
    else if (r.kind === 'o') overdue = r.n;
    else if (r.kind === 'c7') week = r.n;
    else month = r.n;
  }
  return { total, by_status, by_priority, by_label, by_assignee, overdue, completed_last_7_days: week, completed_last_30_days: month };
}
