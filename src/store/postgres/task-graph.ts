import { type Kysely, type SqlBool, sql } from 'kysely';
import { ACTIONABLE } from '../shared.js';
import type { TaskRecord } from '../types.js';
import { orderSql } from './filters.js';
import type { Database } from './schema.js';
import { hydrate, selectTasks } from './task-reads.js';

/**
 * The predicate of the partial index `tasks_actionable` (migration 5), as literals so the planner can match it:
 * todo, no open dependency, no open subtask (counters kept by triggers).
 */
const IS_ACTIONABLE = sql<SqlBool>`tasks.status = ${sql.lit(ACTIONABLE.status)} AND tasks.open_deps = 0 AND tasks.open_children = 0`;
/** next_task's order (shared.ts), exactly the key order of `tasks_actionable` after `workspace`. */
const ACTIONABLE_ORDER = sql.raw(orderSql(ACTIONABLE.order));

/** A task's direct subtasks, by id. */
export async function subtasks(db: Kysely<Database>, workspace: string, parentId: number): Promise<TaskRecord[]> {
  return hydrate(db, workspace, await selectTasks(db).where('workspace', '=', workspace).where('parent_id', '=', parentId).orderBy('id').execute());
}

/** The tasks that depend on `id`, by id. */
export async function dependents(db: Kysely<Database>, workspace: string, id: number): Promise<TaskRecord[]> {
  const rows = await selectTasks(db)
    .innerJoin('task_deps as d', (join) => join.onRef('d.workspace', '=', 'tasks.workspace').onRef('d.task_id', '=', 'tasks.id'))
    .where('d.workspace', '=', workspace)
    .where('d.depends_on', '=', id)
    .orderBy('tasks.id')
    .execute();
  return hydrate(db, workspace, rows);
}

/** Every dependency edge `[task_id, depends_on]` reachable from the tasks `from`. */
export async function dependencyClosure(db: Kysely<Database>, workspace: string, from: readonly number[]): Promise<Array<[number, number]>> {
  const { rows } = await sql<{ task_id: number; depends_on: number }>`
        WITH RECURSIVE reach(task_id, depends_on) AS (
          SELECT task_id, depends_on FROM task_deps
           WHERE workspace = ${workspace} AND task_id = ANY(${[...from]}::integer[])
          UNION
          SELECT d.task_id, d.depends_on FROM task_deps d JOIN reach r ON d.task_id = r.depends_on
           WHERE d.workspace = ${workspace}
        ) SELECT task_id, depends_on FROM reach`.execute(db);
  return rows.map((r): [number, number] => [r.task_id, r.depends_on]);
}

/** `id`'s ancestors, its parent first (at most 1,000 levels). */
export async function ancestors(db: Kysely<Database>, workspace: string, id: number): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
        WITH RECURSIVE up(id, parent_id, depth) AS (
          SELECT id, parent_id, 0 FROM tasks WHERE workspace = ${workspace} AND id = ${id}
          UNION
          SELECT t.id, t.parent_id, up.depth + 1 FROM tasks t JOIN up ON t.id = up.parent_id
           WHERE t.workspace = ${workspace} AND up.depth < 1000
        ) SELECT id FROM up WHERE depth > 0 ORDER BY depth`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * Actionable tasks in next_task's order, read from the partial index `tasks_actionable` (migration 5) in key order
 * and stopping after `limit` matches; the assignee and label filters are checked on the rows as they come (the label
 * on the row's own `labels` array, so no join is there to plan), and each returned row carries its `depends_on`.
 */
export async function actionableTasks(db: Kysely<Database>, workspace: string, filter: { assignee?: string; label?: string }, limit: number): Promise<TaskRecord[]> {
  let query = selectTasks(db).where('workspace', '=', workspace).where(IS_ACTIONABLE);
  if (filter.assignee !== undefined) query = query.where('assignee', '=', filter.assignee);
  if (filter.label !== undefined) query = query.where(sql<SqlBool>`${filter.label}::text = ANY(tasks.labels)`);
  const rows = await query.orderBy(ACTIONABLE_ORDER).limit(limit).execute();
  return hydrate(db, workspace, rows);
}

/** Todo tasks with an open dependency, from the counter kept on write (`waiting_counts`, migration 9). */
export async function countWaitingOnDependencies(db: Kysely<Database>, workspace: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT coalesce(sum(n), 0)::integer AS n FROM waiting_counts WHERE workspace = ${workspace}`.execute(db);
  return rows[0]?.n ?? 0;
}
