import { z } from 'zod';
import { taskTool, WRITE } from '../define.js';
import { tasksOf } from '../deps.js';
import { ExpectedVersion, Force, LeaseId, TaskId, text } from '../fields.js';
import { cardLine, toCard } from '../format.js';
import { CardOut, outObject } from '../schemas.js';

export const completeTask = taskTool({
  name: 'complete_task',
  title: 'Complete a task',
  description: 'Mark a task done, releasing its lease; optionally with a closing comment. Idempotent. unblocked: the dependents it freed, good next candidates.',
  input: z.strictObject({
    id: TaskId,
    comment: text(10_000, { multiline: true }).optional().describe('Added as a comment'),
    expected_version: ExpectedVersion.optional(),
    lease_id: LeaseId.optional(),
    force: Force.optional(),
  }),
  output: outObject({
    task: CardOut,
    already_done: z.boolean(),
    unblocked: z.array(CardOut),
    open_dependencies: z.array(z.number().int()),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scopes: WRITE,
  handler: async (args, ctx) => {
    const r = await tasksOf(ctx).completeTask(ctx.caller, args.id, args);
    const lines = [r.already_done ? `Task ${args.id} was already done; nothing changed.` : `Completed: ${cardLine(r.task)}`];
    if (r.open_dependencies.length > 0) {
      lines.push(`Note: its dependencies ${r.open_dependencies.map((d) => `#${d}`).join(', ')} are still open.`);
    }
    if (r.unblocked.length > 0) lines.push('Now unblocked:', ...r.unblocked.map(cardLine));
    return { structured: { ...r, task: toCard(r.task), unblocked: r.unblocked.map(toCard) }, text: lines.join('\n') };
  },
});
