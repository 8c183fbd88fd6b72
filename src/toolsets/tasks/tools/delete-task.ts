import { z } from 'zod';
import { taskTool } from '../define.js';
import { ExpectedVersion, TaskId } from '../fields.js';

export const deleteTask = taskTool({
  name: 'delete_task',
  title: 'Delete a task',
  description: 'Permanently delete a task, its comments and dependency edges; its subtasks too with cascade: true. Cannot be undone: prefer status="cancelled".',
  input: z.strictObject({
    id: TaskId,
    cascade: z.boolean().default(false).describe('Also delete all subtasks, recursively'),
    expected_version: ExpectedVersion.optional(),
  }),
  output: z.object({ deleted: z.array(z.number().int()).describe('Ids deleted, subtasks first') }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  scopes: ['tasks:admin'],
  handler: async (args, ctx) => {
    const deleted = await ctx.tasks.deleteTask(ctx.caller, args.id, args);
    return { structured: { deleted }, text: `Deleted ${deleted.map((d) => `#${d}`).join(', ')}.` };
  },
});
