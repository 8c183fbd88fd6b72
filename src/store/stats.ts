import type { TaskStats } from './queries.js';
import { PRIORITIES, type Priority, TASK_STATUSES, type TaskStatus } from './task-records.js';

/** How many label and assignee rows task_stats shows (the most open tasks first, then by name). */
export const STATS_TOP = 50;

/** The instants task_stats counts against, from its `now`: `today` (`YYYY-MM-DD`, UTC) and 7 and 30 days before `now` (ISO-8601). */
export interface StatWindow {
  today: string;
  since7: string;
  since30: string;
}

/**
 * What an engine counts for task_stats, in one read: tasks by status; open tasks by priority, by label and by
 * assignee (`(unassigned)` for none; the {@link STATS_TOP} largest, most first then by name, in that order);
 * open tasks due before `today`; tasks completed at or after `since7` and `since30`.
 */
export interface StatCounts {
  by_status: Iterable<[TaskStatus, number]>;
  open_by_priority: Iterable<[Priority, number]>;
  open_by_label: Iterable<[string, number]>;
  open_by_assignee: Iterable<[string, number]>;
  overdue: number;
  completed_since7: number;
  completed_since30: number;
}

/** The window of a task_stats call at `now`. */
export function statWindow(now: Date): StatWindow {
  const since = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  return { today: now.toISOString().slice(0, 10), since7: since(7), since30: since(30) };
}

/**
 * task_stats at `now`, assembled once for every engine from its counts: every status and priority present (0 when
 * none), `total` the sum over statuses, labels and assignees in the order counted.
 */
export async function taskStats(now: Date, count: (window: StatWindow) => StatCounts | Promise<StatCounts>): Promise<TaskStats> {
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
