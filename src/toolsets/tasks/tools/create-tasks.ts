import { z } from 'zod';
import { taskTool, WRITE } from '../define.js';
import { tasksOf } from '../deps.js';
import { Assignee, DateOnly, IdempotencyKey, Labels, Priority, Status, TaskId, text } from '../fields.js';
import { cardLines, toCard } from '../format.js';
import { CardOut, outObject } from '../schemas.js';

const Ref = z.string().regex(/^[\w-]{1,40}$/, 'must be 1-40 letters, digits, _ or -');
const IdOrRef = z.union([TaskId, Ref], { error: 'must be a task id (a positive whole number) or the ref of an earlier item in this call' });

export const NewTaskItem = z.strictObject({
  ref: Ref.optional().describe('Name for later items to refer to'),
  title: text(200).describe('One line'),
  description: text(20_000, { multiline: true, min: 0 }).optional().describe('Markdown'),
  status: Status.optional().describe('Default todo'),
  priority: Priority.optional().describe('Default medium'),
  labels: Labels.optional(),
  assignee: Assignee.optional(),
  due_date: DateOnly.optional(),
  parent_id: IdOrRef.optional().describe('Id, or ref of an earlier item'),
  depends_on: z.array(IdOrRef).max(50).optional().describe('To finish first: ids, or refs of earlier items'),
});

export const createTasks = taskTool({
  name: 'create_tasks',
  title: 'Create tasks',
  description:
    'Create 1-50 tasks, all or nothing: a whole plan in one call. parent_id and depends_on may name earlier items by ref. Pass idempotency_key so a retry never duplicates.',
  input: z.strictObject({
    tasks: z.array(NewTaskItem).min(1, 'give at least one task').max(50, 'at most 50 tasks per call; split the plan'),
    idempotency_key: IdempotencyKey.optional(),
  }),
  output: outObject({ created: z.array(CardOut), replayed: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  scopes: WRITE,
  handler: async (args, ctx) => {
    const { created, replayed } = await tasksOf(ctx).createTasks(ctx.caller, args.tasks, args.idempotency_key);
    const head = replayed
      ? `Already created by an earlier call with this idempotency_key (nothing new written): ${created.length} task(s).`
      : `Created ${created.length} task(s).`;
    return { structured: { created: created.map(toCard), replayed }, text: `${head}\n${cardLines(created)}` };
  },
});
