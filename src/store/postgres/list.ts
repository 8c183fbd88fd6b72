import { type Kysely, type RawBuilder, sql } from 'kysely';
import pg from 'pg';
import { dueDayRange, PRIORITY_RANK } from '../shared.js';
import type { Counted, ListQuery, TaskFilter, TaskRecord } from '../types.js';
import { filtered, listOrder, opaqueTerms, taskFilter } from './filters.js';
import { type Database, DEPENDS_ON, TASK_COLUMNS, type TaskRow } from './schema.js';
import { countLiteral } from './sql-literals.js';
import { hydrate } from './task-reads.js';

/**
 * Below this many matches a list page is read through the filter's own index and sorted; above it, the order's
 * index is walked and filtered, which finds a page after about `limit × tasks / matches` entries (as on SQLite).
 */
const SMALL_SET = 2000;

/**
 * The ids of a list page, read by walking the sort's own index in order: the query text for `taskwire_walk`
 * (migration 7), the filters as {@link opaqueTerms} so the sort's index is the one ordered path left.
 */
function walkQuery(workspace: string, f: ListQuery): string {
  if (f.sort === 'priority' && (f.due_before !== undefined || f.due_after !== undefined)) return rankRangesQuery(workspace, f);
  const all = [`tasks.workspace = ${pg.escapeLiteral(workspace)}`, ...opaqueTerms(f, f.sort === 'priority')];
  return `SELECT tasks.id FROM tasks WHERE ${all.join(' AND ')} ORDER BY ${listOrder(f.sort, f.order)} LIMIT ${countLiteral(f.limit)} OFFSET ${countLiteral(f.offset)}`;
}

/**
 * The query text for `taskwire_walk` that reads a due range's page of ids in the priority order, one priority at a
 * time. In `tasks_rank` (or `tasks_by_status` / `tasks_by_assignee`, which have the same order after their first
 * column) a priority's dated tasks are in due order, so each priority's part of the range is one index range scan
 * starting at the range's bound, at most OFFSET + LIMIT entries long; the parts, in the page's priority order, are
 * the page's order (an Append runs its parts one after another and the outer LIMIT stops it when the page is full).
 * Walking the whole order instead passed every earlier-due task of each priority first (~11,000 buffers at 100k
 * for a late `due_after`). The due bounds stay index conditions here; the other filters as {@link opaqueTerms}.
 */
function rankRangesQuery(workspace: string, f: ListQuery): string {
  const lit = pg.escapeLiteral;
  const wanted = f.priority && f.priority.length > 0 ? f.priority.map((p) => PRIORITY_RANK[p]) : Object.values(PRIORITY_RANK);
  const ranks = [...new Set(wanted)].sort((a, b) => (f.order === 'asc' ? a - b : b - a));
  const terms = [`tasks.workspace = ${lit(workspace)}`, ...opaqueTerms({ ...f, priority: undefined, due_before: undefined, due_after: undefined }, true)];
  if (f.due_after !== undefined) terms.push(`tasks.due_date >= ${lit(f.due_after)}::date`);
  if (f.due_before !== undefined) terms.push(`tasks.due_date <= ${lit(f.due_before)}::date`);
  const parts = ranks.map(
    (rank) =>
      `(SELECT tasks.id FROM tasks WHERE tasks.priority_rank = ${rank} AND ${terms.join(' AND ')} ORDER BY ${listOrder(f.sort, f.order)} LIMIT ${countLiteral(f.offset + f.limit)})`,
  );
  return `SELECT ranges.id FROM (${parts.join(' UNION ALL ')}) ranges LIMIT ${countLiteral(f.limit)} OFFSET ${countLiteral(f.offset)}`;
}

/**
 * The query text for `taskwire_walk` that reads a label's page of ids in the priority order from
 * `task_labels_by_rank` (the status and assignee filters on the row's own columns, in forms no other index serves).
 */
function labelWalkQuery(workspace: string, label: string, f: ListQuery): string {
  const lit = pg.escapeLiteral;
  const all = [`lf.workspace = ${lit(workspace)}`, `lf.label = ${lit(label)}`];
  if (f.status && f.status.length > 0) all.push(`(lf.status COLLATE "C") = ANY(ARRAY[${f.status.map(lit).join(', ')}]::text[])`);
  if (f.assignee !== undefined) all.push(`(lf.assignee COLLATE "POSIX") = ${lit(f.assignee)}`);
  const order =
    f.order === 'asc' ? 'lf.priority_rank ASC, lf.due_date DESC NULLS FIRST, lf.task_id DESC' : 'lf.priority_rank DESC, lf.due_date ASC NULLS LAST, lf.task_id ASC';
  return `SELECT lf.task_id FROM task_labels lf WHERE ${all.join(' AND ')} ORDER BY ${order} LIMIT ${countLiteral(f.limit)} OFFSET ${countLiteral(f.offset)}`;
}

