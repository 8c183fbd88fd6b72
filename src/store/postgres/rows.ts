import type { Selectable } from 'kysely';
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

/** A task row and its dependency ids (ascending) → the port's record (actors and lease as nested objects). */
export function toTask(r: TaskRow, dependsOn: number[]): TaskRecord {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    status: r.status,
    priority: r.priority,
    labels: r.labels,
    assignee: r.assignee,
    due_date: r.due_date,
    parent_id: r.parent_id,
    depends_on: dependsOn,
    version: r.version,
    created_at: r.created_at,
    updated_at: r.updated_at,
    completed_at: r.completed_at,
    created_by: { principal: r.created_by, client: r.created_client },
    updated_by: { principal: r.updated_by, client: r.updated_client },
    lease:
      r.lease_id === null
        ? null
        : {
            lease_id: r.lease_id,
            holder: { principal: r.lease_holder as string, client: r.lease_client, client_version: r.lease_client_version },
            expires_at: r.lease_expires_at as string,
          },
  };
}

/** A comment row → the port's record. */
export function toComment(r: Selectable<Database['comments']>): CommentRecord {
  return {
    id: r.id,
    task_id: r.task_id,
    body: r.body,
    author: { principal: r.author, client: r.author_client },
    created_at: r.created_at,
  };
}
