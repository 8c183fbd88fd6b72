import { z } from 'zod';
import { READ, READ_ONLY, taskTool } from '../define.js';
import { Limit, TaskId } from '../fields.js';
import { changeLine, showChange } from '../history.js';
import { ChangeOut } from '../schemas.js';

export const listChanges = taskTool({
  name: 'list_changes',
  title: 'List changes',
  description:
    "The workspace's change history, oldest first: who (principal, client) changed which task's fields, from what to what, and each change's seq for revert_changes. Pass next_cursor back to get only newer changes; it never skips or repeats one.",
  input: z.strictObject({
    task_id: TaskId.optional(),
    principal: z.string().max(200).optional(),
    since: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('ISO time or date'),
    cursor: z.string().max(40).optional(),
    limit: Limit(50, 200),
  }),
  output: z.object({ changes: z.array(ChangeOut), next_cursor: z.string(), has_more: z.boolean() }),
  annotations: READ_ONLY,
  scopes: READ,
  handler: async (args, ctx) => {
    const feed = await ctx.tasks.listChanges(ctx.caller, args);
    const changes = feed.changes.map(showChange);
    const body = changes.length === 0 ? 'No changes.' : changes.map(changeLine).join('\n');
    return { structured: { ...feed, changes }, text: `${body}\n(next_cursor "${feed.next_cursor}"${feed.has_more ? ', more to read' : ''})` };
  },
});
