import { OPEN_STATUS_SQL } from '../shared.js';
import { STATS_TOP, type StatCounts, type StatWindow } from '../stats.js';
import type { Priority, TaskStatus } from '../types.js';
import { dueTotal, type SqlRunner } from './list.js';

type Pairs<K> = Array<[K, number]>;

/**
 * task_stats' counts of a workspace (`countTasks`; task_stats is assembled from them in the tasks service): from the counters kept on write (migration 7),
 * overdue from `due_counts` (migration 12), plus two index-only range counts (completed since the window's two instants).
 */
export function statCounts(db: SqlRunner, workspace: string, w: StatWindow): StatCounts {
  const pairs = <K>(sql: string): Pairs<K> => db.all(sql, workspace).map((r) => [r.k as K, r.n as number]);
  const overdue = dueTotal(db, workspace, { before: w.today });
  // completed_at is set exactly while a task is done (set on done, cleared on leaving it): an index-only count.
  const completedSince = (since: string) =>
    db.get('SELECT count(*) AS n FROM tasks INDEXED BY tasks_by_completed WHERE workspace = ? AND completed_at >= ?', workspace, since)?.n as number;
  return {
    by_status: pairs<TaskStatus>('SELECT status AS k, sum(n) AS n FROM task_counts WHERE workspace = ? GROUP BY status'),
    open_by_priority: pairs<Priority>(`SELECT priority AS k, sum(n) AS n FROM task_counts WHERE workspace = ? AND status IN ${OPEN_STATUS_SQL} GROUP BY priority`),
    open_by_label: pairs<string>(
      `SELECT label AS k, sum(n) AS n FROM label_counts WHERE workspace = ? AND status IN ${OPEN_STATUS_SQL} GROUP BY label HAVING sum(n) > 0 ORDER BY n DESC, label LIMIT ${STATS_TOP}`,
    ),
    open_by_assignee: pairs<string>(
      `SELECT CASE assignee WHEN '' THEN '(unassigned)' ELSE assignee END AS k, sum(n) AS n FROM task_counts
          WHERE workspace = ? AND status IN ${OPEN_STATUS_SQL} GROUP BY k HAVING sum(n) > 0 ORDER BY n DESC, k LIMIT ${STATS_TOP}`,
    ),
    overdue,
    completed_since7: completedSince(w.since7),
    completed_since30: completedSince(w.since30),
  };
}
