import { z } from 'zod';
import { BOARD_APP_URI } from '../../../board/app-view.js';
import { SORT_KEYS } from '../../../store/types.js';
import { tokenFit } from '../budget.js';
import { READ, READ_ONLY, taskTool } from '../define.js';
import { tasksOf } from '../deps.js';
import { Assignee, Cursor, dateOnly, Label, Limit, MaxTokens, Priority, Status, TaskId } from '../fields.js';
import { idRef, pageFooter, pageIds, toCard } from '../format.js';
import { CardOut, outObject, PageOut } from '../schemas.js';

export const listTasks = taskTool({
  name: 'list_tasks',
  title: 'List tasks',
  description: 'List tasks as compact cards, filtered and sorted. total counts all matches; pass next_cursor back as cursor (null: last page).',
  input: z.strictObject({
    status: z.array(Status).min(1).optional().describe('Default: todo, in_progress, blocked'),
    priority: z.array(Priority).min(1).optional(),
    label: Label.optional(),
    assignee: Assignee.optional(),
    parent_id: TaskId.nullable().optional().describe('Its subtasks; null: top-level tasks only'),
    due_before: dateOnly('Due on or before').optional(),
    due_after: dateOnly('Due on or after').optional(),
    overdue: z.boolean().optional().describe('Open tasks past due'),
    sort: z.enum(SORT_KEYS).default('priority').describe('priority: highest first'),
    order: z.enum(['asc', 'desc']).optional(),
    limit: Limit(20, 100),
    cursor: Cursor.optional(),
    max_tokens: MaxTokens.optional(),
  }),
  output: outObject({ tasks: z.array(CardOut), ...PageOut }),
  annotations: READ_ONLY,
  scopes: READ,
  ui: BOARD_APP_URI,
  handler: async (args, ctx) => {
    const { max_tokens, ...query } = args;
    const keep = max_tokens === undefined ? undefined : tokenFit(max_tokens, toCard, idRef);
    const page = await tasksOf(ctx).listTasks(ctx.caller, query, keep);
    return {
      structured: { tasks: page.tasks.map(toCard), total: page.total, next_cursor: page.next_cursor, truncated: page.truncated },
      text: pageIds(page.tasks) + pageFooter(page.tasks.length, page.total, page.next_cursor, page.truncated),
    };
  },
});
