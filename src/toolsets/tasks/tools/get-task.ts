import { z } from 'zod';
import { READ, READ_ONLY, taskTool } from '../define.js';
import { Limit, TaskId } from '../fields.js';
import { cardLine } from '../format.js';
import { CommentOut, TaskOut, TaskRefOut } from '../schemas.js';

export const getTask = taskTool({
  name: 'get_task',
  title: 'Get a task',
  description:
    'One task in full: description, newest comments, subtasks, dependencies (blocked_by: unfinished ones) and dependents. Its version feeds update_task expected_version.',
  input: z.strictObject({
    id: TaskId,
    comments_limit: Limit(20, 100).describe('Newest comments to include'),
  }),
  output: z.object({
    task: TaskOut,
    comments: z.array(CommentOut),
    comments_total: z.number().int(),
    subtasks: z.array(TaskRefOut),
    dependencies: z.array(TaskRefOut),
    blocked_by: z.array(z.number().int()).describe('Dependencies not yet done or cancelled'),
    dependents: z.array(TaskRefOut).describe('Tasks waiting on this one'),
  }),
  annotations: READ_ONLY,
  scopes: READ,
  handler: async (args, ctx) => {
    const d = await ctx.tasks.getTask(ctx.caller, args.id, args.comments_limit);
    const lines = [cardLine(d.task), `version ${d.task.version} · updated ${d.task.updated_at}`];
    if (d.task.description) lines.push('', d.task.description);
    if (d.blocked_by.length > 0) lines.push('', `Blocked by: ${d.blocked_by.map((b) => `#${b}`).join(', ')}`);
    if (d.subtasks.length > 0) lines.push('', 'Subtasks:', ...d.subtasks.map(cardLine));
    if (d.dependents.length > 0) lines.push('', `Dependents: ${d.dependents.map((t) => `#${t.id}`).join(', ')}`);
    if (d.comments.length > 0) {
      lines.push('', `Comments (${d.comments.length} of ${d.comments_total}):`);
      for (const c of d.comments) lines.push(`- ${c.author.principal} at ${c.created_at}: ${c.body}`);
    }
    const ref = (t: { id: number; title: string; status: string }) => ({ id: t.id, title: t.title, status: t.status });
    return { structured: { ...d, subtasks: d.subtasks.map(ref) }, text: lines.join('\n') };
  },
});
