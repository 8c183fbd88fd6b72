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
