import type { Actor, NewTask, TaskReader, TaskStats } from '../../src/store/types.js';
import { taskStats } from '../../src/toolsets/tasks/service/stats.js';

/** Shared fixtures of the store tests. */
export const actor: Actor = { principal: 'ana', client: 'vitest' };
export const now = '2026-11-21T10:00:00.000Z';

export const newTask = (over: Partial<NewTask> = {}): NewTask => ({
  title: 'A task',
  description: '',
  status: 'todo',
  priority: 'medium',
  labels: [],
  assignee: null,
  due_date: null,
  parent_id: null,
  ...over,
});

/** task_stats of `workspace` at `now`, assembled as the tasks service does over the port's counting method. */
export const statsOf = (r: TaskReader, workspace: string, at: Date): Promise<TaskStats> => taskStats(at, (window) => r.countTasks(workspace, window));
