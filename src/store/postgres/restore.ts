import { type Kysely, sql } from 'kysely';
import { PRIORITY_RANK } from '../shared.js';
import type { CommentRecord, TaskRecord } from '../types.js';
import type { Database } from './schema.js';
import { readinessOf } from './task-writes.js';

/** Put a deleted task back as it was (id, version, timestamps, lease, labels and comments), moving the id counters past it. */
export async function restoreTask(db: Kysely<Database>, workspace: string, task: TaskRecord, comments: readonly CommentRecord[]): Promise<void> {
  // One round trip: the task row (comment_text included, so the generated `search` column covers its comments),
  // its label rows and its comments, as data-modifying CTEs. The id counters only ever move forward (GREATEST):
  // normally they are past these ids already.
  const sorted = [...comments].sort((a, b) => a.id - b.id);
  const lease = task.lease;
  await sql`
        WITH w AS (
          INSERT INTO workspaces (name, next_task_id, next_comment_id)
          VALUES (${workspace}, ${task.id + 1}::integer, ${(sorted.at(-1)?.id ?? 0) + 1}::integer)
          ON CONFLICT (name) DO UPDATE SET next_task_id = GREATEST(workspaces.next_task_id, excluded.next_task_id),
                                           next_comment_id = GREATEST(workspaces.next_comment_id, excluded.next_comment_id)
        ), t AS (
          INSERT INTO tasks (workspace, id, title, description, status, priority, priority_rank, labels, assignee, due_date, parent_id, version,
                             created_at, updated_at, completed_at, created_by, created_client, updated_by, updated_client,
                             lease_id, lease_holder, lease_client, lease_client_version, lease_expires_at, comment_text,
                             open_deps, open_children)
          VALUES (${workspace}, ${task.id}::integer, ${task.title}::text, ${task.description}::text, ${task.status}::text, ${task.priority}::text,
                  ${PRIORITY_RANK[task.priority]}::smallint, ${task.labels}::text[], ${task.assignee}::text, ${task.due_date}::date,
                  ${task.parent_id}::integer, ${task.version}::integer, ${task.created_at}::timestamptz, ${task.updated_at}::timestamptz,
                  ${task.completed_at}::timestamptz, ${task.created_by.principal}::text, ${task.created_by.client}::text,
                  ${task.updated_by.principal}::text, ${task.updated_by.client}::text, ${lease?.lease_id ?? null}::text,
                  ${lease?.holder.principal ?? null}::text, ${lease?.holder.client ?? null}::text, ${lease?.holder.client_version ?? null}::text,
                  ${lease?.expires_at ?? null}::timestamptz, ${sorted.map((c) => c.body).join('\n')}::text,
                  ${readinessOf(workspace, sql<number>`${task.id}::integer`)})
        ), l AS (
          INSERT INTO task_labels (workspace, task_id, label, status, priority_rank, due_date, assignee)
          SELECT ${workspace}, ${task.id}::integer, x, ${task.status}::text, ${PRIORITY_RANK[task.priority]}::smallint, ${task.due_date}::date,
                 ${task.assignee}::text
            FROM unnest(${task.labels}::text[]) AS x
        ), c AS (
          INSERT INTO comments (workspace, id, task_id, body, author, author_client, created_at)
          SELECT ${workspace}, x.id, ${task.id}::integer, x.body, x.author, x.author_client, x.created_at
            FROM unnest(${sorted.map((c) => c.id)}::integer[], ${sorted.map((c) => c.body)}::text[], ${sorted.map((c) => c.author.principal)}::text[],
                        ${sorted.map((c) => c.author.client)}::text[], ${sorted.map((c) => c.created_at)}::timestamptz[])
                 AS x(id, body, author, author_client, created_at)
        )
        SELECT 1`.execute(db);
}
