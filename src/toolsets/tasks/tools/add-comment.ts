import { z } from 'zod';
import { taskTool, WRITE } from '../define.js';
import { tasksOf } from '../deps.js';
import { IdempotencyKey, TaskId, text } from '../fields.js';
import { CommentOut, outObject } from '../schemas.js';

export const addComment = taskTool({
  name: 'add_comment',
  title: 'Comment on a task',
  description: 'Comment on a task: progress, findings, decisions, hand-over notes for the next agent (searchable). Pass idempotency_key so a retry never posts twice.',
  input: z.strictObject({
    task_id: TaskId,
    body: text(10_000, { multiline: true }).describe('Markdown'),
    idempotency_key: IdempotencyKey.optional(),
  }),
  output: outObject({ comment: CommentOut, replayed: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  scopes: WRITE,
  handler: async (args, ctx) => {
    const r = await tasksOf(ctx).addComment(ctx.caller, args.task_id, args.body, args.idempotency_key);
    const head = r.replayed ? 'Already posted by an earlier call with this idempotency_key' : 'Comment added';
    return { structured: r, text: `${head}: comment ${r.comment.id} on task #${args.task_id}.` };
  },
});
