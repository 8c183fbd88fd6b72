import { z } from 'zod';
import { taskTool, WRITE } from '../define.js';
import { tasksOf } from '../deps.js';
import { changeLine, showChange } from '../history.js';
import { ChangeOut, outObject } from '../schemas.js';

export const revertChanges = taskTool({
  name: 'revert_changes',
  title: 'Undo changes',
  description:
    'Undo changes atomically, by seq (list_changes, get_task history) or your last N: restores before-values and trashed tasks. A field changed since: version_conflict (force: restore anyway).',
  input: z.strictObject({
    seqs: z.array(z.number().int().min(1)).min(1).max(200).optional(),
    mine_last: z.number().int().min(1).max(200).optional().describe('Your N latest changes'),
    force: z.boolean().optional(),
  }),
  output: outObject({ reverted: z.array(z.number().int()), changes: z.array(ChangeOut) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  scopes: WRITE,
  handler: async (args, ctx) => {
    const r = await tasksOf(ctx).revertChanges(ctx.caller, args);
    const changes = r.changes.map(showChange);
    return {
      structured: { reverted: r.reverted, changes },
      text: [`Reverted ${r.reverted.map((s) => `#${s}`).join(', ')}:`, ...changes.map(changeLine)].join('\n'),
    };
  },
});
