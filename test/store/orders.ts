import type { SortKey, TaskRecord } from '../../src/store/types.js';

/** Priority as a number, highest last (critical = 3). */
export const RANK = { low: 0, medium: 1, high: 2, critical: 3 };

/**
 * Each sort's primary order as a comparator, as tasks://schema documents it: priority highest first, then due
 * date (none last), then id; the other direction is its exact reverse, ties included.
 */
export const PRIMARY: Record<SortKey, { dir: 'asc' | 'desc'; cmp: (a: TaskRecord, b: TaskRecord) => number }> = {
  priority: {
    dir: 'desc',
    cmp: (a, b) =>
      RANK[b.priority] - RANK[a.priority] ||
      Number(a.due_date === null) - Number(b.due_date === null) ||
      (a.due_date ?? '').localeCompare(b.due_date ?? '') ||
      a.id - b.id,
  },
  due_date: {
    dir: 'asc',
    cmp: (a, b) =>
      Number(a.due_date === null) - Number(b.due_date === null) ||
      (a.due_date ?? '').localeCompare(b.due_date ?? '') ||
      RANK[b.priority] - RANK[a.priority] ||
      a.id - b.id,
  },
  created_at: { dir: 'asc', cmp: (a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id },
  updated_at: { dir: 'asc', cmp: (a, b) => a.updated_at.localeCompare(b.updated_at) || a.id - b.id },
  id: { dir: 'asc', cmp: (a, b) => a.id - b.id },
};
