import { z } from 'zod';
import { type FieldError, ToolError } from '../../../toolkit/errors.js';
import { fieldPath } from '../../../toolkit/validation.js';
import { taskTool, WRITE } from '../define.js';
import { tasksOf } from '../deps.js';
import { IdempotencyKey } from '../fields.js';
import { outObject } from '../schemas.js';
import type { NewTaskInput } from '../service.js';
import { FORMATS, parseRows } from '../transfer.js';
import { NewTaskItem } from './create-tasks.js';

/** Most rows one import takes. */
export const MAX_IMPORT = 5000;

export const importTasks = taskTool({
  name: 'import_tasks',
  title: 'Import tasks',
  description:
    'Create up to 5000 tasks atomically from CSV (header: title,status,...), JSON (create_tasks items) or a Markdown checklist (indented = subtask). Names a bad row; cancel rolls back.',
  input: z.strictObject({
    format: z.enum(FORMATS),
    data: z.string().min(1, 'must not be empty').max(1_000_000, 'must be at most 1000000 characters; split the import'),
    idempotency_key: IdempotencyKey.optional(),
  }),
  output: outObject({
    imported: z.number().int(),
    first_id: z.number().int().optional(),
    last_id: z.number().int().optional(),
    replayed: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  timeoutMs: 60_000, // a whole workspace in one call
  scopes: WRITE,
  // MCP Tasks extension: an async operation when the client declares it, in-call otherwise.
  taskSupport: 'optional',
  handler: async (args, ctx) => {
    const rows = parseRows(args.format, args.data);
    if (rows.length > MAX_IMPORT) {
      throw new ToolError('invalid_input', `${rows.length} rows; one import takes at most ${MAX_IMPORT}.`, {
        fields: [{ field: 'data', message: `split into imports of at most ${MAX_IMPORT} rows` }],
      });
    }
    const items: NewTaskInput[] = [];
    const fields: FieldError[] = [];
    for (const [i, row] of rows.entries()) {
      const parsed = NewTaskItem.safeParse(row);
      if (parsed.success) items.push(parsed.data);
      else for (const issue of parsed.error.issues) fields.push({ field: `row ${i + 1}.${fieldPath(issue.path)}`, message: issue.message });
      if (fields.length >= 20) break;
    }
    if (fields.length > 0) {
      const first = fields[0] as FieldError;
      throw new ToolError(
        'invalid_input',
        `Invalid import, nothing was written: ${first.field}: ${first.message}${fields.length > 1 ? ` (and ${fields.length - 1} more)` : ''}`,
        {
          fields,
          hint: 'Rows are numbered from 1 (the first task, after any CSV header). Fix them and import again.',
        },
      );
    }
    const result = await tasksOf(ctx).importTasks(ctx.caller, items, {
      idempotencyKey: args.idempotency_key,
      onProgress: (done, total) => ctx.progress(done, total, `imported ${done} of ${total}`),
    });
    const range = result.first_id === null ? '' : ` (ids ${result.first_id}-${result.last_id})`;
    const head = result.replayed ? 'Already imported by an earlier call with this idempotency_key (nothing new written)' : 'Imported';
    return {
      structured: {
        imported: result.count,
        ...(result.first_id === null ? {} : { first_id: result.first_id, last_id: result.last_id ?? result.first_id }),
        replayed: result.replayed,
      },
      text: `${head}: ${result.count} task(s)${range}.`,
    };
  },
});
