/**
 * The storage port: everything above this file speaks these types, never SQL.
 *
 * One port, several engines (SQLite today, PostgreSQL next), one contract
 * test suite (`test/store/contract.ts`) that every engine passes. Engine
 * errors are translated inside the engine into {@link StoreError}; nothing
 * above the store sees a driver error.
 *
 * Every method takes the workspace first: multi-tenancy is a filter on every
 * query, never a property of the connection.
 */

import type { ApiKeyStore } from './api-keys.js';
import type { AuditLog } from './audit-log.js';
import type { ChangeQuery, ChangeRecord, NewChange, PruneBefore, TrashRecord } from './changes.js';
import type { Counted, ListQuery, SearchHit, SearchQuery, TaskDetailRecord } from './queries.js';
import type { StatCounts, StatWindow } from './stats.js';
import type { Actor, CommentRecord, IdempotencyRecord, NewTask, TaskPatch, TaskRecord } from './task-records.js';

/** Read operations. All ids are per workspace; a missing id answers `undefined`, never another workspace's row. */
export interface TaskReader {
  getTask(workspace: string, id: number): Promise<TaskRecord | undefined>;
  getTasks(workspace: string, ids: readonly number[]): Promise<TaskRecord[]>;
  listTasks(workspace: string, query: ListQuery): Promise<Counted<TaskRecord>>;
  searchTasks(workspace: string, query: SearchQuery): Promise<Counted<SearchHit>>;
  listComments(workspace: string, taskId: number, limit: number): Promise<Counted<CommentRecord>>;
  /**
   * A task with its newest `commentsLimit` comments, subtasks, dependencies and dependents, as getTask, listComments,
   * subtasks, getTasks(depends_on) and dependents answer them; undefined when the task does not exist. PostgreSQL
   * reads it in one statement (get_task's round trips).
   */
  taskDetail(workspace: string, id: number, commentsLimit: number): Promise<TaskDetailRecord | undefined>;
  /** Direct subtasks of a task. */
  subtasks(workspace: string, parentId: number): Promise<TaskRecord[]>;
  /** Tasks whose `depends_on` contains `id`. */
  dependents(workspace: string, id: number): Promise<TaskRecord[]>;
  /**
   * Every dependency edge reachable from `from` (following `depends_on`),
   * as [task, dependsOn] pairs; used to reject cycles.
   */
  dependencyClosure(workspace: string, from: readonly number[]): Promise<Array<[number, number]>>;
  /** Ancestors of a task via `parent_id`, nearest first. */
  ancestors(workspace: string, id: number): Promise<number[]>;
  /**
   * Open (`todo`) tasks all of whose dependencies are closed and that have no
   * open subtasks, best first: priority, then due date (none last), then age.
   */
  actionableTasks(workspace: string, filter: { assignee?: string; label?: string }, limit: number): Promise<TaskRecord[]>;
  /** How many `todo` tasks still wait on an open dependency. */
  countWaitingOnDependencies(workspace: string): Promise<number>;
  /** The raw counts task_stats is assembled from (see {@link StatCounts}), against `window`; counters kept on write, no row scan. */
  countTasks(workspace: string, window: StatWindow): Promise<StatCounts>;
  getIdempotency(workspace: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Change records matching `q`, oldest first (or newest first with `newest_first`), at most `q.limit`. */
  listChanges(workspace: string, q: ChangeQuery): Promise<ChangeRecord[]>;
  /** These change records, by seq (missing ones are left out), ascending. */
  getChanges(workspace: string, seqs: readonly number[]): Promise<ChangeRecord[]>;
  /** The workspace's latest change seq (0 when none). */
  lastChangeSeq(workspace: string): Promise<number>;
  /** Trash entries of these task ids (missing ones are left out). */
  trashed(workspace: string, ids: readonly number[]): Promise<TrashRecord[]>;
  /** Trash entries deleted together with `rootId` (its own included). */
  trashGroup(workspace: string, rootId: number): Promise<TrashRecord[]>;
  /** Newest trash entries first, at most `limit`. */
  listTrash(workspace: string, limit: number): Promise<TrashRecord[]>;
  /** Ids of tasks whose lease expired at or before `now` (ISO-8601), ascending, at most `limit`. */
  expiredLeases(workspace: string, now: string, limit: number): Promise<number[]>;
  /** A principal's named mark in the change feed (e.g. its last stand-up), or undefined. */
  getMark(workspace: string, principal: string, name: string): Promise<{ seq: number; at: string } | undefined>;
  /** Ids present in the workspace, ascending, whose decimal form starts with `prefix`; for completion. */
  idsWithPrefix(workspace: string, prefix: string, limit: number): Promise<number[]>;
  /** Distinct assignees and labels, for prompt-argument completion. */
  distinctValues(workspace: string, field: 'assignee' | 'label', prefix: string, limit: number): Promise<string[]>;
}

/** Write operations, only available inside {@link TaskStore.write}. */
export interface TaskWriter extends TaskReader {
  insertTask(workspace: string, task: NewTask, actor: Actor, now: string): Promise<TaskRecord>;
  /**
   * Apply a patch and bump `version`; `completed_at` is the caller's, like every field. Unconditional: the task
   * service checks `expected_version` itself, inside the same write transaction (which serializes a workspace's
   * writes on every engine), before it writes.
   */
  updateTask(workspace: string, id: number, patch: TaskPatch, actor: Actor, now: string): Promise<TaskRecord>;
  /** Replace a task's dependency list (does not bump its version by itself). */
  setDependencies(workspace: string, id: number, dependsOn: readonly number[]): Promise<void>;
  /**
   * Delete a task with its comments, label rows and every edge from or to it (ON DELETE CASCADE in every engine: the
   * task row is the only one deleted by hand). Returns false when it did not exist.
   */
  deleteTask(workspace: string, id: number): Promise<boolean>;
  insertComment(workspace: string, taskId: number, body: string, actor: Actor, now: string): Promise<CommentRecord>;
  putIdempotency(workspace: string, key: string, record: IdempotencyRecord): Promise<void>;
  /** Append change records (seqs assigned in order, continuing the workspace's sequence) made by `actor` at `at`. */
  appendChanges(workspace: string, actor: Actor, at: string, changes: readonly NewChange[]): Promise<ChangeRecord[]>;
  /** Put tasks (already deleted with {@link deleteTask}) in the trash. */
  putTrash(workspace: string, entries: readonly TrashRecord[]): Promise<void>;
  /** Take tasks out of the trash (after restoring them, or for good). */
  removeTrash(workspace: string, ids: readonly number[]): Promise<void>;
  /**
   * Re-insert a deleted task with its own id, version, times and comments (their ids too), and its labels;
   * not its dependency edges (use {@link setDependencies}). The workspace's id counters are not moved back.
   */
  restoreTask(workspace: string, task: TaskRecord, comments: readonly CommentRecord[]): Promise<void>;
  /** Remove one comment (reverting an add_comment). Returns false when it did not exist. */
  deleteComment(workspace: string, taskId: number, commentId: number): Promise<boolean>;
  putMark(workspace: string, principal: string, name: string, mark: { seq: number; at: string }): Promise<void>;
}

/**
 * A task store. `write` runs `fn` as one transaction: everything it wrote
 * commits together after `fn` resolves, or nothing does if it throws.
 * `read` sees only committed data.
 *
 * Errors: {@link StoreError} with code `unavailable` (engine down or busy past
 * its timeout, retryable) or `internal`.
 */
export interface TaskStore {
  readonly engine: 'sqlite' | 'postgres';
  /** API keys (`taskwire token ...`); outside `read`/`write` because they are looked up before a workspace is known. */
  readonly apiKeys: ApiKeyStore;
  /** The audit trail (a table of the same database). */
  readonly audit: AuditLog;
  read<T>(fn: (r: TaskReader) => Promise<T>): Promise<T>;
  write<T>(fn: (w: TaskWriter) => Promise<T>): Promise<T>;
  /** Random per open store: change records this process wrote carry it (cross-process delivery skips its own). */
  readonly origin: string;
  /** Delete change records and trash entries past their retention, across workspaces; returns how many of each. */
  prune(before: PruneBefore): Promise<{ changes: number; trash: number }>;
  /** Cheap liveness probe of the engine; throws `StoreError('unavailable')`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
