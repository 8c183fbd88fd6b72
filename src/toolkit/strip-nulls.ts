import type { Annotations } from './define.js';

/**
 * "Not given" as hosts in OpenAI strict mode spell it. Strict function calling
 * (the OpenAI Agents SDK's `convertSchemasToStrict`, and other strict hosts)
 * makes every property required and nullable, so the model sends `null` for
 * every argument it does not mean to give. For a write tool, reading such a
 * `null` as "clear this field" would silently destroy data; so before
 * validation, Taskwire drops null-valued properties from the arguments of
 * every write tool, and `null` means exactly what omitting the property means.
 * Clearing a field is an explicit argument instead (`update_task clear`).
 *
 * Read-only tools get their arguments as sent: there `null` can be a real
 * value (`list_tasks parent_id: null` = top-level tasks only), and a read
 * cannot destroy anything.
 */

/**
 * A copy of `value` without null-valued properties, at any depth: in plain
 * objects, in objects nested in them and in objects inside arrays.
 *
 * - `{a: null, b: {c: null, d: 1}}` → `{b: {d: 1}}`
 * - `{tasks: [{title: 'x', due_date: null}]}` → `{tasks: [{title: 'x'}]}`
 * - Array *elements* that are `null` are kept (`[1, null]` stays): an element
 *   is a value, not an omitted argument, and validation reports it.
 * - Anything that is not a plain object or an array (strings, numbers, `null`
 *   itself, class instances) is returned as is. `value` is never mutated.
 *
 * Never throws; JSON-RPC arguments are trees, so the recursion ends.
 */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== null) out[key] = stripNulls(item);
  }
  return out;
}

/**
 * The arguments Taskwire validates for a call: `args` with nulls stripped
 * ({@link stripNulls}) for a write tool (`readOnlyHint: false`, so every
 * future write tool too), `args` unchanged for a read-only one.
 */
export function argumentsToValidate(annotations: Pick<Annotations, 'readOnlyHint'>, args: unknown): unknown {
  return annotations.readOnlyHint ? args : stripNulls(args);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
