import { z } from 'zod';

/**
 * Output schemas of the task tools (advertised as each tool's `outputSchema`;
 * results carry matching `structuredContent`). Cards are the compact form used
 * in lists: empty fields are omitted to save tokens.
 */

// Plain strings in output schemas: the enums are advertised once, in the input schemas; every
// repetition here would be paid for in every client's context window.
const StatusOut = z.string();
const PriorityOut = z.string();

export const ActorOut = z.object({
  principal: z.string(),
  client: z.string().nullable(),
});

/** A lease as shown to everyone: holder and expiry (the fencing token only in claim_task's result). */
export const LeaseOut = z.object({ holder: z.string(), client: z.string().nullable(), expires_at: z.string() });

export const TaskCardOut = z.object({
  id: z.number().int(),
  title: z.string(),
  status: z.string(),
  priority: z.string(),
  version: z.number().int(),
  labels: z.array(z.string()).optional(),
  assignee: z.string().optional(),
  due_date: z.string().optional(),
  parent_id: z.number().int().optional(),
  depends_on: z.array(z.number().int()).optional(),
  lease: LeaseOut.optional().describe('Claimed: by whom, until when'),
});

export const TaskOut = z.object({
  id: z.number().int(),
  title: z.string(),
  description: z.string(),
  status: StatusOut,
  priority: PriorityOut,
  labels: z.array(z.string()),
  assignee: z.string().nullable(),
  due_date: z.string().nullable(),
  parent_id: z.number().int().nullable(),
  depends_on: z.array(z.number().int()),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  completed_at: z.string().nullable(),
  created_by: ActorOut,
  updated_by: ActorOut,
  lease: LeaseOut.nullable(),
});

/** One change record (list_changes, get_task history). `fields`: {name: [before, after]}. */
export const ChangeOut = z.object({
  seq: z.number().int(),
  at: z.string(),
  principal: z.string(),
  client: z.string().nullable(),
  tool: z.string(),
  kind: z.string(),
  task_id: z.number().int(),
  version: z.number().int().nullable(),
  fields: z.record(z.string(), z.array(z.unknown())),
});

export const CommentOut = z.object({
  id: z.number().int(),
  task_id: z.number().int(),
  body: z.string(),
  author: ActorOut,
  created_at: z.string(),
});

export const TaskRefOut = z.object({ id: z.number().int(), title: z.string(), status: z.string() });

export const StatsOut = z.object({
  total: z.number().int(),
  by_status: z.record(z.string(), z.number().int()),
  by_priority: z.record(z.string(), z.number().int()).describe('Open tasks only'),
  by_label: z.record(z.string(), z.number().int()).describe('Open tasks only, top 50'),
  by_assignee: z.record(z.string(), z.number().int()).describe('Open tasks only, top 50'),
  overdue: z.number().int(),
  completed_last_7_days: z.number().int(),
  completed_last_30_days: z.number().int(),
});

/** Paging fields; their meaning is in each tool's description, not repeated here. */
export const PageOut = {
  total: z.number().int(),
  next_cursor: z.string().nullable(),
  truncated: z.boolean(),
};
