import type { SortKey, TaskFilter } from './queries.js';
import type { Priority, TaskStatus } from './task-records.js';

/**
 * Rules every storage engine applies the same way: sort ranks, which statuses
 * are open, how free text becomes search terms, LIKE escaping. Engines differ
 * in SQL, not in these.
 */

/** Sort rank of a priority: higher is more urgent. */
export const PRIORITY_RANK: Record<Priority, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Statuses that still need work (the complement of CLOSED_STATUSES). */
export const OPEN_STATUSES: TaskStatus[] = ['todo', 'in_progress', 'blocked'];

/** The same list as a SQL literal, for engines that inline it. */
export const OPEN_STATUS_SQL = `(${OPEN_STATUSES.map((s) => `'${s}'`).join(',')})`;

/** The `YYYY-MM-DD` a filter's `overdue` compares with: its `today`, else today's UTC date by the wall clock. */
export function filterToday(f: TaskFilter): string {
  return f.today ?? new Date().toISOString().slice(0, 10);
}

/**
 * The due days whose tallies (SQLite `due_counts`, PostgreSQL `day_counts` kind `due`: the open tasks due on each
 * day, kept on write) sum to the total of `f`: `from` ≤ day ≤ `to`, and day < `before` (overdue: its `today`).
 * Only for the open tasks due in a range with no other filter: the status filter exactly the open statuses, or
 * absent with `overdue` (which keeps only open tasks). Undefined when the tallies cannot answer `f`.
 */
export function dueDayRange(f: TaskFilter): { from?: string; to?: string; before?: string } | undefined {
  if (f.due_before === undefined && f.due_after === undefined && !f.overdue) return undefined;
  if ((f.priority && f.priority.length > 0) || f.label !== undefined || f.assignee !== undefined || f.parent_id !== undefined) return undefined;
  const openOnly = f.status !== undefined && f.status.length === OPEN_STATUSES.length && OPEN_STATUSES.every((st) => f.status?.includes(st));
  if (!(openOnly || ((f.status === undefined || f.status.length === 0) && f.overdue))) return undefined;
  return {
    ...(f.due_after !== undefined ? { from: f.due_after } : {}),
    ...(f.due_before !== undefined ? { to: f.due_before } : {}),
    ...(f.overdue ? { before: filterToday(f) } : {}),
  };
}

/**
 * One term of an order: a task column and its direction; `nulls` where a nullable column's nulls go (the
 * engine compiles it: `col IS NULL` first on SQLite, `NULLS LAST|FIRST` on PostgreSQL).
 */
export interface OrderTerm {
  column: 'priority_rank' | 'due_date' | 'created_at' | 'updated_at' | 'id';
  dir: 'asc' | 'desc';
  nulls?: 'first' | 'last';
}

/**
 * Each list_tasks order in its primary direction (as tasks://schema documents it): priority highest first, then
 * due date (none last), then id; due date soonest first (none last), then priority, then id; times oldest first.
 * Ties end on `id`, so pages never overlap.
 */
export const LIST_ORDERS: Record<SortKey, { primary: 'asc' | 'desc'; terms: readonly OrderTerm[] }> = {
  priority: {
    primary: 'desc',
    terms: [
      { column: 'priority_rank', dir: 'desc' },
      { column: 'due_date', dir: 'asc', nulls: 'last' },
      { column: 'id', dir: 'asc' },
    ],
  },
  due_date: {
    primary: 'asc',
    terms: [
      { column: 'due_date', dir: 'asc', nulls: 'last' },
      { column: 'priority_rank', dir: 'desc' },
      { column: 'id', dir: 'asc' },
    ],
  },
  created_at: {
    primary: 'asc',
    terms: [
      { column: 'created_at', dir: 'asc' },
      { column: 'id', dir: 'asc' },
    ],
  },
  updated_at: {
    primary: 'asc',
    terms: [
      { column: 'updated_at', dir: 'asc' },
      { column: 'id', dir: 'asc' },
    ],
  },
  id: { primary: 'asc', terms: [{ column: 'id', dir: 'asc' }] },
};

/**
 * The terms of list order `sort` in direction `order`: its primary terms, or their exact reverse term by term
 * (directions and null positions flipped), so one index per order serves both directions.
 */
export function listOrderTerms(sort: SortKey, order: 'asc' | 'desc'): OrderTerm[] {
  const o = LIST_ORDERS[sort];
  if (order === o.primary) return [...o.terms];
  return o.terms.map((t) => ({
    column: t.column,
    dir: t.dir === 'asc' ? 'desc' : 'asc',
    ...(t.nulls ? { nulls: t.nulls === 'last' ? 'first' : 'last' } : {}),
  }));
}

/**
 * What "actionable" means (next_task, actionableTasks): a task in `status` with no open dependency and no open
 * subtask (the engines keep `open_deps` and `open_children` counters), best first by `order`: priority, then due
 * date (none last), then age, then id.
 */
export const ACTIONABLE = {
  status: 'todo' satisfies TaskStatus,
  order: [
    { column: 'priority_rank', dir: 'desc' },
    { column: 'due_date', dir: 'asc', nulls: 'last' },
    { column: 'created_at', dir: 'asc' },
    { column: 'id', dir: 'asc' },
  ] satisfies readonly OrderTerm[] as readonly OrderTerm[],
} as const;

/**
 * The words of a free-text query: lower-cased runs of letters, digits and `_`,
 * at most 16. Only these ever reach an engine's search syntax, so user text can
 * never be an operator.
 */
export function searchWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).slice(0, 16);
}

/** Escape `\`, `%` and `_` for `LIKE ... ESCAPE '\'`, so what a user typed matches literally. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Largest task id completions look for (PostgreSQL ids are `integer`; SQLite's come from the same kind of counter). */
const MAX_ID = 2 ** 31 - 1;

/**
 * The ascending, disjoint id ranges whose decimal form starts with `prefix` (`''`: every id; `42`: [42, 42],
 * [420, 429], [4200, 4299], … up to {@link MAX_ID}); none for a prefix that no id has (not digits, a leading zero).
 */
export function decimalPrefixRanges(prefix: string): Array<[number, number]> {
  if (prefix === '') return [[1, MAX_ID]];
  if (!/^[1-9][0-9]*$/.test(prefix) || prefix.length > 10) return [];
  const ranges: Array<[number, number]> = [];
  for (let lo = Number(prefix), width = 1; lo <= MAX_ID; lo *= 10, width *= 10) {
    ranges.push([lo, Math.min(lo + width - 1, MAX_ID)]);
  }
  return ranges;
}
