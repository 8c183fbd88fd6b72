import { z } from 'zod';
import { READ, READ_ONLY, taskTool } from '../define.js';
import { tasksOf } from '../deps.js';
import { Limit, TaskId } from '../fields.js';
import { changeLine, showChange } from '../history.js';
import { ChangeOut, outObject } from '../schemas.js';

/**
 * `since`: a date (`YYYY-MM-DD`), or a date and time with seconds and a zone (`Z` or `±hh:mm`),
 * the forms `z.iso.date()` and `z.iso.datetime({ offset: true })` take. Declared with a short
 * pattern (theirs cost ~250 tokens of every tools/list); the ranges are checked by `isRealInstant`.
 */
const ISO_SINCE = /^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d))?$/;

const Since = z
  .string()
  .regex(ISO_SINCE, { message: 'must be an ISO date or time, e.g. 2026-12-31 or 2026-12-31T09:00:00Z', abort: true })
  .refine(isRealInstant, 'is not a real calendar date and time');

/** A calendar date that exists, hours 00-23, minutes and seconds 00-59, a zone within ±23:59. */
function isRealInstant(s: string): boolean {
  const [date, time] = s.split('T') as [string, string | undefined];
  const day = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== date) return false;
  if (time === undefined) return true;
  const [h = 0, m = 0, sec = 0] = time.slice(0, 8).split(':').map(Number);
  const zone = /[+-](\d\d):(\d\d)$/.exec(time);
  return h < 24 && m < 60 && sec < 60 && (zone === null || (Number(zone[1]) < 24 && Number(zone[2]) < 60));
}

export const listChanges = taskTool({
  name: 'list_changes',
  title: 'List changes',
  description:
    "Change history, oldest first: who changed which task's fields, from what to what; seq names a change for revert_changes. Pass next_cursor back for only newer changes, none skipped.",
  input: z.strictObject({
    task_id: TaskId.optional(),
    principal: z.string().max(200).optional(),
    since: Since.optional().describe('ISO date or time'),
    cursor: z.string().max(40).optional(),
    limit: Limit(50, 200),
  }),
  output: outObject({ changes: z.array(ChangeOut), next_cursor: z.string(), has_more: z.boolean() }),
  annotations: READ_ONLY,
  scopes: READ,
  handler: async (args, ctx) => {
    const feed = await tasksOf(ctx).listChanges(ctx.caller, args);
    const changes = feed.changes.map(showChange);
    const body = changes.length === 0 ? 'No changes.' : changes.map(changeLine).join('\n');
    return { structured: { ...feed, changes }, text: `${body}\n(next_cursor "${feed.next_cursor}"${feed.has_more ? ', more to read' : ''})` };
  },
});
