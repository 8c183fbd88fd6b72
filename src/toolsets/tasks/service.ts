import type { AuditRecord, ChangeRecord, CommentRecord, SearchHit, TaskReader, TaskRecord, TaskStats, TaskStore, TrashRecord } from '../../store/types.js';
import * as claim from './service/claim.js';
import { ServiceCore } from './service/core.js';
import * as create from './service/create.js';
import * as feed from './service/feed.js';
import type {
  Caller,
  ChangeFeedInput,
  ChangeSink,
  ClaimInput,
  ClaimResult,
  LeaseProof,
  ListInput,
  NewTaskInput,
  SearchInput,
  TaskDetail,
  UpdateInput,
} from './service/model.js';
import * as reads from './service/reads.js';
import * as revert from './service/revert.js';
import * as trashCan from './service/trash.js';
import * as update from './service/update.js';

export { encodeFeedCursor } from './service/feed.js';
export type * from './service/model.js';

/**
 * The task domain's one entry point. Every rule about tasks (id references, dependency
 * and parent cycles, versions, idempotency keys, what "actionable" means) lives under
 * `service/`; each method here hands its call to one use case there. Engine-neutral:
 * it talks to a {@link TaskStore} only.
 *
 * Layout of `service/`: `model` (the shapes), `core` (the one write path and fresh
 * read, shared lookups and lease checks), the rules `graph`, `idempotency` and
 * `conflicts`, and the use cases `create`, `update`, `claim`, `trash`, `revert`,
 * `feed` (history) and `reads`.
 *
 * Errors: throws `ToolError` (`not_found`, `version_conflict`,
 * `dependency_cycle`, `idempotency_conflict`, `invalid_input`, `unavailable`).
 */
export class TaskService {
  private readonly core: ServiceCore;

  constructor(store: TaskStore, changes: ChangeSink = { tasksChanged: () => {} }, clock: () => Date = () => new Date(), options: { trashRetentionDays?: number } = {}) {
    this.core = new ServiceCore(store, changes, clock, options);
  }

  /** The caller's workspace's most recent audit rows (tool calls), newest first; at most `limit`. */
  activity(caller: Caller, limit: number): Promise<AuditRecord[]> {
    return reads.activity(this.core, caller, limit);
  }

  /** Create 1..50 tasks atomically. Items may reference earlier items by `ref`. */
  createTasks(caller: Caller, items: NewTaskInput[], idempotencyKey?: string): Promise<{ created: TaskRecord[]; replayed: boolean }> {
    return create.createTasks(this.core, caller, items, idempotencyKey);
  }

  /**
   * Import many tasks in one transaction (all or nothing), as `createTasks`
   * does for 50: refs resolve to earlier items. `onProgress(done, total)` runs
   * after every `step` items; a cancelled or timed-out call (`caller.signal`)
   * stops at the next item and rolls back everything.
   */
  importTasks(
    caller: Caller,
    items: NewTaskInput[],
    options: { idempotencyKey?: string; onProgress?: (done: number, total: number) => Promise<void>; step?: number } = {},
  ): Promise<{ count: number; first_id: number | null; last_id: number | null; replayed: boolean }> {
    return create.importTasks(this.core, caller, items, options);
  }

  /** One task in full; with `historyLimit` > 0 also its latest changes and each field's last writer. */
  getTask(caller: Caller, id: number, commentsLimit = 20, historyLimit = 0): Promise<TaskDetail> {
    return reads.getTask(this.core, caller, id, commentsLimit, historyLimit);
  }

  /**
   * One page of tasks. `keep` (result budgets) says how many of the fetched
   * records to return; the cursor then points just after the last one returned.
   */
  listTasks(
    caller: Caller,
    input: ListInput,
    keep?: (items: TaskRecord[]) => number,
  ): Promise<{ tasks: TaskRecord[]; total: number; next_cursor: string | null; truncated: boolean }> {
    return reads.listTasks(this.core, caller, input, keep);
  }

  searchTasks(
    caller: Caller,
    input: SearchInput,
    keep?: (items: SearchHit[]) => number,
  ): Promise<{ results: SearchHit[]; total: number; next_cursor: string | null; truncated: boolean }> {
    return reads.searchTasks(this.core, caller, input, keep);
  }

  updateTask(caller: Caller, input: UpdateInput & LeaseProof): Promise<{ task: TaskRecord; changed: string[] }> {
    return update.updateTask(this.core, caller, input);
  }

  /**
   * Update (or complete, with `status: "done"`) 1..100 tasks in one transaction: all or nothing. Each item has
   * its own `expected_version` and `lease_id`; an error names the item (`items[3]`) and nothing is written.
   */
  updateTasks(caller: Caller, items: Array<UpdateInput & LeaseProof>, force = false): Promise<Array<{ task: TaskRecord; changed: string[] }>> {
    return update.updateTasks(this.core, caller, items, force);
  }

