import type { Actor, NewTask } from '../../src/store/types.js';

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
