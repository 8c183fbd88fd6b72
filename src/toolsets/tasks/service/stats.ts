// Domain rule: get_task_stats (and tasks://stats, the board) assembled from the store's raw counts (countTasks).
import { PRIORITIES, type Priority, type StatCounts, type StatWindow, TASK_STATUSES, type TaskStats, type TaskStatus } from '../../../store/types.js';

/** The window of a task_stats call at `now`: `today` (UTC) and the instants 7 and 30 days (of 86,400 s) before `now`. */
export function statWindow(now: Date): StatWindow {
  const since = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  return { today: now.toISOString().slice(0, 10), since7: since(7), since30: since(30) };
}

/**
 * task_stats at `now`, from the counts `count` reads for its window (`TaskReader.countTasks`): every status and
 * priority present (0 when none), `total` the sum over statuses, labels and assignees in the order counted.
 */
export async function taskStats(now: Date, count: (window: StatWindow) => Promise<StatCounts>): Promise<TaskStats> {
  const c = await count(statWindow(now));
  const by_status = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  const by_priority = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  let total = 0;
  for (const [status, n] of c.by_status) {
    by_status[status] = n;
    total += n;
  }
  for (const [priority, n] of c.open_by_priority) by_priority[priority] = n;
  return {
    total,
    by_status,
    by_priority,
    by_label: Object.fromEntries(c.open_by_label),
    by_assignee: Object.fromEntries(c.open_by_assignee),
    overdue: c.overdue,
    completed_last_7_days: c.completed_since7,
    completed_last_30_days: c.completed_since30,
  };
}
