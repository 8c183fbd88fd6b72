import { z } from 'zod';
import { taskTool, WRITE } from '../define.js';
import { tasksOf } from '../deps.js';
import { Force } from '../fields.js';
import { cardLine, toCard } from '../format.js';
import { CardOut, outObject } from '../schemas.js';
import { toUpdateInput, UpdateFields } from './update-task.js';

export const updateTasks = taskTool({
  name: 'update_tasks',
  title: 'Update many tasks',
  description: 'Change 1-100 tasks in one all-or-nothing call (status "done" completes); items take update_task\'s arguments. An error names the item.',
  input: z.strictObject({
    items: z.array(UpdateFields).min(1, 'give at least one item (an empty list never means "all tasks")').max(100),
    force: Force.optional(),
  }),
  output: outObject({ results: z.array(outObject({ task: CardOut, changed: z.array(z.string()) })) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scopes: WRITE,
  handler: async (args, ctx) => {
    const results = await tasksOf(ctx).updateTasks(ctx.caller, args.items.map(toUpdateInput), args.force);
    const lines = results.map((r) => `${r.changed.length === 0 ? 'unchanged' : `changed ${r.changed.join(', ')}`}: ${cardLine(r.task)}`);
    return { structured: { results: results.map((r) => ({ task: toCard(r.task), changed: r.changed })) }, text: lines.join('\n') };
  },
});
