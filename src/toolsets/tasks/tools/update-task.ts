import { z } from 'zod';
import { ClearFields, clearedFields, refuseClearAndSet } from '../clearable.js';
import { taskTool, WRITE } from '../define.js';
import { tasksOf } from '../deps.js';
import { Assignee, DateOnly, ExpectedVersion, Force, Label, Labels, LeaseId, Priority, Status, TaskId, text } from '../fields.js';
import { cardLine, toCard } from '../format.js';
import { CardOut, outObject } from '../schemas.js';

const CHANGE_FIELDS = ['title', 'description', 'status', 'priority', 'labels', 'add_labels', 'remove_labels', 'assignee', 'due_date', 'parent_id', 'depends_on'] as const;

/** The fields of one task's update: update_task's arguments (with `force`), and one item of update_tasks. */
const UPDATE_SHAPE = {
  id: TaskId,
  expected_version: ExpectedVersion.optional(),
  lease_id: LeaseId.optional(),
  title: text(200).optional(),
  description: text(20_000, { multiline: true, min: 0 }).optional(),
  status: Status.optional(),
  priority: Priority.optional(),
  labels: Labels.optional(),
  add_labels: z.array(Label).max(20).optional(),
  remove_labels: z.array(Label).max(20).optional(),
  assignee: Assignee.optional(),
  due_date: DateOnly.optional(),
  parent_id: TaskId.optional(),
  depends_on: z.array(TaskId).max(50).optional(),
  clear: ClearFields.optional(),
};

const someChange = {
  check: (a: Partial<Record<(typeof CHANGE_FIELDS)[number], unknown>> & { clear?: readonly unknown[] }) =>
    CHANGE_FIELDS.some((f) => a[f] !== undefined) || (a.clear?.length ?? 0) > 0,
  message: `give at least one field to change (${CHANGE_FIELDS.join(', ')}) or to empty (clear)`,
};

export const UpdateFields = z.strictObject(UPDATE_SHAPE).superRefine(refuseClearAndSet).refine(someChange.check, { message: someChange.message });

/** An update's arguments as the service takes them: `clear` turned into the empty values it names. */
export function toUpdateInput<T extends { clear?: Parameters<typeof clearedFields>[0] }>({ clear, ...change }: T): Omit<T, 'clear'> {
  return { ...change, ...clearedFields(clear ?? []) };
}

export const updateTask = taskTool({
  name: 'update_task',
  title: 'Update a task',
  description:
    'Change fields of a task; omitted/null = unchanged, clear empties fields. labels and depends_on replace the lists (cycles rejected). Pass expected_version so you never overwrite another change.',
  input: z
    .strictObject({ ...UPDATE_SHAPE, force: Force.optional() })
    .superRefine(refuseClearAndSet)
    .refine(someChange.check, { message: someChange.message }),
  output: outObject({ task: CardOut, changed: z.array(z.string()) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  scopes: WRITE,
  handler: async (args, ctx) => {
    const { task, changed } = await tasksOf(ctx).updateTask(ctx.caller, toUpdateInput(args));
    const head = changed.length === 0 ? 'Nothing changed.' : `Updated ${changed.join(', ')}; now version ${task.version}.`;
    return { structured: { task: toCard(task), changed }, text: `${head}\n${cardLine(task)}` };
  },
});
