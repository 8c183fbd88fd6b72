import { z } from 'zod';
import { throwIfAborted } from '../../../guard/abort-scope.js';
import { TASK_STATUSES, type TaskRecord } from '../../../store/types.js';
import { ToolError } from '../../../toolkit/errors.js';
import { READ, READ_ONLY, taskTool } from '../define.js';
import { tasksOf } from '../deps.js';
import { Status } from '../fields.js';
import { outObject } from '../schemas.js';
import { FORMATS, MIME, renderChunk, wrapDocument } from '../transfer.js';

const PAGE = 500;
/** Most tasks one export returns; beyond it the caller narrows with filters. */
export const MAX_EXPORT = 20_000;

export const exportTasks = taskTool({
  name: 'export_tasks',
  title: 'Export tasks',
  description: 'Export tasks (all statuses unless filtered) as JSON, CSV or a Markdown checklist in an embedded resource, with progress.',
  input: z.strictObject({
    format: z.enum(FORMATS).default('json'),
    status: z.array(Status).min(1).optional(),
  }),
  output: outObject({ count: z.number().int(), uri: z.string() }),
  annotations: READ_ONLY,
  timeoutMs: 60_000, // a whole workspace in one call
  scopes: READ,
  // MCP Tasks extension: an async operation when the client declares it, in-call otherwise.
  taskSupport: 'optional',
  handler: async (args, ctx) => {
    const query = { status: args.status ?? [...TASK_STATUSES], sort: 'id' as const, limit: PAGE };
    const chunks: string[] = [];
    let cursor: string | undefined;
    let count = 0;
    for (;;) {
      throwIfAborted(ctx.signal);
      const page: { tasks: TaskRecord[]; total: number; next_cursor: string | null } = await tasksOf(ctx).listTasks(ctx.caller, { ...query, cursor });
      if (page.total > MAX_EXPORT) {
        throw new ToolError('invalid_input', `${page.total} tasks match; one export holds at most ${MAX_EXPORT}.`, {
          fields: [{ field: 'status', message: 'narrow the export with the status filter' }],
        });
      }
      chunks.push(renderChunk(args.format, page.tasks, count === 0));
      count += page.tasks.length;
      await ctx.progress(count, page.total, `exported ${count} of ${page.total}`);
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    const ext = args.format === 'markdown' ? 'md' : args.format;
    const uri = `tasks://export/${new Date().toISOString().replace(/[:.]/g, '-')}.${ext}`;
    const text = wrapDocument(args.format, chunks, count);
    return {
      structured: { count, uri },
      text: `Exported ${count} task(s) as ${args.format} (${text.length} characters), attached as ${uri}.`,
      extra: [{ type: 'resource', resource: { uri, mimeType: MIME[args.format], text } }],
    };
  },
});
