import { type Kysely, sql } from 'kysely';
import { OPEN_STATUSES } from '../shared.js';
import { STATS_TOP, type StatCounts, type StatWindow } from '../stats.js';
import type { Priority, TaskStatus } from '../types.js';
import type { Database } from './schema.js';

/**
 * task_stats' counts (`countTasks`; task_stats is assembled from them in the tasks service) from the counters kept on write (migrations 6 and 9), in one
 * round trip: by status, priority, label and assignee from `task_counts` and `label_counts`; overdue and the completions of the last 7 and 30 days from
 * `day_counts`, plus the completions of the first, partial day counted from `tasks_by_completed` (completed_at is
 * set exactly while a task is done).
 */
export async function statCounts(db: Kysely<Database>, workspace: string, w: StatWindow): Promise<StatCounts> {
  const open = sql`status = ANY(${OPEN_STATUSES}::text[])`;
  const { today, since7, since30 } = w;
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
          WHERE workspace = ${workspace} AND ${open} GROUP BY label HAVING sum(n) > 0 ORDER BY n DESC, label LIMIT ${sql.lit(STATS_TOP)})
        UNION ALL
        (SELECT 'a', a, n, row_number() OVER (ORDER BY n DESC, a) FROM (
           SELECT CASE assignee WHEN '' THEN '(unassigned)' ELSE assignee END AS a, sum(n)::integer AS n FROM task_counts
            WHERE workspace = ${workspace} AND ${open} GROUP BY 1 HAVING sum(n) > 0) x ORDER BY n DESC, a LIMIT ${sql.lit(STATS_TOP)})
        UNION ALL
        SELECT 'o', '', coalesce(sum(n), 0)::integer, 0 FROM day_counts WHERE workspace = ${workspace} AND kind = 'due' AND day < ${today}::date
        UNION ALL
        SELECT 'c7', '', ${completedSince(since7)}, 0
        UNION ALL
        SELECT 'c30', '', ${completedSince(since30)}, 0`.execute(db);
  rows.sort((a, b) => a.ord - b.ord);
  const pairs = <K>(kind: string) => rows.filter((r) => r.kind === kind).map((r): [K, number] => [r.k as K, r.n]);
  const one = (kind: string) => rows.find((r) => r.kind === kind)?.n ?? 0;
  return {
    by_status: pairs<TaskStatus>('s'),
    open_by_priority: pairs<Priority>('p'),
    open_by_label: pairs<string>('l'),
    open_by_assignee: pairs<string>('a'),
    overdue: one('o'),
    completed_since7: one('c7'),
    completed_since30: one('c30'),
  };
}
