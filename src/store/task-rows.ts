import type { CommentRecord, Priority, TaskRecord, TaskStatus } from './task-records.js';

/**
 * A `tasks` row as both engines name its columns (times ISO-8601 UTC, `due_date` `YYYY-MM-DD`); the labels and
 * dependency ids come beside it, as each engine reads them its own way.
 */
export interface TaskColumns {
  id: number;
  title: string;
  description: string;
  status: TaskStatus;
  priority: Priority;
  assignee: string | null;
  due_date: string | null;
  parent_id: number | null;
  version: number;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  created_by: string;
  created_client: string | null;
  updated_by: string;
  updated_client: string | null;
  lease_id: string | null;
  lease_holder: string | null;
  lease_client: string | null;
  lease_client_version: string | null;
  lease_expires_at: string | null;
}

/** A `comments` row as both engines name its columns. */
export interface CommentColumns {
  id: number;
  task_id: number;
  body: string;
  author: string;
  author_client: string | null;
  created_at: string;
}

/** A task row, its labels and its dependency ids (ascending) → the port's record (actors and lease as nested objects). */
export function taskFromColumns(r: TaskColumns, labels: string[], dependsOn: number[]): TaskRecord {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    status: r.status,
    priority: r.priority,
    labels,
    assignee: r.assignee ?? null,
    due_date: r.due_date ?? null,
    parent_id: r.parent_id ?? null,
    depends_on: dependsOn,
    version: r.version,
    created_at: r.created_at,
    updated_at: r.updated_at,
    completed_at: r.completed_at ?? null,
    created_by: { principal: r.created_by, client: r.created_client ?? null },
    updated_by: { principal: r.updated_by, client: r.updated_client ?? null },
    lease:
      r.lease_id == null
        ? null
        : {
            lease_id: r.lease_id,
            holder: { principal: r.lease_holder as string, client: r.lease_client ?? null, client_version: r.lease_client_version ?? null },
            expires_at: r.lease_expires_at as string,
          },
  };
}

/** A comment row → the port's record. */
export function commentFromColumns(r: CommentColumns): CommentRecord {
  return { id: r.id, task_id: r.task_id, body: r.body, author: { principal: r.author, client: r.author_client ?? null }, created_at: r.created_at };
}
