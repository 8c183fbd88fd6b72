import { z } from 'zod';
import { taskTool } from '../define.js';
import { tasksOf } from '../deps.js';
import { ExpectedVersion, Force, LeaseId, TaskId } from '../fields.js';
import { outObject } from '../schemas.js';

export const deleteTask = taskTool({
  name: 'delete_task',
  title: 'Delete a task',
  description:
    'Move a task with its comments and dependency edges to the trash (subtasks too with cascade). Undo: revert_changes with its seq, within the retention period. Prefer status "cancelled".',
  input: z.strictObject({
    id: TaskId,
    cascade: z.boolean().default(false).describe('Also subtasks, recursively'),
    expected_version: ExpectedVersion.optional(),
    lease_id: LeaseId.optional(),
    force: Force.optional(),
  }),
  output: outObject({ deleted: z.array(z.number().int()) }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  scopes: ['tasks:admin'],
  handler: async (args, ctx) => {
    const deleted = await tasksOf(ctx).deleteTask(ctx.caller, args.id, args);
    return { structured: { deleted }, text: `Deleted ${deleted.map((d) => `#${d}`).join(', ')}.` };
  },
});
