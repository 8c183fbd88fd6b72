import type { Priority, TaskStatus } from './task-records.js';

/** How many label and assignee rows {@link StatCounts} holds (the most open tasks first, then by name). */
export const STATS_TOP = 50;

/** The instants a {@link StatCounts} read counts against: `today` (`YYYY-MM-DD`, UTC), and two ISO-8601 instants. */
export interface StatWindow {
  today: string;
  since7: string;
  since30: string;
}

/**
 * A workspace's raw counts, as `TaskReader.countTasks` reads them (task_stats is assembled from them above the port):
 * - `by_status`: tasks per status, each status at most once (a status with no task may be absent or 0; any order);
 * - `open_by_priority`: open tasks (todo, in_progress, blocked) per priority, same rules;
 * - `open_by_label`, `open_by_assignee` (`(unassigned)` for none): open tasks per label / assignee, only those with
 *   one or more, the {@link STATS_TOP} largest, in order (most first, then by name);
 * - `overdue`: open tasks whose due date is before `today`;
 * - `completed_since7`, `completed_since30`: tasks whose `completed_at` is at or after `since7` / `since30`.
 */
export interface StatCounts {
  by_status: ReadonlyArray<readonly [TaskStatus, number]>;
  open_by_priority: ReadonlyArray<readonly [Priority, number]>;
  open_by_label: ReadonlyArray<readonly [string, number]>;
  open_by_assignee: ReadonlyArray<readonly [string, number]>;
  overdue: number;
  completed_since7: number;
  completed_since30: number;
}
