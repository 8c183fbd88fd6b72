import { z } from 'zod';
import { BOARD_APP_URI } from '../../../board/app-view.js';
import { READ, READ_ONLY, taskTool } from '../define.js';
import { tasksOf } from '../deps.js';
import { Assignee, Label } from '../fields.js';
import { cardLine, toCard } from '../format.js';
import { CardOut, outObject } from '../schemas.js';

export const nextTask = taskTool({
  name: 'next_task',
  title: 'Pick the next task',
  description: 'The best task to do now: todo, dependencies done, no open subtasks; by priority, due date, then age. Says why; lists runners-up.',
  input: z.strictObject({
    assignee: Assignee.optional().describe('Only theirs'),
    label: Label.optional(),
  }),
  output: outObject({
    task: CardOut.nullable(),
    reason: z.string(),
    alternatives: z.array(CardOut),
    waiting_on_dependencies: z.number().int(),
  }),
  annotations: READ_ONLY,
  scopes: READ,
  ui: BOARD_APP_URI,
  handler: async (args, ctx) => {
    const r = await tasksOf(ctx).nextTask(ctx.caller, args);
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
