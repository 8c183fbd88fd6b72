import type { Selectable } from 'kysely';
import { commentFromColumns, taskFromColumns } from '../task-rows.js';
import type { CommentRecord, TaskRecord } from '../types.js';
import type { Database, TaskRow } from './schema.js';

/** A task row as `json_agg` renders it: timestamps with an offset instead of ISO-8601 UTC. */
export type TaskJson = TaskRow & { depends_on: number[] };
/** A comment row as `json_agg` renders it (timestamps with an offset). */
export type CommentJson = Omit<Selectable<Database['comments']>, 'workspace'>;

/** A json timestamp (`2026-12-01T11:19:25.123+00:00`) as the pool's timestamptz parser gives it: ISO-8601 UTC. */
export function isoTime(value: string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

/** A task as `json_agg` renders it → the record, timestamps as ISO-8601 UTC. */
export function fromTaskJson(r: TaskJson): TaskRecord {
  return toTask(
    {
      ...r,
      created_at: isoTime(r.created_at) as string,
      updated_at: isoTime(r.updated_at) as string,
      completed_at: isoTime(r.completed_at),
      lease_expires_at: isoTime(r.lease_expires_at),
    },
    r.depends_on,
  );
}

/** A task row and its dependency ids (ascending) → the port's record (store/task-rows.ts). */
export function toTask(r: TaskRow, dependsOn: number[]): TaskRecord {
  return taskFromColumns(r, r.labels, dependsOn);
}

/** A comment row → the port's record. */
export function toComment(r: Selectable<Database['comments']>): CommentRecord {
  return commentFromColumns(r);
}
