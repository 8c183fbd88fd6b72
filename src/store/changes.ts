/** The change history, the trash and retention: what a write appends beside the tasks it changed. */

import type { CommentRecord, TaskRecord } from './task-records.js';

/** What a change record says happened to one task. */
export const CHANGE_KINDS = ['create', 'update', 'complete', 'delete', 'restore', 'comment', 'claim', 'renew', 'release', 'expire', 'import', 'revert'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One field's value before and after a change (`null` before = it did not exist: a create). */
export type FieldChange = [before: unknown, after: unknown];

/** A change record as the service builds it; the store adds seq, time and who. */
export interface NewChange {
  task_id: number;
  kind: ChangeKind;
  /** The use case (tool) that made it: `update_task`, `claim_task`, `lease_expiry`, ... */
  tool: string;
  /** The task's version after the change (null when the task no longer exists: a delete). */
  version: number | null;
  /** Changed fields; pseudo-fields: `deleted` (delete/restore), `comment` (a comment added). */
  fields: Record<string, FieldChange>;
}

/** A stored change record: one per task a write touched, appended in that write's transaction. */
export interface ChangeRecord extends NewChange {
  /** Monotonic per workspace, gap-free in commit order: a feed that reads `seq > n` never skips or repeats. */
  seq: number;
  /** ISO-8601 UTC. */
  at: string;
  principal: string;
  client: string | null;
  client_version: string | null;
}

/** Filters of {@link TaskReader.listChanges}. */
export interface ChangeQuery {
  /** Only changes with `seq` greater than this (the feed's cursor). */
  after?: number;
  /** Only changes with `seq` less than this (paging backwards, newest first). */
  before?: number;
  task_id?: number;
  principal?: string;
  /** Inclusive lower bound on `at` (ISO-8601). */
  since?: string;
  limit: number;
  /** Newest first (history); default oldest first (the feed). */
  newest_first?: boolean;
}

/** Everything needed to bring a deleted task back: its row, its comments, and who depended on it. */
export interface TaskSnapshot {
  task: TaskRecord;
  comments: CommentRecord[];
  /** Ids of tasks whose `depends_on` contained this task when it was deleted. */
  dependents: number[];
}

/** A task in the trash (delete_task), restorable by reverting the delete change `seq`. */
export interface TrashRecord {
  task_id: number;
  /** The task delete_task was called on; its subtasks deleted with it share its root. */
  root_id: number;
  /** The delete change of this task. */
  seq: number;
  deleted_at: string;
  deleted_by: string;
  snapshot: TaskSnapshot;
}

/** Retention limits for {@link TaskStore.prune}: rows older than these ISO-8601 times go, in every workspace. */
export interface PruneBefore {
  changes?: string;
  trash?: string;
}