/**
 * The total of a filter from the counters, as a scalar subquery: `task_counts` (migration 6), or `day_counts`
 * (migration 9) for the open tasks due in a range or overdue ({@link dueDayRange}); undefined when they cannot
 * answer it (a label, a due-date bound with other statuses or filters, overdue with another filter, or one
 * parent's subtasks).
 */
function countedTotal(workspace: string, f: TaskFilter): RawBuilder<number> | undefined {
  const days = dueDayRange(f);
  if (days) {
    // the open tasks due in a range (overdue: before today): the `due` days of `day_counts` (migration 9)
    const range = [sql`workspace = ${workspace}`, sql`kind = 'due'`];
    if (days.from !== undefined) range.push(sql`day >= ${days.from}::date`);
    if (days.to !== undefined) range.push(sql`day <= ${days.to}::date`);
    if (days.before !== undefined) range.push(sql`day < ${days.before}::date`);
    return sql<number>`(SELECT coalesce(sum(n), 0)::integer FROM day_counts WHERE ${sql.join(range, sql` AND `)})`;
  }
  if (f.label !== undefined || f.due_before !== undefined || f.due_after !== undefined || f.overdue) return undefined;
  if (f.parent_id !== undefined && f.parent_id !== null) return undefined;
  const where = [sql`workspace = ${workspace}`];
  if (f.status && f.status.length > 0) where.push(sql`status = ANY(${f.status}::text[])`);
  if (f.priority && f.priority.length > 0) where.push(sql`priority = ANY(${f.priority}::text[])`);
  if (f.assignee !== undefined) where.push(sql`assignee = ${f.assignee}`);
  if (f.parent_id === null) where.push(sql`top`);
  return sql<number>`(SELECT coalesce(sum(n), 0)::integer FROM task_counts WHERE ${sql.join(where, sql` AND `)})`;
}

/**
 * One page of list_tasks and its exact total. The total decides the plan: from the counters when they can answer it
 * (migration 6), read in the page's own statement, where it gates which of the two plans below runs (one-time filters
 * on the total: the other branch is never started); else counted first, in a statement of its own. The store, not the
 * planner, picks the plan (a grown database has no statistics, and with none the planner took 60k matches for 9 and
 * sorted them all):
 * - many matches (over {@link SMALL_SET}) or no filter: the sort's own index is walked in order and filtered,
 *   stopping at the page (see {@link walkQuery}), and the page's rows fetched by primary key;
 * - few matches, or one parent's subtasks: the matches are read through the filter's index (a MATERIALIZED CTE,
 *   which has no order for the planner to chase) and sorted.
 * A label filter is read from the label's rows (see {@link listLabelled}).
 */
export async function listTasks(db: Kysely<Database>, workspace: string, query: ListQuery): Promise<Counted<TaskRecord>> {
  if (query.label !== undefined) return listLabelled(db, workspace, query.label, query);
  const where = taskFilter(workspace, query);
  const counted = countedTotal(workspace, query);
  const oneParent = query.parent_id !== undefined && query.parent_id !== null;
  const columns = sql.join(TASK_COLUMNS.map((c) => sql.ref(c)));
  const walked = sql`
        SELECT ${columns}, ${DEPENDS_ON} AS depends_on, page.ord
          FROM taskwire_walk(${walkQuery(workspace, query)}) WITH ORDINALITY AS page(id, ord)
         CROSS JOIN LATERAL (SELECT * FROM tasks WHERE tasks.workspace = ${workspace} AND tasks.id = page.id OFFSET 0) tasks`;
  const order = listOrder(query.sort, query.order);
  const sorted = sql`
        WITH m AS MATERIALIZED (SELECT tasks.* FROM tasks WHERE ${where})
        SELECT ${columns}, ${DEPENDS_ON} AS depends_on, row_number() OVER (ORDER BY ${sql.raw(order)}) AS ord
          FROM m tasks ORDER BY ${sql.raw(order)} LIMIT ${query.limit} OFFSET ${query.offset}`;
  if (counted !== undefined && !oneParent) {
    // The total from the counters and the page in one statement: each branch runs only when its one-time filter on
    // the total holds (the other is never started), so the plan is the same as when the total is read first.
    const walks = filtered(query) ? sql`(SELECT n FROM total) > ${SMALL_SET}` : sql`true`;
    const { rows } = await sql<TaskRow & { depends_on: number[]; total: number }>`
          WITH total AS MATERIALIZED (SELECT ${counted} AS n)
          SELECT page.*, (SELECT n FROM total) AS total FROM (
            SELECT * FROM (${walked}) w WHERE ${walks}
            UNION ALL
            SELECT * FROM (${sorted}) s WHERE NOT (${walks})
          ) page ORDER BY page.ord`.execute(db);
    if (rows.length > 0) return { items: await hydrate(db, workspace, rows), total: Number(rows[0]?.total) };
    if (query.offset === 0 && query.limit > 0) return { items: [], total: 0 };
  }
  const { rows: n } = await sql<{ n: number }>`SELECT ${counted ?? sql`(SELECT count(*)::integer FROM tasks WHERE ${where})`} AS n`.execute(db);
  const total = Number(n[0]?.n);
  if (total === 0 || query.offset >= total) return { items: [], total };
  const walk = !oneParent && (total > SMALL_SET || !filtered(query));
  const { rows } = await sql<TaskRow & { depends_on: number[] }>`SELECT * FROM (${walk ? walked : sorted}) page ORDER BY page.ord`.execute(db);
  return { items: await hydrate(db, workspace, rows), total };
}

