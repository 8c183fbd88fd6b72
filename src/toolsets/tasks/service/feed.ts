// Use cases: the history feed (list_changes, changes since a mark) and its cursor.
import { throwIfAborted } from '../../../guard/abort-scope.js';
import type { ChangeRecord } from '../../../store/types.js';
import { ToolError } from '../../../toolkit/errors.js';
import { PSEUDO_FIELDS } from '../history.js';
import type { ServiceCore } from './core.js';
import type { Caller, ChangeFeedInput, FieldWriter } from './model.js';

/** Changes of one task read at most to find its later changes or each field's last writer. */
export const HISTORY_SCAN = 1000;

export async function listChanges(
  core: ServiceCore,
  caller: Caller,
  input: ChangeFeedInput,
): Promise<{ changes: ChangeRecord[]; next_cursor: string; has_more: boolean }> {
  const after = decodeFeedCursor(input.cursor);
  const since = input.since === undefined ? undefined : input.since.length === 10 ? `${input.since}T00:00:00.000Z` : new Date(input.since).toISOString();
  throwIfAborted(caller.signal);
  const rows = await core.fresh(caller, (r) =>
    r.listChanges(caller.workspace, { after, task_id: input.task_id, principal: input.principal, since, limit: input.limit + 1 }),
  );
  const changes = rows.slice(0, input.limit);
  return { changes, next_cursor: encodeFeedCursor(changes.at(-1)?.seq ?? after), has_more: rows.length > input.limit };
}

export async function changesSinceMark(
  core: ServiceCore,
  caller: Caller,
  name: string,
  limit: number,
): Promise<{ changes: ChangeRecord[]; since: string; first_time: boolean }> {
  const { workspace, actor } = caller;
  const now = core.clock();
  // One read: the mark, the changes after it and (when there are none to move it to) the latest seq are seen at
  // one snapshot, so a change committed meanwhile is neither shown nor skipped by the new mark.
  const { mark, since, changes, last } = await core.fresh(caller, async (r) => {
    const mark = await r.getMark(workspace, actor.principal, name);
    const since = mark?.at ?? new Date(now.getTime() - 86_400_000).toISOString();
    const changes = await r.listChanges(workspace, mark ? { after: mark.seq, limit } : { since, limit });
    const last = changes.length > 0 || mark ? undefined : await r.lastChangeSeq(workspace);
    return { mark, since, changes, last };
  });
  const seq = changes.at(-1)?.seq ?? mark?.seq ?? last ?? 0;
  await core.store.write((w) => w.putMark(workspace, actor.principal, name, { seq, at: now.toISOString() }));
  return { changes, since, first_time: mark === undefined };
}

export async function lastChangeSeq(core: ServiceCore, caller: Caller): Promise<number> {
  return core.store.read((r) => r.lastChangeSeq(caller.workspace));
}

/** Each tracked field's last writer, from a task's changes newest first. */
export function lastWriters(newestFirst: readonly ChangeRecord[]): Record<string, FieldWriter> {
  const out: Record<string, FieldWriter> = {};
  for (const c of newestFirst) {
    for (const f of Object.keys(c.fields)) {
      if ((PSEUDO_FIELDS as readonly string[]).includes(f) || out[f]) continue;
      out[f] = { principal: c.principal, client: c.client, at: c.at, seq: c.seq };
    }
  }
  return out;
}

const FEED_CURSOR = /^c([0-9a-z]+)$/;

/** The change feed's cursor: opaque to callers, the last seq seen underneath. */
export function encodeFeedCursor(seq: number): string {
  return `c${seq.toString(36)}`;
}

function decodeFeedCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const m = FEED_CURSOR.exec(cursor);
  const seq = m ? Number.parseInt(m[1] as string, 36) : Number.NaN;
  if (!Number.isSafeInteger(seq)) {
    throw new ToolError('invalid_input', 'Invalid arguments: cursor: is not a cursor list_changes returned.', {
      fields: [{ field: 'cursor', message: 'pass next_cursor from the previous list_changes call, or omit it to start at the oldest change' }],
    });
  }
  return seq;
}
