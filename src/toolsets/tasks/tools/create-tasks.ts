import { z } from 'zod';
import { taskTool, WRITE } from '../define.js';
import { Assignee, DateOnly, IdempotencyKey, Labels, Priority, Status, TaskId, text } from '../fields.js';
import { cardLines, toCard } from '../format.js';
import { TaskCardOut } from '../schemas.js';

const Ref = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, _ or -');
const IdOrRef = z.union([TaskId, Ref], { error: 'must be a task id (a positive whole number) or the ref of an earlier item in this call' });

export const NewTaskItem = z.strictObject({
  ref: Ref.optional().describe('A name later items of this call can refer to'),
  title: text(200).describe('One line'),
  description: text(20_000, { multiline: true, min: 0 }).optional().describe('Markdown'),
  status: Status.optional().describe('Default todo'),
  priority: Priority.optional().describe('Default medium'),
  labels: Labels.optional(),
  assignee: Assignee.optional(),
  due_date: DateOnly.optional().describe('YYYY-MM-DD'),
  parent_id: IdOrRef.optional().describe('An id, or the ref of an earlier item'),
  depends_on: z.array(IdOrRef).max(50).optional().describe('Tasks to finish first: ids, or refs of earlier items'),
});

export const createTasks = taskTool({
  name: 'create_tasks',
  title: 'Create tasks',
  description:
    'Create 1-50 tasks atomically (all or nothing): a whole plan in one call. Items may be subtasks (parent_id) and depend on others (depends_on), naming earlier items by ref. Pass idempotency_key so a retry never duplicates.',
  input: z.strictObject({
    tasks: z.array(NewTaskItem).min(1, 'give at least one task').max(50, 'at most 50 tasks per call; split the plan'),
    idempotency_key: IdempotencyKey.optional(),
  }),
  output: z.object({
    created: z.array(TaskCardOut),
    replayed: z.boolean().describe('true: the stored result of an earlier call with this idempotency_key'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  scopes: WRITE,
  handler: async (args, ctx) => {
    const { created, replayed } = await ctx.tasks.createTasks(ctx.caller, args.tasks, args.idempotency_key);
    const head = replayed
      ? `Already created by an earlier call with this idempotency_key (nothing new written): ${created.length} task(s).`
      : `Created ${created.length} task(s).`;
    return { structured: { created: created.map(toCard), replayed }, text: `${head}\n${cardLines(created)}` };
  },
});