/**
 * list_tasks with a label filter, driven from the label's rows, which carry their task's status, priority rank,
 * due date and assignee (migration 6). Each row's task is fetched by primary key in a LATERAL subquery that the
 * `OFFSET 0` fence keeps from being flattened into a join, so the loop order (label rows first) holds whatever
 * the statistics say. Sorted by priority with no filter beyond status and assignee, the page's ids are read in
 * order from `task_labels_by_rank` (backwards for ascending) by `taskwire_walk`, stopping after OFFSET + LIMIT
 * matches (without statistics the planner preferred every match through `task_labels_by_status` and a sort);
 * otherwise the label's matches are joined and sorted. The total comes from
 * `label_counts`, or is counted on the label rows (`task_labels_by_status`) when only the status and assignee
 * filters apply, else over the join.
 */
async function listLabelled(db: Kysely<Database>, workspace: string, label: string, query: ListQuery): Promise<Counted<TaskRecord>> {
  const on = [sql`lf.workspace = ${workspace}`, sql`lf.label = ${label}`];
  if (query.status && query.status.length > 0) on.push(sql`lf.status = ANY(${query.status}::text[])`);
  if (query.assignee !== undefined) on.push(sql`lf.assignee = ${query.assignee}`);
  const lf = sql.join(on, sql` AND `);
  const restFilter: TaskFilter = { ...query, label: undefined, status: undefined, assignee: undefined };
  const rest = taskFilter(workspace, restFilter);
  const onlyLabelRows =
    (query.priority === undefined || query.priority.length === 0) &&
    query.parent_id === undefined &&
    query.due_before === undefined &&
    query.due_after === undefined &&
    !query.overdue;
  const tasksOfLabel = sql`task_labels lf CROSS JOIN LATERAL (
        SELECT ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c)))}, tasks.priority_rank, ${DEPENDS_ON} AS depends_on
          FROM tasks WHERE tasks.workspace = lf.workspace AND tasks.id = lf.task_id AND ${rest} OFFSET 0) tasks`;
  const total: RawBuilder<number> = onlyLabelRows
    ? query.assignee === undefined
      ? sql`(SELECT coalesce(sum(n), 0)::integer FROM label_counts WHERE workspace = ${workspace} AND label = ${label}${
          query.status && query.status.length > 0 ? sql` AND status = ANY(${query.status}::text[])` : sql``
        })`
      : sql`(SELECT count(*)::integer FROM task_labels lf WHERE ${lf})`
    : sql`(SELECT count(*)::integer FROM ${tasksOfLabel} WHERE ${lf})`;
  const asc = query.order === 'asc';
  const order =
    query.sort === 'priority'
      ? sql.raw(asc ? 'lf.priority_rank ASC, lf.due_date DESC NULLS FIRST, lf.task_id DESC' : 'lf.priority_rank DESC, lf.due_date ASC NULLS LAST, lf.task_id ASC')
      : sql.raw(listOrder(query.sort, query.order));
  const { rows } =
    query.sort === 'priority' && onlyLabelRows
      ? await sql<TaskRow & { depends_on: number[]; total: number }>`
            SELECT tasks.*, ${total} AS total
              FROM taskwire_walk(${labelWalkQuery(workspace, label, query)}) WITH ORDINALITY AS page(id, ord)
             CROSS JOIN LATERAL (
               SELECT ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c)))}, ${DEPENDS_ON} AS depends_on
                 FROM tasks WHERE tasks.workspace = ${workspace} AND tasks.id = page.id OFFSET 0) tasks
             ORDER BY page.ord`.execute(db)
      : await sql<TaskRow & { depends_on: number[]; total: number }>`
            SELECT tasks.*, ${total} AS total FROM ${tasksOfLabel}
             WHERE ${lf} ORDER BY ${order} LIMIT ${query.limit} OFFSET ${query.offset}`.execute(db);
  if (rows.length > 0 || query.offset === 0) return { items: await hydrate(db, workspace, rows), total: rows.length > 0 ? Number(rows[0]?.total) : 0 };
  const { rows: counted } = await sql<{ n: number }>`SELECT ${total} AS n`.execute(db);
  return { items: [], total: Number(counted[0]?.n) };
}
