import { type Kysely, sql } from 'kysely';
import type { Actor, CommentRecord, Counted } from '../types.js';
import { toComment } from './rows.js';
import type { Database } from './schema.js';
import { nextId } from './task-writes.js';

/** A task's newest `limit` comments, oldest first, and how many it has. */
export async function listComments(db: Kysely<Database>, workspace: string, taskId: number, limit: number): Promise<Counted<CommentRecord>> {
  // newest `limit` comments, returned oldest first
  // One round trip: the count rides along as an uncorrelated subquery; without rows there are none.
  const rows = await db
    .selectFrom((eb) =>
      eb.selectFrom('comments').selectAll().where('workspace', '=', workspace).where('task_id', '=', taskId).orderBy('id', 'desc').limit(limit).as('newest'),
    )
    .selectAll()
    .select(sql<number>`(SELECT count(*) FROM comments c WHERE c.workspace = ${workspace} AND c.task_id = ${taskId})`.as('total'))
    .orderBy('id', 'asc')
    .execute();
  if (rows.length === 0 && limit > 0) return { items: [], total: 0 };
  const total =
    rows.length > 0
      ? Number(rows[0]?.total)
      : Number(
          (
            await db
              .selectFrom('comments')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('workspace', '=', workspace)
              .where('task_id', '=', taskId)
              .executeTakeFirstOrThrow()
          ).n,
        );
  return { items: rows.map(toComment), total };
}

/** Add a comment (the next comment id) and append its body to the task's `comment_text`, so search covers it. */
export async function insertComment(db: Kysely<Database>, workspace: string, taskId: number, body: string, actor: Actor, now: string): Promise<CommentRecord> {
  const id = await nextId(db, workspace, 'next_comment_id');
  const row = await db
    .insertInto('comments')
    .values({ workspace, id, task_id: taskId, body, author: actor.principal, author_client: actor.client, created_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  // the generated `search` column follows comment_text
  await db
    .updateTable('tasks')
    .set({ comment_text: sql`CASE WHEN comment_text = '' THEN ${body} ELSE comment_text || E'\\n' || ${body} END` })
    .where('workspace', '=', workspace)
    .where('id', '=', taskId)
    .execute();
  return toComment(row);
}

/** Delete a comment and rebuild its task's `comment_text`; false when there was no such comment. */
export async function deleteComment(db: Kysely<Database>, workspace: string, taskId: number, commentId: number): Promise<boolean> {
  // One round trip: delete the comment and rebuild the task's comment_text (hence `search`) from the others;
  // the subquery still sees the deleted row (one snapshot per statement), so it is excluded by id.
  const { rows } = await sql<{ n: number }>`
        WITH d AS (
          DELETE FROM comments WHERE workspace = ${workspace} AND task_id = ${taskId}::integer AND id = ${commentId}::integer RETURNING id
        ), u AS (
          UPDATE tasks SET comment_text = coalesce((
                   SELECT string_agg(c.body, E'\\n' ORDER BY c.id) FROM comments c
                    WHERE c.workspace = ${workspace} AND c.task_id = ${taskId}::integer AND c.id <> ${commentId}::integer), '')
           WHERE workspace = ${workspace} AND id = ${taskId}::integer AND EXISTS (SELECT 1 FROM d)
        )
        SELECT count(*) AS n FROM d`.execute(db);
  return (rows[0]?.n ?? 0) > 0;
}
