import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { TaskDetailRecord, TaskRecord } from '../types.js';
import { type CommentJson, fromTaskJson, isoTime, type TaskJson, toComment, toTask } from './rows.js';
import { type Database, DEPENDS_ON, TASK_COLUMNS, type TaskRow } from './schema.js';

/** A query of task rows with their `depends_on`, so {@link hydrate} needs no second round trip. */
export function selectTasks(db: Kysely<Database>) {
  return db.selectFrom('tasks').select(TASK_COLUMNS).select(DEPENDS_ON.as('depends_on'));
}

/** One task by id (`forUpdate`: its row locked until the transaction ends), or undefined. */
export async function fetchTask(db: Kysely<Database>, workspace: string, id: number, forUpdate = false): Promise<TaskRecord | undefined> {
  const query = selectTasks(db).where('workspace', '=', workspace).where('id', '=', id);
  const row = await (forUpdate ? query.forUpdate() : query).executeTakeFirst();
  return row ? (await hydrate(db, workspace, [row]))[0] : undefined;
}

/** Rows → records; rows selected without `depends_on` get every row's dependency list in one query. */
export async function hydrate(db: Kysely<Database>, workspace: string, rows: ReadonlyArray<TaskRow & { depends_on?: number[] }>): Promise<TaskRecord[]> {
  if (rows.length === 0) return [];
  if (rows.every((r) => Array.isArray(r.depends_on))) return rows.map((r) => toTask(r, r.depends_on as number[]));
  const deps = new Map<number, number[]>();
  for (const d of await db
    .selectFrom('task_deps')
    .select(['task_id', 'depends_on'])
    .where('workspace', '=', workspace)
    .where(
      'task_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('task_id')
    .orderBy('depends_on')
    .execute()) {
    const list = deps.get(d.task_id) ?? [];
    list.push(d.depends_on);
    deps.set(d.task_id, list);
  }
  return rows.map((r) => toTask(r, deps.get(r.id) ?? []));
}

/** Tasks by id, ascending; ids that do not exist are left out. */
export async function getTasks(db: Kysely<Database>, workspace: string, ids: readonly number[]): Promise<TaskRecord[]> {
  if (ids.length === 0) return [];
  const rows = await selectTasks(db).where('workspace', '=', workspace).where('id', 'in', ids).orderBy('id').execute();
  return hydrate(db, workspace, rows);
}

/**
 * get_task's read in one statement: the task, then its comments (the newest `commentsLimit`, oldest first, and
 * their count), subtasks, dependencies and dependents as json arrays by id, each from its own index (comments_by_task
 * backwards, tasks_by_parent, the primary key, task_deps_reverse then the primary key through a fenced LATERAL).
 * json renders timestamptz with an offset; the records get ISO-8601 UTC like every other read.
 */
export async function taskDetail(db: Kysely<Database>, workspace: string, id: number, commentsLimit: number): Promise<TaskDetailRecord | undefined> {
  const columns = sql.join(TASK_COLUMNS.map((c) => sql.ref(c)));
  const tasksJson = (from: RawBuilder<unknown>) =>
    sql`(SELECT coalesce(json_agg(s ORDER BY s.id), '[]'::json) FROM (SELECT ${columns}, ${DEPENDS_ON} AS depends_on FROM ${from}) s)`;
  const { rows } = await sql<
    TaskRow & { depends_on: number[]; comments_total: number; comments: CommentJson[]; subtasks: TaskJson[]; dependencies: TaskJson[]; dependents: TaskJson[] }
  >`
        WITH me AS (
          SELECT ${columns}, ${DEPENDS_ON} AS depends_on FROM tasks WHERE tasks.workspace = ${workspace} AND tasks.id = ${id}::integer
        )
        SELECT me.*,
               (SELECT count(*) FROM comments c WHERE c.workspace = ${workspace} AND c.task_id = me.id) AS comments_total,
               (SELECT coalesce(json_agg(c ORDER BY c.id), '[]'::json) FROM (
                  SELECT id, task_id, body, author, author_client, created_at FROM comments
                   WHERE workspace = ${workspace} AND task_id = me.id ORDER BY id DESC LIMIT ${Math.max(0, Math.trunc(commentsLimit))}::integer) c) AS comments,
               ${tasksJson(sql`tasks WHERE tasks.workspace = ${workspace} AND tasks.parent_id = me.id`)} AS subtasks,
               ${tasksJson(sql`tasks WHERE tasks.workspace = ${workspace} AND tasks.id = ANY(me.depends_on)`)} AS dependencies,
               ${tasksJson(sql`task_deps d CROSS JOIN LATERAL (SELECT * FROM tasks WHERE tasks.workspace = d.workspace AND tasks.id = d.task_id OFFSET 0) tasks
                                WHERE d.workspace = ${workspace} AND d.depends_on = me.id`)} AS dependents
          FROM me`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return {
    task: toTask(row, row.depends_on),
    comments: { items: row.comments.map((c) => toComment({ ...c, workspace, created_at: isoTime(c.created_at) as string })), total: Number(row.comments_total) },
    subtasks: row.subtasks.map(fromTaskJson),
    dependencies: row.dependencies.map(fromTaskJson),
    dependents: row.dependents.map(fromTaskJson),
  };
}
