import { z } from 'zod';

/**
 * Output schemas of the task tools (advertised as each tool's `outputSchema`;
 * results carry matching `structuredContent`).
 *
 * Advertised schemas are deliberately shallow, since every tools/list is paid
 * for in every client's context window: a nested card, task, comment or change
 * declares only its key properties, and no object lists `required` (a
 * result's properties are all declared and typed; the handlers always return
 * them). Objects stay open (advertise.ts drops zod's `additionalProperties:
 * false` from output schemas), so the full records the handlers return
 * validate. Fields and their meaning are documented once, in tasks://schema.
 */

/** An output object: the given properties typed, none required, others allowed. */
export function outObject<S extends z.ZodRawShape>(shape: S) {
  return z.object(shape).partial();
}

const Int = z.number().int();

/** A task by its key properties (version feeds expected_version): a card in lists, the whole task in get_task. */
export const CardOut = outObject({ id: Int, version: Int });

/** A task in get_task's subtask and dependency lists. */
export const TaskRefOut = outObject({ id: Int });

/** One change record (list_changes, get_task history, revert_changes); seq is what revert_changes takes. */
export const ChangeOut = outObject({ seq: Int, task_id: Int, kind: z.string() });

export const CommentOut = outObject({ id: Int, body: z.string() });

/**
 * The full compact card `toCard` builds (empty fields omitted): its TypeScript
 * type. Not advertised: tools declare `CardOut`, its key properties.
 */
export const TaskCardOut = z.object({
  id: Int,
  title: z.string(),
  status: z.string(),
  priority: z.string(),
  version: Int,
  labels: z.array(z.string()).optional(),
  assignee: z.string().optional(),
  due_date: z.string().optional(),
  parent_id: Int.optional(),
  depends_on: z.array(Int).optional(),
  lease: z.object({ holder: z.string(), client: z.string().nullable(), expires_at: z.string() }).optional(),
});

const Counts = z.record(z.string(), Int);

export const StatsOut = outObject({
  total: Int,
  by_status: Counts,
  by_priority: Counts,
  by_label: Counts,
  by_assignee: Counts,
  overdue: Int,
  completed_last_7_days: Int,
  completed_last_30_days: Int,
});

/** Paging fields; their meaning is in each tool's description, not repeated here. */
export const PageOut = {
  total: Int,
  next_cursor: z.string().nullable(),
  truncated: z.boolean(),
};
