import { type Kysely, type RawBuilder, sql } from 'kysely';
import { OPEN_STATUS_SQL, PRIORITY_RANK } from '../shared.js';
import { type Actor, type NewTask, StoreError, type TaskPatch, type TaskRecord } from '../types.js';
import { toTask } from './rows.js';
import { type Database, TASK_COLUMNS, type TaskRow } from './schema.js';
import { fetchTask } from './task-reads.js';

/**
 * `open_deps, open_children` of a task about to be inserted with id `id` (migration 10: the store writes them): 0, since
 * no edge from an id can exist before its task (`task_deps_task_fk`, migration 13), and its open subtasks that already
 * exist (a task restored after its subtasks), through tasks_by_parent, the statuses in a form no index serves.
 */
export function readinessOf(workspace: string, id: RawBuilder<number>): RawBuilder<unknown> {
  const open = sql.raw(`IN ${OPEN_STATUS_SQL}`);
  return sql`0, (SELECT count(*) FROM tasks c WHERE c.workspace = ${workspace} AND c.parent_id = ${id} AND (c.status COLLATE "C") ${open})::integer`;
}

/**
 * Insert a task (the workspace's next id) and its label rows in one round trip. `noDependents`: no dependency edge
 * points at the new id yet, so its `dependents` are known to be none until an edge to it is added.
 */
export async function insertTask(
  db: Kysely<Database>,
  workspace: string,
  task: NewTask,
  actor: Actor,
  now: string,
): Promise<{ task: TaskRecord; noDependents: boolean }> {
  // One round trip: take the next id from the workspace counter (locked until the transaction ends,
  // restored by a rollback), insert the task and its label rows, as data-modifying CTEs.
  const { rows } = await sql<TaskRow>`
        WITH n AS (
          INSERT INTO workspaces (name, next_task_id) VALUES (${workspace}, 2)
          ON CONFLICT (name) DO UPDATE SET next_task_id = workspaces.next_task_id + 1
          RETURNING next_task_id - 1 AS id
        ), t AS (
          INSERT INTO tasks (workspace, id, title, description, status, priority, priority_rank, labels, assignee, due_date,
                             parent_id, created_at, updated_at, completed_at, created_by, created_client, updated_by, updated_client,
                             open_deps, open_children)
          SELECT ${workspace}, n.id, ${task.title}::text, ${task.description}::text, ${task.status}::text, ${task.priority}::text,
                 ${PRIORITY_RANK[task.priority]}::smallint, ${task.labels}::text[], ${task.assignee}::text, ${task.due_date}::date,
                 ${task.parent_id}::integer, ${now}::timestamptz, ${now}::timestamptz, ${task.completed_at ?? null}::timestamptz,
                 ${actor.principal}::text, ${actor.client}::text, ${actor.principal}::text, ${actor.client}::text,
                 ${readinessOf(workspace, sql<number>`n.id`)}
            FROM n
          RETURNING ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c.replace('tasks.', ''))))}, priority_rank
        ), l AS (
          INSERT INTO task_labels (workspace, task_id, label, status, priority_rank, due_date, assignee)
          SELECT ${workspace}, t.id, x, t.status, t.priority_rank, t.due_date, t.assignee FROM t, unnest(${task.labels}::text[]) AS x
        )
        SELECT ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c.replace('tasks.', ''))))},
               NOT EXISTS (SELECT 1 FROM task_deps d WHERE d.workspace = ${workspace} AND d.depends_on = t.id) AS no_dependents
          FROM t`.execute(db);
  const row = rows[0] as TaskRow & { no_dependents: boolean };
  return { task: toTask(row, []), noDependents: row.no_dependents };
}

/** Apply a patch (and bump the version) to a task, rewriting its label rows when the labels change. */
export async function updateTask(db: Kysely<Database>, workspace: string, id: number, patch: TaskPatch, actor: Actor, now: string): Promise<TaskRecord> {
  const current = await fetchTask(db, workspace, id, true);
  if (!current) throw new StoreError('internal', `task ${id} vanished inside a transaction`);
  const row = await db
    .updateTable('tasks')
    .set((eb) => ({
      title: patch.title,
      description: patch.description,
      status: patch.status,
      assignee: patch.assignee,
      due_date: patch.due_date,
      parent_id: patch.parent_id,
      completed_at: patch.completed_at,
      priority: patch.priority,
      priority_rank: patch.priority === undefined ? undefined : PRIORITY_RANK[patch.priority],
      labels: patch.labels,
      ...(patch.lease === undefined
        ? {}
        : {
            lease_id: patch.lease?.lease_id ?? null,
            lease_holder: patch.lease?.holder.principal ?? null,
            lease_client: patch.lease?.holder.client ?? null,
            lease_client_version: patch.lease?.holder.client_version ?? null,
            lease_expires_at: patch.lease?.expires_at ?? null,
          }),
      updated_at: now,
      updated_by: actor.principal,
      updated_client: actor.client,
      version: eb('version', '+', 1),
    }))
    .where('workspace', '=', workspace)
    .where('id', '=', id)
    .returning(TASK_COLUMNS)
    .executeTakeFirstOrThrow();
  if (patch.labels !== undefined) {
    await db.deleteFrom('task_labels').where('workspace', '=', workspace).where('task_id', '=', id).execute();
    await writeLabels(db, workspace, toTask(row, current.depends_on));
  }
  return toTask(row, current.depends_on);
}

/** Replace a task's dependency edges with `dependsOn`. */
export async function setDependencies(db: Kysely<Database>, workspace: string, id: number, dependsOn: readonly number[]): Promise<void> {
  await db.deleteFrom('task_deps').where('workspace', '=', workspace).where('task_id', '=', id).execute();
  if (dependsOn.length === 0) return;
  await db
    .insertInto('task_deps')
    .values(dependsOn.map((dep) => ({ workspace, task_id: id, depends_on: dep })))
    .execute();
}

/**
 * Delete a task; its edges (both ways), label rows and comments go by ON DELETE CASCADE (migration 13), their triggers
 * firing. False when there was no such task.
 */
export async function deleteTask(db: Kysely<Database>, workspace: string, id: number): Promise<boolean> {
  const gone = await db.deleteFrom('tasks').where('workspace', '=', workspace).where('id', '=', id).returning('id').executeTakeFirst();
  return gone !== undefined;
}

/**
 * Take the workspace's next task or comment id. The counter row stays locked
 * until the transaction ends, and a rollback restores it: ids are never reused.
 */
export async function nextId(db: Kysely<Database>, workspace: string, counter: 'next_task_id' | 'next_comment_id'): Promise<number> {
  const { id } = await db
    .insertInto('workspaces')
    .values({ name: workspace, [counter]: 2 })
    .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ [counter]: eb(`workspaces.${counter}`, '+', 1) })))
    .returning((eb) => eb(counter, '-', 1).as('id'))
    .executeTakeFirstOrThrow();
  return id;
}

/** Insert a task's label rows, each with the task's list columns (migration 6). */
export async function writeLabels(db: Kysely<Database>, workspace: string, task: TaskRecord): Promise<void> {
  if (task.labels.length === 0) return;
  const { status, due_date, assignee } = task;
  await db
    .insertInto('task_labels')
    .values(task.labels.map((label) => ({ workspace, task_id: task.id, label, status, priority_rank: PRIORITY_RANK[task.priority], due_date, assignee })))
    .execute();
}