  /** Mark done. Idempotent: completing a done task returns it unchanged. Releases the task's lease. */
  completeTask(
    caller: Caller,
    id: number,
    options: { expected_version?: number; comment?: string } & LeaseProof = {},
  ): Promise<{ task: TaskRecord; already_done: boolean; unblocked: TaskRecord[]; open_dependencies: number[] }> {
    return update.completeTask(this.core, caller, id, options);
  }

  /**
   * Move a task (and, with `cascade`, its subtasks, recursively) to the trash, removing every dependency edge on
   * it. Reverting its delete change (revert_changes) restores it with its comments, labels, subtasks and edges.
   */
  deleteTask(caller: Caller, id: number, options: { cascade?: boolean; expected_version?: number } & LeaseProof = {}): Promise<number[]> {
    return trashCan.deleteTask(this.core, caller, id, options);
  }

  addComment(caller: Caller, taskId: number, body: string, idempotencyKey?: string): Promise<{ comment: CommentRecord; replayed: boolean }> {
    return update.addComment(this.core, caller, taskId, body, idempotencyKey);
  }

  stats(caller: Caller): Promise<TaskStats> {
    return reads.stats(this.core, caller);
  }

  /** The best next actionable task and why, with runners-up. Tasks someone holds are in progress, so never offered. */
  nextTask(
    caller: Caller,
    filter: { assignee?: string; label?: string },
  ): Promise<{ task: TaskRecord | null; reason: string; alternatives: TaskRecord[]; waiting_on_dependencies: number }> {
    return claim.nextTask(this.core, caller, filter);
  }

  /**
   * Claim a task for `lease_s` seconds, in one transaction: it becomes `in_progress` with a lease naming the caller.
   * Without `id`, the best actionable task by next_task's rules. With the `lease_id` of a lease the caller holds,
   * renews it. Errors: `lease_conflict` (someone else holds it), `not_found`, `invalid_input` (a closed task).
   */
  claimTask(caller: Caller, input: ClaimInput): Promise<ClaimResult> {
    return claim.claimTask(this.core, caller, input);
  }

  /**
   * The change feed, oldest first after the cursor: an opaque `next_cursor` resumes exactly after the last
   * change returned (it is returned at the end too, so a poller never skips or repeats a change).
   */
  listChanges(caller: Caller, input: ChangeFeedInput): Promise<{ changes: ChangeRecord[]; next_cursor: string; has_more: boolean }> {
    return feed.listChanges(this.core, caller, input);
  }

  /**
   * The caller's changes feed since its named mark (e.g. its last stand-up; the last 24 hours when it has none),
   * then moves the mark to the newest change. Returns at most `limit` changes, newest last.
   */
  changesSinceMark(caller: Caller, name: string, limit: number): Promise<{ changes: ChangeRecord[]; since: string; first_time: boolean }> {
    return feed.changesSinceMark(this.core, caller, name, limit);
  }

  /**
   * Undo changes: restore their before-values atomically (newest first). A change whose fields a later change
   * (outside this call) touched again is refused with `version_conflict` naming it, unless `force`. Reverting a
   * delete restores the task from the trash; reverting a create moves it to the trash; reverting a comment
   * removes it. A revert is itself a change (kind `revert`), so it can be reverted in turn.
   */
  revertChanges(caller: Caller, input: { seqs?: number[]; mine_last?: number; force?: boolean }): Promise<{ reverted: number[]; changes: ChangeRecord[] }> {
    return revert.revertChanges(this.core, caller, input);
  }

  /** The workspace's latest change seq (0 when none). */
  lastChangeSeq(caller: Caller): Promise<number> {
    return feed.lastChangeSeq(this.core, caller);
  }

  /** The newest trashed tasks of the workspace (restore one by reverting its delete change). */
  trash(caller: Caller, limit: number): Promise<TrashRecord[]> {
    return trashCan.trash(this.core, caller, limit);
  }

  /** Delete change records and trash entries older than their retention (days; 0 or absent keeps forever). */
  prune(retention: { historyDays?: number; trashDays?: number }): Promise<{ changes: number; trash: number }> {
    return trashCan.prune(this.core, retention);
  }

  /** Completion helpers for resource templates and prompt arguments. */
  completeIds(caller: Caller, prefix: string): Promise<string[]> {
    return reads.completeIds(this.core, caller, prefix);
  }

  completeValues(caller: Caller, field: 'assignee' | 'label', prefix: string): Promise<string[]> {
    return reads.completeValues(this.core, caller, field, prefix);
  }

  /** Read-only access for resources and prompts that compose several reads. */
  read<T>(fn: (r: TaskReader) => Promise<T>): Promise<T> {
    return this.core.store.read(fn);
  }
}
