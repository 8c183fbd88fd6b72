import { z } from 'zod';
import type { UpdateInput } from './service.js';

/**
 * `update_task clear`: the one way to empty a field. `null` cannot be it:
 * strict-mode hosts send `null` for every argument not meant, so for write
 * tools `null` means "not given" (toolkit/strip-nulls.ts).
 *
 * Each clearable field and the value the service's `UpdateInput` takes for
 * "empty": no assignee, no due date, top level (no parent), no labels, no
 * dependencies, an empty description. `title`, `status` and `priority` always
 * have a value, so they are not clearable.
 */
export const CLEARED = {
  assignee: null,
  due_date: null,
  parent_id: null,
  labels: [],
  depends_on: [],
  description: '',
} as const satisfies Partial<Record<keyof UpdateInput, unknown>>;

export type Clearable = keyof typeof CLEARED;

export const CLEARABLE = Object.keys(CLEARED) as [Clearable, ...Clearable[]];

/** The `clear` argument: a list of field names (duplicates harmless). */
export const ClearFields = z.array(z.enum(CLEARABLE));

/**
 * Zod refinement for an update's arguments: a field both named in `clear` and
 * given a value is an issue at that field's path (`invalid_input` naming it,
 * through toolkit/validation.ts), since the call says two things about it.
 */
export function refuseClearAndSet(args: { clear?: readonly Clearable[] } & Partial<Record<Clearable, unknown>>, ctx: z.RefinementCtx): void {
  for (const field of new Set(args.clear ?? [])) {
    if (args[field] === undefined) continue;
    ctx.addIssue({ code: 'custom', path: [field], message: `is also named in clear: give ${field} a value or clear it, not both` });
  }
}

/** The `UpdateInput` fields that empty each field named in `clear`, e.g. `['labels']` → `{labels: []}`. */
export function clearedFields(clear: readonly Clearable[]): Partial<Pick<UpdateInput, Clearable>> {
  const out: Record<string, unknown> = {};
  for (const field of clear) out[field] = structuredClone(CLEARED[field]);
  return out as Partial<Pick<UpdateInput, Clearable>>;
}
