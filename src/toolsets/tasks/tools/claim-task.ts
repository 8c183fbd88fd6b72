import { z } from 'zod';
import { taskTool, WRITE } from '../define.js';
import { tasksOf } from '../deps.js';
import { Assignee, Label, LeaseId, TaskId } from '../fields.js';
import { cardLine, toCard } from '../format.js';
import { CardOut, outObject } from '../schemas.js';

export const claimTask = taskTool({
  name: 'claim_task',
  title: 'Claim a task',
  description:
    "Take a task before working on it: in_progress under a lease (others' writes get lease_conflict) until it expires. No id: the best actionable task. Pass lease_id to later writes; claim with it again to renew.",
  input: z.strictObject({
    id: TaskId.optional(),
    lease_s: z.number().int().min(5).max(86_400).default(900).describe('Seconds'),
    lease_id: LeaseId.optional().describe('To renew it'),
    assignee: Assignee.optional().describe('Without id: only theirs'),
    label: Label.optional().describe('Without id: only with it'),
  }),
  output: outObject({
    task: CardOut.nullable(),
    lease_id: z.string().nullable(),
    lease_expires_at: z.string().nullable(),
    renewed: z.boolean(),
    reason: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  scopes: WRITE,
  handler: async (args, ctx) => {
    const r = await tasksOf(ctx).claimTask(ctx.caller, args);
    const text = r.task ? `${r.reason}\nlease_id: ${r.lease?.lease_id}\n${cardLine(r.task)}` : r.reason;
    return {
      structured: {
        task: r.task && toCard(r.task),
        lease_id: r.lease?.lease_id ?? null,
        lease_expires_at: r.lease?.expires_at ?? null,
        renewed: r.renewed,
        reason: r.reason,
      },
      text,
    };
  },
});
