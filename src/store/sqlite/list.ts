import { dueDayRange, filterToday, listOrderTerms, OPEN_STATUS_SQL, type OrderTerm, PRIORITY_RANK } from '../shared.js';
import type { ListQuery, SortKey, TaskFilter } from '../types.js';

type Row = Record<string, unknown>;

/** The two statement shapes the list queries need (the repo's cached prepared statements). */
export interface SqlRunner {
  all(sql: string, ...params: unknown[]): Row[];
  get(sql: string, ...params: unknown[]): Row | undefined;
}

/** The index that reads each list order (migration 7), forwards for its primary direction, backwards for the other. */
const ORDER_INDEX: Record<SortKey, string> = {
  priority: 'tasks_rank',
  due_date: 'tasks_due_rank',
  created_at: 'tasks_by_created',
  updated_at: 'tasks_by_updated',
  id: 'sqlite_autoindex_tasks_1',
};

/** ORDER BY terms over alias `t` (a nullable column's nulls placed by a leading `col IS NULL` term; `dated`: left out). */
export function orderSql(t: string, terms: readonly OrderTerm[], dated = false): string {
  return terms
    .flatMap((o) => {
      const dir = o.dir === 'asc' ? 'ASC' : 'DESC';
      const col = `${t}.${o.column} ${dir}`;
      if (!o.nulls || dated) return [col];
      return [`${t}.${o.column} IS NULL ${o.nulls === 'last' ? 'ASC' : 'DESC'}`, col];
    })
    .join(', ');
}

/**
 * Below this many matches a page is read through the filter's own index and sorted (a small sort); above it,
 * the order's index is walked and filtered, which finds a page after about `limit × rows / matches` entries.
 */
const SMALL_SET = 2000;

/**
 * ORDER BY of `sort` in direction `order` over alias `t`. `dated`: the filter keeps only tasks with a due date
 * (a due range, overdue), so the `due_date IS NULL` term of the due_date and priority orders is constant and left
 * out: SQLite then sees that tasks_due_rank, sought on `(due_date IS NULL) = 0`, and tasks_rank, sought rank by
 * rank on it (listPage), are already in this order (with the term it sorted every match). Other orders keep it: it
 * is a column of their index, which is walked, not sought.
 */
export function listOrder(t: string, sort: SortKey, order: 'asc' | 'desc', dated = false): string {
  return orderSql(t, listOrderTerms(sort, order), dated && (sort === 'due_date' || sort === 'priority'));
}

/** A due range (due_before / due_after) or overdue keeps only tasks with a due date. */
const dated = (f: TaskFilter) => f.due_before !== undefined || f.due_after !== undefined || f.overdue === true;

/** The WHERE clause of a filter on tasks aliased `t`; `filtered` is false when it only scopes to the workspace. */
export function filterSql(workspace: string, f: TaskFilter, t: string): { where: string; params: unknown[]; filtered: boolean } {
  const clauses = [`${t}.workspace = ?`];
  const params: unknown[] = [workspace];
  if (f.status && f.status.length > 0) {
    clauses.push(`${t}.status IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(f.status));
  }
  if (f.priority && f.priority.length > 0) {
    // On the rank, the column the priority order's index leads with: a priority filter seeks, not walks.
    clauses.push(`${t}.priority_rank IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(f.priority.map((p) => PRIORITY_RANK[p])));
  }
  if (f.label !== undefined) {
    // Driven from the label index (a label is a small slice of a workspace) instead of probing every task.
    clauses.push(`${t}.id IN (SELECT l.task_id FROM task_labels l WHERE l.workspace = ? AND l.label = ?)`);
    params.push(workspace, f.label);
  }
  if (f.assignee !== undefined) {
    clauses.push(`${t}.assignee = ?`);
    params.push(f.assignee);
  }
  if (f.parent_id === null) clauses.push(`${t}.parent_id IS NULL`);
  else if (f.parent_id !== undefined) {
    clauses.push(`${t}.parent_id = ?`);
    params.push(f.parent_id);
  }
  // The (due_date IS NULL) = 0 term (implied by the range) lets a range seek tasks_due_rank (migration 10).
  if (dated(f)) clauses.push(`(${t}.due_date IS NULL) = 0`);
  if (f.due_before !== undefined) {
    clauses.push(`${t}.due_date <= ?`);
    params.push(f.due_before);
  }
  if (f.due_after !== undefined) {
    clauses.push(`${t}.due_date >= ?`);
    params.push(f.due_after);
  }
  if (f.overdue) {
    clauses.push(`${t}.status IN ${OPEN_STATUS_SQL} AND ${t}.due_date IS NOT NULL AND ${t}.due_date < ?`);
    params.push(filterToday(f));
  }
  return { where: clauses.join(' AND '), params, filtered: clauses.length > 1 };
}

