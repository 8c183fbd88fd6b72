/** Tasks as the store keeps them: statuses, priorities, who acted, leases, task and comment rows, new tasks and patches. */

/** A task's statuses, in workflow order. */
export const TASK_STATUSES = ['todo', 'in_progress', 'blocked', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** Statuses that count as finished: a dependency in one of these no longer blocks. */
export const CLOSED_STATUSES: readonly TaskStatus[] = ['done', 'cancelled'];

/** Task priorities, least urgent first. */
export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Who made a change: the authenticated principal and the MCP client it came through. */
export interface Actor {
  principal: string;
  /** `clientInfo.name` of the MCP client, when it sent one. */
  client: string | null;
  /** `clientInfo.version` of the MCP client, when it sent one (kept in the change history, not on task rows). */
  client_version?: string | null;
}

/**
 * A claim on a task (claim_task): while `expires_at` is in the future, writes that change the task must carry
 * `lease_id` (a fencing token). An expired lease is no lease: the service releases it on the next read or claim.
 */
export interface LeaseRecord {
  /** Opaque, random; shown to the claimer only (claim_task's result), never in lists or history. */
  lease_id: string;
  holder: Actor;
  /** ISO-8601 UTC. */
  expires_at: string;
}

/** A task as stored: the {@link TaskFields} plus what the store keeps. Times are ISO-8601 UTC strings; `due_date` is `YYYY-MM-DD`. */
export interface TaskRecord extends TaskFields {
  id: number;
  depends_on: number[];
  version: number;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  created_by: Actor;
  updated_by: Actor;
  /** The current lease as stored (possibly expired: the service masks and releases expired ones). */
  lease: LeaseRecord | null;
}

/** A comment as stored, on task `task_id`; `created_at` is ISO-8601 UTC. */
export interface CommentRecord {
  id: number;
  task_id: number;
  body: string;
  author: Actor;
  created_at: string;
}

/**
 * Fields of a new task; the store assigns id, version, `created_at` and `updated_at`. `completed_at` is the
 * caller's (the task service sets it for a task created `done`); absent means null.
 */
export interface NewTask extends TaskFields {
  completed_at?: string | null;
}

/** The fields a caller sets on a task (create, update); `due_date` is `YYYY-MM-DD`. */
export interface TaskFields {
  title: string;
  description: string;
  status: TaskStatus;
  priority: Priority;
  labels: string[];
  assignee: string | null;
  due_date: string | null;
  parent_id: number | null;
}

/** A partial update; `undefined` leaves a field as it is, `null` clears a nullable one. */
export type TaskPatch = Partial<Omit<NewTask, 'labels'>> & { labels?: string[]; completed_at?: string | null; lease?: LeaseRecord | null };

/** A write call's result kept under its idempotency key (per workspace), replayed when the key comes again. */
export interface IdempotencyRecord {
  tool: string;
  args_hash: string;
  /** The JSON the original call returned, replayed verbatim on a retry. */
  result: string;
  created_at: string;
}
