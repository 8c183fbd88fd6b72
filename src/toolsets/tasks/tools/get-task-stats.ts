import { z } from 'zod';
import { READ, READ_ONLY, taskTool } from '../define.js';
import { tasksOf } from '../deps.js';
import { StatsOut } from '../schemas.js';

export const getTaskStats = taskTool({
  name: 'get_task_stats',
  title: 'Task statistics',
  description: 'Counts: tasks by status; open tasks by priority, label, assignee (top 50); overdue; done in the last 7 and 30 days. A cheap overview.',
  input: z.strictObject({}),
  output: StatsOut,
  annotations: READ_ONLY,
  scopes: READ,
  handler: async (_args, ctx) => {
    const s = await tasksOf(ctx).stats(ctx.caller);
    const fmt = (r: Record<string, number>) =>
      Object.entries(r)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none';
    const text = [
      `${s.total} task(s): ${fmt(s.by_status)}.`,
      `Open by priority: ${fmt(s.by_priority)}.`,
      `Open by assignee: ${fmt(s.by_assignee)}.`,
      `Open by label: ${fmt(s.by_label)}.`,
      `Overdue: ${s.overdue}. Completed in the last 7 days: ${s.completed_last_7_days}, 30 days: ${s.completed_last_30_days}.`,
    ].join('\n');
    return { structured: s, text };
  },
});
