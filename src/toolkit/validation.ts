import type { z } from 'zod';
import { type FieldError, ToolError } from './errors.js';

/** `['tasks', 2, 'due_date']` → `tasks[2].due_date`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(arguments)';
}

/**
 * Parse `value` with `schema`; on failure throw `ToolError('invalid_input')`
 * listing every failing field, so the model can fix all of them in one retry.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'arguments'): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fields: FieldError[] = result.error.issues.slice(0, 20).map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')}): remove them` : '';
    return { field: fieldPath(issue.path), message: issue.message + keys };
  });
  const first = fields[0] as FieldError;
  const more = fields.length > 1 ? ` (and ${fields.length - 1} more)` : '';
  throw new ToolError('invalid_input', `Invalid ${what}: ${first.field}: ${first.message}${more}`, {
    fields,
    hint: 'Fix the listed fields and call again; the input schema in tools/list gives every limit.',
  });
}
