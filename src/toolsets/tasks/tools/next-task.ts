import { z } from 'zod';
import { READ, READ_ONLY, taskTool } from '../define.js';
import { Assignee, Label } from '../fields.js';
import { cardLine, toCard } from '../format.js';
import { TaskCardOut } from '../schemas.js';

export const nextTask = taskTool({
  name: 'next_task',
  title: 'Pick the next task',
  description:
    'Pick the best task to work on now: a todo task whose dependencies are all done and that has no open subtasks, ranked by priority, then due date, then age. Says why, and lists runners-up. Start it with update_task status="in_progress".',
  input: z.strictObject({
    assignee: Assignee.optional().describe('Only tasks assigned to this person'),
    label: Label.optional(),
  }),
  output: z.object({
    task: TaskCardOut.extend({ description: z.string() }).nullable(),
    reason: z.string(),
    alternatives: z.array(TaskCardOut),
    waiting_on_dependencies: z.number().int().describe('Todo tasks not yet actionable because a dependency is open'),
  }),
  annotations: READ_ONLY,
  scopes: READ,
  handler: async (args, ctx) => {
    const r = await ctx.tasks.nextTask(ctx.caller, args);
    const lines = [r.reason];
    if (r.task) lines.push(cardLine(r.task));
    if (r.task?.description) lines.push('', r.task.description.slice(0, 500));
    if (r.alternatives.length > 0) lines.push('', 'Runners-up:', ...r.alternatives.map(cardLine));
    return {
      structured: { ...r, task: r.task && { ...toCard(r.task), description: r.task.description }, alternatives: r.alternatives.map(toCard) },
      text: lines.join('\n'),
    };
  },
});
