import { z } from 'zod';
import { taskTool, WRITE } from '../define.js';
import { Assignee, Label, LeaseId, TaskId } from '../fields.js';
import { cardLine, toCard } from '../format.js';
import { TaskCardOut } from '../schemas.js';

export const claimTask = taskTool({
  name: 'claim_task',
  title: 'Claim a task',
  description:
    'Take a task for yourself before working on it: sets in_progress with a lease that others cannot write through (they get lease_conflict). No id: claims the best actionable task (as next_task). Pass lease_id to later writes; claim again with it to renew. An expired lease frees the task.',
  input: z.strictObject({
    id: TaskId.optional().describe('Default: the best actionable task'),
    lease_s: z.number().int().min(5).max(86_400).default(900).describe('Lease length, seconds'),
    lease_id: LeaseId.optional().describe('Renew the lease you hold'),
    assignee: Assignee.optional().describe('Without id: only tasks assigned to this person'),
    label: Label.optional().describe('Without id: only tasks with this label'),
  }),
  output: z.object({
    task: TaskCardOut.nullable(),
    lease_id: z.string().nullable(),
    expires_at: z.string().nullable(),
    renewed: z.boolean(),
    reason: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  scopes: WRITE,
  handler: async (args, ctx) => {
    const r = await ctx.tasks.claimTask(ctx.caller, args);
    const text = r.task ? `${r.reason}\nlease_id: ${r.lease?.lease_id}\n${cardLine(r.task)}` : r.reason;
    return {
      structured: { task: r.task && toCard(r.task), lease_id: r.lease?.lease_id ?? null, expires_at: r.lease?.expires_at ?? null, renewed: r.renewed, reason: r.reason },
      text,
    };
  },
});
