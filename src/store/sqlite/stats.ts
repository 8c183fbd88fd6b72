import { OPEN_STATUS_SQL } from '../shared.js';
import { PRIORITIES, type Priority, TASK_STATUSES, type TaskStats, type TaskStatus } from '../types.js';
import type { SqlRunner } from './list.js';

/**
 * task_stats of a workspace at `now`: counts from the counters kept on write (migration 7), plus two index-only range
 * counts (overdue, completed in the last 7 and 30 days).
 */
export function taskStats(db: SqlRunner, workspace: string, now: Date): TaskStats {
  const by_status = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  const by_priority = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  let total = 0;
  for (const r of db.all('SELECT status, sum(n) AS n FROM task_counts WHERE workspace = ? GROUP BY status', workspace)) {
    by_status[r.status as TaskStatus] = r.n as number;
    total += r.n as number;
  }
  for (const r of db.all(`SELECT priority, sum(n) AS n FROM task_counts WHERE workspace = ? AND status IN ${OPEN_STATUS_SQL} GROUP BY priority`, workspace)) {
    by_priority[r.priority as Priority] = r.n as number;
  }
  const by_label: Record<string, number> = {};
  for (const r of db.all(
    `SELECT label, sum(n) AS n FROM label_counts WHERE workspace = ? AND status IN ${OPEN_STATUS_SQL} GROUP BY label HAVING sum(n) > 0 ORDER BY n DESC, label LIMIT 50`,
    workspace,
  )) {
    by_label[r.label as string] = r.n as number;
  }
  const by_assignee: Record<string, number> = {};
  for (const r of db.all(
    `SELECT CASE assignee WHEN '' THEN '(unassigned)' ELSE assignee END AS a, sum(n) AS n FROM task_counts
        WHERE workspace = ? AND status IN ${OPEN_STATUS_SQL} GROUP BY a HAVING sum(n) > 0 ORDER BY n DESC, a LIMIT 50`,
    workspace,
  )) {
    by_assignee[r.a as string] = r.n as number;
  }
  const today = now.toISOString().slice(0, 10);
  const overdue = db.get(
    `SELECT count(*) AS n FROM tasks INDEXED BY tasks_open_due WHERE workspace = ? AND status IN ${OPEN_STATUS_SQL} AND due_date IS NOT NULL AND due_date < ?`,
    workspace,
    today,
  )?.n as number;
  const since = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  // completed_at is set exactly while a task is done (set on done, cleared on leaving it): an index-only count.
  const completedSince = (days: number) =>
    db.get('SELECT count(*) AS n FROM tasks INDEXED BY tasks_by_completed WHERE workspace = ? AND completed_at >= ?', workspace, since(days))?.n as number;
  return {
    total,
    by_status,
    by_priority,
    by_label,
    by_assignee,
    overdue,
    completed_last_7_days: completedSince(7),
    completed_last_30_days: completedSince(30),
  };
}
