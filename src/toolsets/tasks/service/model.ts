// The task service's model: who calls, and the shapes its use cases take and return.
import type { Caller as CoreCaller } from '../../../server/context.js';
import type { ChangeRecord, CommentRecord, LeaseRecord, Priority, SortKey, TaskRecord, TaskStatus } from '../../../store/types.js';

/** Told after a write commits, so subscribed clients hear about it (resources `tasks://board`, `tasks://{id}`). */
export interface ChangeSink {
  tasksChanged(workspace: string, ids: readonly number[]): void;
}

/** Who is calling (the core's {@link CoreCaller}): tasks:admin in `scopes` may pass `force` past leases. */
export type Caller = CoreCaller;

/** How a write that changes a leased task proves it holds the lease. */
export interface LeaseProof {
  /** The `lease_id` claim_task returned. */
  lease_id?: string;
  /** Override someone else's lease (needs tasks:admin among {@link Caller.scopes}). */
  force?: boolean;
}

export interface ClaimInput {
  /** A task id; absent: the best actionable task by next_task's rules (with `assignee` / `label`). */
  id?: number;
  /** Lease length in seconds (5..86,400). */
  lease_s: number;
  /** To renew a lease you hold. */
  lease_id?: string;
  assignee?: string;
  label?: string;
}

export interface ClaimResult {
  task: TaskRecord | null;
  /** The lease with its fencing token (only the claimer ever sees `lease_id`). */
  lease: LeaseRecord | null;
  renewed: boolean;
  reason: string;
}

export interface ChangeFeedInput {
  task_id?: number;
  principal?: string;
  /** ISO-8601 time or `YYYY-MM-DD`; only changes at or after it. */
  since?: string;
  cursor?: string;
  limit: number;
}

/** A field's last writer, from the change history (per-field provenance). */
export interface FieldWriter {
  principal: string;
  client: string | null;
  at: string;
  seq: number;
}

export interface NewTaskInput {
  ref?: string;
  title: string;
  description?: string;
  status?: TaskStatus;
  priority?: Priority;
  labels?: string[];
  assignee?: string;
  due_date?: string;
  /** An existing task id, or the `ref` of an earlier item of the same call. */
  parent_id?: number | string;
  depends_on?: Array<number | string>;
}

export interface UpdateInput {
  id: number;
  expected_version?: number;
  title?: string;
  description?: string;
  status?: TaskStatus;
  priority?: Priority;
  labels?: string[];
  add_labels?: string[];
  remove_labels?: string[];
  assignee?: string | null;
  due_date?: string | null;
  parent_id?: number | null;
  depends_on?: number[];
}

export interface ListInput {
  status?: TaskStatus[];
  priority?: Priority[];
  label?: string;
  assignee?: string;
  parent_id?: number | null;
  due_before?: string;
  due_after?: string;
  overdue?: boolean;
  sort: SortKey;
  order?: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

export interface SearchInput {
  query: string;
  status?: TaskStatus[];
  label?: string;
  assignee?: string;
  limit: number;
  cursor?: string;
}

export interface TaskDetail {
  task: TaskRecord;
  comments: CommentRecord[];
  comments_total: number;
  subtasks: TaskRecord[];
  dependencies: Array<Pick<TaskRecord, 'id' | 'title' | 'status'>>;
  blocked_by: number[];
  dependents: Array<Pick<TaskRecord, 'id' | 'title' | 'status'>>;
  /** With a history limit: the task's latest changes, newest first, and each tracked field's last writer. */
  history?: ChangeRecord[];
  last_writers?: Record<string, FieldWriter>;
}
