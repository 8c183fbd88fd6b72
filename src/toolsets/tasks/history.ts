import type { ChangeKind, ChangeRecord, FieldChange, LeaseRecord, NewChange, TaskRecord } from '../../store/types.js';

/**
 * The change history's rules: which fields a change record tracks, how two versions of a task differ, and how
 * a record is shown to a caller. Engine-neutral; the service appends what {@link diffTask} returns.
 */

/** Fields a change record tracks, with their before and after values. */
export const TRACKED_FIELDS = ['title', 'description', 'status', 'priority', 'labels', 'assignee', 'due_date', 'parent_id', 'depends_on', 'lease'] as const;
export type TrackedField = (typeof TRACKED_FIELDS)[number];

/** Pseudo-fields: `deleted` (a delete or a restore), `comment` (a comment added), `reverts` (the seq a revert undid). */
export const PSEUDO_FIELDS = ['deleted', 'comment', 'reverts'] as const;

/** Change-record actor of what no caller did: a lease released on expiry. */
export const SYSTEM_ACTOR = { principal: 'taskwire', client: 'lease-expiry', client_version: null } as const;

const EMPTY: Record<TrackedField, unknown> = {
  title: '',
  description: '',
  status: null,
  priority: null,
  labels: [],
  assignee: null,
  due_date: null,
  parent_id: null,
  depends_on: [],
  lease: null,
};

function fieldValue(t: TaskRecord, f: TrackedField): unknown {
  if (f === 'depends_on') return [...t.depends_on].sort((a, b) => a - b);
  return t[f];
}

/**
 * Fields whose value differs between `before` and `after` (`null` for a task that did not exist): for a create,
 * only the fields set to something other than empty.
 */
export function diffTask(before: TaskRecord | null, after: TaskRecord): Record<string, FieldChange> {
  const out: Record<string, FieldChange> = {};
  for (const f of TRACKED_FIELDS) {
    const was = before ? fieldValue(before, f) : EMPTY[f];
    const now = fieldValue(after, f);
    if (JSON.stringify(was) !== JSON.stringify(now)) out[f] = [before ? was : null, now];
  }
  return out;
}

/** A change record for `after`, or undefined when nothing tracked changed. */
export function changeOf(kind: ChangeKind, tool: string, before: TaskRecord | null, after: TaskRecord, extra: Record<string, FieldChange> = {}): NewChange | undefined {
  const fields = { ...diffTask(before, after), ...extra };
  if (Object.keys(fields).length === 0) return undefined;
  return { task_id: after.id, kind, tool, version: after.version, fields };
}

/** A lease that still holds at `now` (ms since the epoch); an expired one is no lease. */
export function liveLease(t: Pick<TaskRecord, 'lease'>, now = Date.now()): LeaseRecord | null {
  return t.lease && Date.parse(t.lease.expires_at) > now ? t.lease : null;
}

/** A lease as others see it: the holder and the expiry, never the fencing token. */
export function publicLease(lease: LeaseRecord | null | undefined): { holder: string; client: string | null; expires_at: string } | null {
  return lease ? { holder: lease.holder.principal, client: lease.holder.client, expires_at: lease.expires_at } : null;
}

/** A change record as a caller sees it: leases without their fencing token. */
export function showChange(c: ChangeRecord): ChangeRecord {
  if (!('lease' in c.fields)) return c;
  const [before, after] = c.fields.lease as [LeaseRecord | null, LeaseRecord | null];
  return { ...c, fields: { ...c.fields, lease: [publicLease(before), publicLease(after)] } };
}

/** `#41 update by ana (claude-code) at 2026-12-01T10:00:00Z: priority medium→high, assignee ∅→bo`. */
export function changeLine(c: ChangeRecord): string {
  const who = c.client ? `${c.principal} (${c.client})` : c.principal;
  const fields = Object.entries(c.fields)
    .map(([f, [b, a]]) => `${f} ${short(b)}→${short(a)}`)
    .join(', ');
  return `#${c.seq} ${c.kind} of task ${c.task_id} by ${who} at ${c.at}${fields ? `: ${fields}` : ''}`;
}

function short(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'string') return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}…` : JSON.stringify(v);
  if (typeof v === 'object' && v !== null && 'holder' in v) return `held by ${(v as { holder: unknown }).holder}`;
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
