import type { Priority, TaskStatus } from './types.js';

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