/** Filters the per-(status, priority, assignee) counters can answer. */
function countable(f: TaskFilter): boolean {
  return f.label === undefined && f.due_before === undefined && f.due_after === undefined && !f.overdue;
}

/** The open tasks of `workspace` due in `range` ({@link dueDayRange}), summed from `due_counts` (migration 12). */
export function dueTotal(db: SqlRunner, workspace: string, range: { from?: string; to?: string; before?: string }): number {
  const where = ['workspace = ?'];
  const params: unknown[] = [workspace];
  for (const [op, day] of [
    ['>=', range.from],
    ['<=', range.to],
    ['<', range.before],
  ] as const) {
    if (day === undefined) continue;
    where.push(`day ${op} ?`);
    params.push(day);
  }
  return db.get(`SELECT coalesce(sum(n), 0) AS n FROM due_counts WHERE ${where.join(' AND ')}`, ...params)?.n as number;
}

/** How many tasks match `f` from the counters (`task_counts`; `due_counts` for the open tasks due in a range; undefined: they cannot say). */
function counted(db: SqlRunner, workspace: string, f: TaskFilter): number | undefined {
  const days = dueDayRange(f);
  if (days) return dueTotal(db, workspace, days);
  if (!countable(f) || (f.parent_id !== undefined && f.parent_id !== null)) return undefined;
  const where = ['workspace = ?', 'n > 0'];
  const params: unknown[] = [workspace];
  if (f.status && f.status.length > 0) {
    where.push('status IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.status));
  }
  if (f.priority && f.priority.length > 0) {
    where.push('priority IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(f.priority));
  }
  if (f.assignee !== undefined) {
    where.push('assignee = ?');
    params.push(f.assignee);
  }
  const all = db.get(`SELECT coalesce(sum(n), 0) AS n FROM task_counts WHERE ${where.join(' AND ')}`, ...params)?.n as number;
  if (f.parent_id !== null) return all;
  // Top-level tasks: all of them minus the subtasks, which the parent index counts (subtasks are the fewer).
  const sub = filterSql(workspace, { ...f, parent_id: undefined }, 't');
  const subtasks = db.get(`SELECT count(*) AS n FROM tasks t INDEXED BY tasks_by_parent WHERE ${sub.where} AND t.parent_id IS NOT NULL`, ...sub.params)?.n as number;
  return all - subtasks;
}

/** The index a filter's own matches are read through, when they are few (or a parent's subtasks); undefined: none narrows. */
function filterIndex(db: SqlRunner, workspace: string, f: TaskFilter): string | undefined {
  if (f.parent_id !== undefined && f.parent_id !== null) return 'tasks_by_parent';
  if (f.assignee !== undefined) return 'tasks_by_assignee';
  if (f.overdue) return 'tasks_open_due';
  if (dated(f)) return 'tasks_due_rank';
  if (f.status && f.status.length > 0) {
    // tasks_by_status is (workspace, status) only (migration 10): with a priority filter too, read whichever of the
    // status's tasks and the priority's (tasks_rank leads with the rank) the counters say are fewer.
    if (f.priority && f.priority.length > 0) {
      const n = (column: string, values: readonly string[]) =>
        db.get(
          `SELECT coalesce(sum(n), 0) AS n FROM task_counts WHERE workspace = ? AND ${column} IN (SELECT value FROM json_each(?))`,
          workspace,
          JSON.stringify(values),
        )?.n as number;
      if (n('priority', f.priority) < n('status', f.status)) return 'tasks_rank';
    }
    return 'tasks_by_status';
  }
  return undefined;
}

/**
 * One page of list_tasks without a label filter, and its exact total. The total comes from the counters when
 * they can answer, else from a count through the filter's index; the page is read through the filter's index
 * (few matches, sorted) or the order's index (many, walked and filtered, stopping at the page). Every choice is
 * made here from exact counts, never by the planner from statistics (none on a database grown in this process).
 */
export function listPage(db: SqlRunner, workspace: string, query: ListQuery): { rows: Row[]; total: number } {
  const { where, params, filtered } = filterSql(workspace, query, 't');
  const byFilter = filterIndex(db, workspace, query);
  const countVia = byFilter ? `INDEXED BY ${byFilter}` : '';
  const total = counted(db, workspace, query) ?? (db.get(`SELECT count(*) AS n FROM tasks t ${countVia} WHERE ${where}`, ...params)?.n as number);
  const readByFilter = byFilter !== undefined && (byFilter === 'tasks_by_parent' || (filtered && total <= SMALL_SET));
  const index = readByFilter ? byFilter : ORDER_INDEX[query.sort];
  // tasks_rank holds each rank's dated tasks in due order: walked for a due range, it passed every task of the first
  // rank due outside the range before a match (at 1M tasks ~100k entries, 30 ms). Sought rank by rank (the IN list
  // keeps the order), each rank starts at the range.
  const ranks = index === 'tasks_rank' && dated(query) && !query.priority?.length ? ` AND t.priority_rank IN (${Object.values(PRIORITY_RANK).join(', ')})` : '';
  const rows =
    total === 0 || query.offset >= total
      ? []
      : db.all(
          `SELECT t.* FROM tasks t INDEXED BY ${index} WHERE ${where}${ranks} ORDER BY ${listOrder('t', query.sort, query.order, dated(query))} LIMIT +? OFFSET +?`,
          ...params,
          query.limit,
          query.offset,
        );
  return { rows, total };
}

/** Exact count of a label's tasks with these statuses, from `label_counts` (migration 7). */
export function labelCount(db: SqlRunner, workspace: string, label: string, status: readonly string[] | undefined): number {
  const rows =
    status && status.length > 0
      ? db.get(
          'SELECT coalesce(sum(n), 0) AS n FROM label_counts WHERE workspace = ? AND label = ? AND status IN (SELECT value FROM json_each(?))',
          workspace,
          label,
          JSON.stringify(status),
        )
      : db.get('SELECT coalesce(sum(n), 0) AS n FROM label_counts WHERE workspace = ? AND label = ?', workspace, label);
  return rows?.n as number;
}

/**
 * One page of list_tasks with a label filter, and its exact total, driven from the label's rows (a label is a small slice of a
 * workspace), which carry their task's status, priority rank, due date and assignee (migration 3).
 * Sorted by priority, descending, the page is read in order from `task_labels_by_priority` and
 * stops after OFFSET + LIMIT matches; the total comes from `label_counts`, or (with an assignee) is counted
 * on `task_labels_by_priority`, which carries status and assignee (migration 10), without visiting the tasks
 * unless a filter on another column needs them. CROSS JOIN fixes the loop
 * order (label rows first) whatever the planner statistics say.
 */
export function labelledPage(db: SqlRunner, workspace: string, label: string, query: ListQuery): { rows: Row[]; total: number } {
  const dir = query.order === 'asc' ? 'ASC' : 'DESC';
  const lf: string[] = ['lf.workspace = ?', 'lf.label = ?'];
  const lfParams: unknown[] = [workspace, label];
  if (query.status && query.status.length > 0) {
    lf.push('lf.status IN (SELECT value FROM json_each(?))');
    lfParams.push(JSON.stringify(query.status));
  }
  if (query.assignee !== undefined) {
    lf.push('lf.assignee = ?');
    lfParams.push(query.assignee);
  }
  const { where: rest, params: restParams } = filterSql(workspace, { ...query, label: undefined, status: undefined, assignee: undefined }, 't');
  const onlyLabelRows = rest === 't.workspace = ?'; // no filter beyond the workspace needs the task row
  const join = 'CROSS JOIN tasks t ON t.workspace = lf.workspace AND t.id = lf.task_id';
  const byPriority = query.sort === 'priority'; // either direction: the index read forwards or backwards
  const labelRank =
    dir === 'DESC'
      ? 'lf.priority_rank DESC, lf.due_date IS NULL ASC, lf.due_date ASC, lf.task_id ASC'
      : 'lf.priority_rank ASC, lf.due_date IS NULL DESC, lf.due_date DESC, lf.task_id DESC';
  const rows = db.all(
    `SELECT t.* FROM task_labels lf ${byPriority ? 'INDEXED BY task_labels_by_priority' : ''} ${join}
        WHERE ${lf.join(' AND ')} AND ${rest}
        ORDER BY ${byPriority ? labelRank : listOrder('t', query.sort, query.order)}
        LIMIT +? OFFSET +?`,
    ...lfParams,
    ...restParams,
    query.limit,
    query.offset,
  );
  const total =
    onlyLabelRows && query.assignee === undefined
      ? labelCount(db, workspace, label, query.status)
      : ((onlyLabelRows
          ? db.get(`SELECT count(*) AS n FROM task_labels lf INDEXED BY task_labels_by_priority WHERE ${lf.join(' AND ')}`, ...lfParams)
          : db.get(`SELECT count(*) AS n FROM task_labels lf ${join} WHERE ${lf.join(' AND ')} AND ${rest}`, ...lfParams, ...restParams)
        )?.n as number);
  return { rows, total };
}
