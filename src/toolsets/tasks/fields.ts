import { z } from 'zod';
import { PRIORITIES, TASK_STATUSES } from '../../store/types.js';
import { FORBIDDEN_CHARS } from '../../toolkit/unsafe-text.js';

/**
 * Field validators shared by every task tool: the single place where lengths,
 * formats and character rules live. Every rule says how to fix a violation.
 */

const LINE_BREAK = /[\r\n\t\u2028\u2029]/;

function describeChar(text: string, index: number): string {
  const cp = text.codePointAt(index) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} at position ${index}`;
}

/**
 * Not blank: some character other than white space. Advertised as the JSON Schema `pattern` of
 * every required text (unanchored, so it matches anywhere: ECMA-262 and JSON Schema's regex subset alike).
 */
const NON_BLANK = /\S/;

/**
 * A trimmed text field of 1..max characters; `multiline` allows tabs and line breaks; `min: 0`
 * allows empty. A required text advertises `minLength: 1` and the non-blank `pattern`; what JSON
 * Schema cannot say portably (invisible characters, single line, length after trimming) is
 * checked here and named in the error.
 */
export function text(max: number, opts: { multiline?: boolean; min?: number } = {}) {
  const min = opts.min ?? 1;
  const declared = min === 0 ? z.string() : z.string().min(1, { message: 'must not be empty', abort: true }).regex(NON_BLANK, 'must not be blank');
  return declared
    .max(max, `must be at most ${max} characters`)
    .superRefine((value, ctx) => {
      const bad = value.search(FORBIDDEN_CHARS);
      if (bad >= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `contains an invisible or bidirectional control character (${describeChar(value, bad)}); remove it`,
        });
      } else if (!opts.multiline && LINE_BREAK.test(value)) {
        ctx.addIssue({ code: 'custom', message: 'must be a single line (no tabs or line breaks)' });
      }
    })
    .transform((v) => v.trim())
    .pipe(
      z
        .string()
        .min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`)
        .max(max, `must be at most ${max} characters`),
    );
}

/** A task id: a whole number from 1, advertised as `minimum: 1` (`exclusiveMinimum` falls outside common hosts' schema subsets). */
export const TaskId = z
  .number()
  .int({ error: (issue) => (Math.abs(Number(issue.input)) > Number.MAX_SAFE_INTEGER ? 'is larger than any task id' : 'must be a whole number') })
  .min(1, 'task ids start at 1');

export const Status = z.enum(TASK_STATUSES);
export const Priority = z.enum(PRIORITIES);

const REAL_DATE = 'YYYY-MM-DD, must be a real calendar date';

/**
 * `YYYY-MM-DD`, a real calendar date (2026-02-30 is refused). Advertised as `format: "date"`
 * (RFC 3339 full-date: exactly this shape) with the rule in its description, not as a `pattern`
 * (20 tokens per field of every tools/list; the format says more). `dateOnly(what)` puts the
 * field's own wording first.
 */
export const DateOnly = z
  .string()
  // a refine, not .regex(): zod would advertise the pattern besides the format
  .refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s), { message: 'must be a date as YYYY-MM-DD, e.g. 2026-12-31', abort: true })
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'is not a real calendar date')
  .meta({ format: 'date', description: REAL_DATE });

/** `DateOnly` described as `<what>; YYYY-MM-DD, must be a real calendar date`. */
export const dateOnly = (what: string) => DateOnly.describe(`${what}; ${REAL_DATE}`);

/**
 * A label: lower-cased, trimmed, inner spaces become `-`; 1..50 characters of
 * letters, digits and `-_.:/`. Normalized, so `Bug Fix` and `bug-fix` are one label.
 */
export const Label = z
  .string()
  .max(50, 'must be at most 50 characters')
  .transform((s) => s.trim().toLowerCase().replace(/\s+/g, '-'))
  .pipe(
    z
      .string()
      .min(1, 'must not be empty')
      .max(50, 'must be at most 50 characters')
      .regex(/^[\p{L}\p{N}][\p{L}\p{N}_.:/-]*$/u, 'may contain only letters, digits and - _ . : / (starting with a letter or digit)'),
  );

export const Labels = z
  .array(Label)
  .max(20, 'at most 20 labels per task')
  .transform((labels) => [...new Set(labels)]);

/** An assignee: a name or handle. */
export const Assignee = text(100);

export const IdempotencyKey = z
  .string()
  .min(8, 'must be at least 8 characters (use a UUID)')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9._:-]+$/, 'may contain only letters, digits and . _ : -')
  .describe('e.g. a UUID');

/** The version the caller read; a write on a task changed since fails with version_conflict (explained in the server instructions). */
export const ExpectedVersion = z.number().int().min(1, 'versions start at 1');

/** The fencing token claim_task returned; required to change a task you hold. */
export const LeaseId = z
  .string()
  .max(64)
  .regex(/^lease_[A-Za-z0-9_-]+$/, 'must be the lease_id claim_task returned');

/** Override another holder's lease (tasks:admin only). */
export const Force = z.boolean().describe('Admins: override a lease');

export const Limit = (def: number, max: number) => z.number().int().min(1, 'must be at least 1').max(max, `must be at most ${max}`).default(def);

export const Cursor = z.string().max(200).describe('next_cursor of the previous page');

/** Result budget of one page, in tokens (o200k_base); the server default applies when omitted. */
export const MaxTokens = z.number().int().min(200, 'must be at least 200');
