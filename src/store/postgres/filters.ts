import { type Expression, expressionBuilder, type SqlBool, sql } from 'kysely';
import pg from 'pg';
import { filterToday, listOrderTerms, OPEN_STATUSES, type OrderTerm, PRIORITY_RANK } from '../shared.js';
import type { ListQuery, TaskFilter } from '../types.js';
import type { Database } from './schema.js';

/** `tasks` has a label (correlated on the outer `tasks`). */
const hasLabel = (label: string) =>
  sql<SqlBool>`EXISTS (SELECT 1 FROM task_labels l WHERE l.workspace = tasks.workspace AND l.task_id = tasks.id AND l.label = ${label})`;

/** The shared task filters as one condition on (unaliased) `tasks`. */
export function taskFilter(workspace: string, f: TaskFilter): Expression<SqlBool> {
  const eb = expressionBuilder<Database, 'tasks'>();
  const all: Expression<SqlBool>[] = [eb('tasks.workspace', '=', workspace)];
  if (f.status && f.status.length > 0) all.push(eb('tasks.status', 'in', f.status));
  // On the rank, the column the priority order's index leads with: a priority filter seeks, not walks.
  if (f.priority && f.priority.length > 0)
    all.push(
      eb(
        'tasks.priority_rank',
        'in',
        f.priority.map((p) => PRIORITY_RANK[p]),
      ),
    );
  if (f.label !== undefined) all.push(hasLabel(f.label));
  if (f.assignee !== undefined) all.push(eb('tasks.assignee', '=', f.assignee));
  if (f.parent_id === null) all.push(eb('tasks.parent_id', 'is', null));
  else if (f.parent_id !== undefined) all.push(eb('tasks.parent_id', '=', f.parent_id));
  if (f.due_before !== undefined) all.push(eb('tasks.due_date', '<=', f.due_before));
  if (f.due_after !== undefined) all.push(eb('tasks.due_date', '>=', f.due_after));
  if (f.overdue) {
    all.push(eb('tasks.status', 'in', OPEN_STATUSES), eb('tasks.due_date', '<', filterToday(f)));
  }
  return eb.and(all);
}

/**
 * ORDER BY of list_tasks: each sort's primary direction (priority: most urgent first; the others: ascending),
 * and the other direction as its exact reverse, term by term (as the SQLite engine, whose one index per order
 * then serves both). Ties end on id, so pages never overlap.
 */
export function listOrder(sort: ListQuery['sort'], order: ListQuery['order']): string {
  return orderSql(listOrderTerms(sort, order));
}

/** ORDER BY terms (shared.ts) over (unaliased) `tasks`, a nullable column's nulls placed by `NULLS LAST|FIRST`. */
export function orderSql(terms: readonly OrderTerm[]): string {
  return terms.map((t) => `tasks.${t.column} ${t.dir === 'asc' ? 'ASC' : 'DESC'}${t.nulls ? ` NULLS ${t.nulls === 'last' ? 'LAST' : 'FIRST'}` : ''}`).join(', ');
}

/** Whether a list filter narrows the workspace at all. */
export function filtered(f: TaskFilter): boolean {
  return (
    (f.status !== undefined && f.status.length > 0) ||
    (f.priority !== undefined && f.priority.length > 0) ||
    f.label !== undefined ||
    f.assignee !== undefined ||
    f.parent_id !== undefined ||
    f.due_before !== undefined ||
    f.due_after !== undefined ||
    f.overdue === true
  );
}

/**
 * The filter terms of `f` as SQL text on (unaliased) `tasks`, values inlined as escaped literals, each in a form no
 * index matches (a status compared under "C" collation, a date plus zero days, a coalesced parent, a label looked up
 * in the row's own `labels` array), so the query that carries them is read through the one index its caller means.
 * With `byPriority` (a walk of the priority order) one status seeks `tasks_by_status`, one priority the rank column of
 * `tasks_rank` and an assignee `tasks_by_assignee`, each in the same order: those indexes are that order (one board
 * column of 50 then reads 50 entries, not the 250 of every status it would pass in `tasks_rank`).
 */
export function opaqueTerms(f: TaskFilter, byPriority: boolean): string[] {
  const lit = pg.escapeLiteral;
  const list = (values: readonly string[]) => `ARRAY[${values.map(lit).join(', ')}]::text[]`;
  const all: string[] = [];
  if (f.status && f.status.length > 0)
    all.push(byPriority && f.status.length === 1 ? `tasks.status = ${lit(f.status[0] as string)}` : `(tasks.status COLLATE "C") = ANY(${list(f.status)})`);
  if (f.priority && f.priority.length > 0) {
    const ranks = f.priority.map((p) => PRIORITY_RANK[p]);
    all.push(byPriority && ranks.length === 1 ? `tasks.priority_rank = ${ranks[0]}` : `(tasks.priority_rank + 0) IN (${ranks.join(', ')})`);
  }
  if (f.label !== undefined) all.push(`${lit(f.label)}::text = ANY(tasks.labels)`);
  if (f.assignee !== undefined) all.push(byPriority ? `tasks.assignee = ${lit(f.assignee)}` : `(tasks.assignee COLLATE "POSIX") = ${lit(f.assignee)}`);
  if (f.parent_id === null)
    all.push('coalesce(tasks.parent_id, 0) = 0'); // ids start at 1
  else if (f.parent_id !== undefined) all.push(`coalesce(tasks.parent_id, 0) = ${Math.trunc(f.parent_id)}`);
  if (f.due_before !== undefined) all.push(`(tasks.due_date + 0) <= ${lit(f.due_before)}::date`);
  if (f.due_after !== undefined) all.push(`(tasks.due_date + 0) >= ${lit(f.due_after)}::date`);
  if (f.overdue) {
    all.push(`(tasks.status COLLATE "C") = ANY(${list(OPEN_STATUSES)})`);
    all.push(`(tasks.due_date + 0) < ${lit(filterToday(f))}::date`);
  }
  return all;
}
