import { z } from 'zod';
import { taskTool, WRITE } from '../define.js';
import { Force } from '../fields.js';
import { cardLine, toCard } from '../format.js';
import { TaskCardOut } from '../schemas.js';
import { UpdateFields } from './update-task.js';

export const updateTasks = taskTool({
  name: 'update_tasks',
  title: 'Update many tasks',
  description:
    'Change (or complete, status "done") 1-100 tasks in one all-or-nothing call; each item is an update_task argument. An error names the item and writes nothing. Undo with revert_changes.',
  input: z.strictObject({
    items: z.array(UpdateFields).min(1, 'give at least one item (an empty list never means "all tasks")').max(100),
    force: Force.optional(),
  }),
  output: z.object({
    results: z.array(z.object({ task: TaskCardOut, changed: z.array(z.string()) })),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scopes: WRITE,
  handler: async (args, ctx) => {
    const results = await ctx.tasks.updateTasks(ctx.caller, args.items, args.force);
    const lines = results.map((r) => `${r.changed.length === 0 ? 'unchanged' : `changed ${r.changed.join(', ')}`}: ${cardLine(r.task)}`);
    return { structured: { results: results.map((r) => ({ task: toCard(r.task), changed: r.changed })) }, text: lines.join('\n') };
  },
});
