import { createHash, randomBytes } from 'node:crypto';
import { throwIfAborted } from '../../guard/abort-scope.js';
import {
  type Actor,
  type AuditRecord,
  type ChangeKind,
  type ChangeRecord,
  CLOSED_STATUSES,
  type CommentRecord,
  type FieldChange,
  type LeaseRecord,
  type ListQuery,
  type NewChange,
  type NewTask,
  type Priority,
  type SearchHit,
  type SortKey,
  StoreError,
  type TaskPatch,
  type TaskReader,
  type TaskRecord,
  type TaskStats,
  type TaskStatus,
  type TaskStore,
  type TaskWriter,
  type TrashRecord,
} from '../../store/types.js';
import { canonicalJson, decodeCursor, nextCursor } from '../../toolkit/cursor.js';
import { type FieldError, ToolError } from '../../toolkit/errors.js';
import { changeOf, liveLease, PSEUDO_FIELDS, publicLease, SYSTEM_ACTOR, TRACKED_FIELDS } from './history.js';

/** Told after a write commits, so subscribed clients hear about it (resources `tasks://board`, `tasks://{id}`). */
export interface ChangeSink {
  tasksChanged(workspace: string, ids: readonly number[]): void;
}

/** Who is calling, in which workspace. The workspace always comes from the verified caller, never from tool arguments. */
export interface Caller {
  workspace: string;
  actor: Actor;
  /**
   * The tool call's abort signal (client cancellation or the timeout middleware's deadline). Writes check it
   * before they start and again just before COMMIT, so an aborted call rolls back whole; reads check it before
   * querying. Absent outside tool calls.
   */
  signal?: AbortSignal;
  /** Granted `tasks:admin`: may pass `force` past leases (and, for revert_changes, past later changes). */
  admin?: boolean;
}

/** How a write that changes a leased task proves it holds the lease. */
export interface LeaseProof {
  /** The `lease_id` claim_task returned. */
  lease_id?: string;
  /** Override someone else's lease (needs {@link Caller.admin}). */
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

/** Change records of one write, appended to the history in its transaction (see {@link TaskService.write}). */
class ChangeLog {
  readonly pending: NewChange[] = [];
  /** Everything appended so far, in order. */
  readonly appended: ChangeRecord[] = [];
  readonly touched = new Set<number>();

  add(change: NewChange | undefined): void {
    if (!change) return;
    this.pending.push(change);
    this.touched.add(change.task_id);
  }

  /** Append what is pending now (e.g. to learn a delete's seq); returns the stored records. */
  async flush(w: TaskWriter, workspace: string, actor: Actor, at: string): Promise<ChangeRecord[]> {
    if (this.pending.length === 0) return [];
    const records = await w.appendChanges(workspace, actor, at, this.pending.splice(0));
    this.appended.push(...records);
    return records;
  }
}

const LEASE_RELEASING: readonly TaskStatus[] = ['todo', 'done', 'cancelled'];
/** Changes of one task read at most to find its later changes or each field's last writer. */
const HISTORY_SCAN = 1000;

const MAX_LABELS = 20;
const DEFAULT_OPEN: TaskStatus[] = ['todo', 'in_progress', 'blocked'];

/**
 * The task domain: every rule about tasks lives here (id references, dependency
 * and parent cycles, versions, idempotency keys, what "actionable" means).
 * Engine-neutral: it talks to a {@link TaskStore} only.
 *
 * Errors: throws {@link ToolError} (`not_found`, `version_conflict`,
 * `dependency_cycle`, `idempotency_conflict`, `invalid_input`, `unavailable`).
 */
export class TaskService {
  constructor(
    private readonly store: TaskStore,
    private readonly changes: ChangeSink = { tasksChanged: () => {} },
    private readonly clock: () => Date = () => new Date(),
    private readonly options: { trashRetentionDays?: number } = {},
  ) {}

  /** The caller's workspace's most recent audit rows (tool calls), newest first; at most `limit`. */
  async activity(caller: Caller, limit: number): Promise<AuditRecord[]> {
    return this.store.audit.query({ workspace: caller.workspace, limit });
  }

  /** Create 1..50 tasks atomically. Items may reference earlier items by `ref`. */
  async createTasks(caller: Caller, items: NewTaskInput[], idempotencyKey?: string): Promise<{ created: TaskRecord[]; replayed: boolean }> {
    const { workspace, actor } = caller;
    const result = await this.write(caller, async (w, log) =>
      this.idempotent(w, workspace, 'create_tasks', idempotencyKey, { items }, async () => {
        const created = await this.insertItems(w, workspace, actor, items);
        for (const t of created) log.add(changeOf('create', 'create_tasks', null, t));
        return { created, replayed: false, affected: newNeighbours(created) };
      }),
    );
    if (!result.replayed) this.changes.tasksChanged(workspace, result.affected);
    return { created: result.created, replayed: result.replayed };
  }

  /**
   * Import many tasks in one transaction (all or nothing), as `createTasks`
   * does for 50: refs resolve to earlier items. `onProgress(done, total)` runs
   * after every `step` items; a cancelled or timed-out call (`caller.signal`)
   * stops at the next item and rolls back everything.
   */
  async importTasks(
    caller: Caller,
    items: NewTaskInput[],
    options: { idempotencyKey?: string; onProgress?: (done: number, total: number) => Promise<void>; step?: number } = {},
  ): Promise<{ count: number; first_id: number | null; last_id: number | null; replayed: boolean }> {
    const { workspace, actor } = caller;
    const step = options.step ?? Math.max(1, Math.ceil(items.length / 20));
    const result = await this.write(caller, async (w, log) =>
      this.idempotent(w, workspace, 'import_tasks', options.idempotencyKey, { items }, async () => {
        const created = await this.insertItems(
          w,
          workspace,
          actor,
          items,
          async (done) => {
            throwIfAborted(caller.signal);
            if (done % step === 0 || done === items.length) {
              await options.onProgress?.(done, items.length);
              // Let the event loop deliver a cancellation (and other I/O) between steps of a long import.
              await new Promise((resolve) => setImmediate(resolve));
            }
          },
          (index) => `row ${index + 1}`,
        );
        for (const t of created) log.add(changeOf('import', 'import_tasks', null, t));
        return {
          count: created.length,
          first_id: created[0]?.id ?? null,
          last_id: created.at(-1)?.id ?? null,
          replayed: false,
          affected: newNeighbours(created),
        };
      }),
    );
    if (!result.replayed) this.changes.tasksChanged(workspace, result.affected ?? []);
    return { count: result.count, first_id: result.first_id, last_id: result.last_id, replayed: result.replayed };
  }

  /** One task in full; with `historyLimit` > 0 also its latest changes and each field's last writer. */
  async getTask(caller: Caller, id: number, commentsLimit = 20, historyLimit = 0): Promise<TaskDetail> {
    const { workspace } = caller;
    return this.fresh(caller, async (r) => {
      const [detail, changes] = await Promise.all([
        r.taskDetail(workspace, id, commentsLimit),
        historyLimit > 0 ? r.listChanges(workspace, { task_id: id, newest_first: true, limit: HISTORY_SCAN }) : Promise.resolve(undefined),
      ]);
      if (!detail) return this.notFound(r, workspace, id);
      const { task, comments, subtasks, dependencies: deps, dependents } = detail;
      const ref = (t: TaskRecord) => ({ id: t.id, title: t.title, status: t.status });
      const provenance = changes && { history: changes.slice(0, historyLimit), last_writers: lastWriters(changes) };
      return {
        ...provenance,
        task,
        comments: comments.items,
        comments_total: comments.total,
        subtasks,
        dependencies: deps.map(ref),
        blocked_by: deps.filter((d) => !CLOSED_STATUSES.includes(d.status)).map((d) => d.id),
        dependents: dependents.map(ref),
      };
    });
  }

  /**
   * One page of tasks. `keep` (result budgets) says how many of the fetched
   * records to return; the cursor then points just after the last one returned.
   */
  async listTasks(
    caller: Caller,
    input: ListInput,
    keep?: (items: TaskRecord[]) => number,
  ): Promise<{ tasks: TaskRecord[]; total: number; next_cursor: string | null; truncated: boolean }> {
    const { cursor, limit, ...filters } = input;
    const offset = decodeCursor(cursor, filters);
    const query: ListQuery = {
      ...filters,
      status: input.status ?? (input.overdue ? undefined : DEFAULT_OPEN),
      order: input.order ?? (input.sort === 'priority' || input.sort === 'created_at' || input.sort === 'updated_at' ? 'desc' : 'asc'),
      today: this.today(),
      offset,
      limit,
    };
    throwIfAborted(caller.signal);
    const page = await this.fresh(caller, (r) => r.listTasks(caller.workspace, query));
    const shown = keep ? keep(page.items) : page.items.length;
    const tasks = page.items.slice(0, shown);
    return { tasks, total: page.total, next_cursor: nextCursor(offset, shown, page.total, filters), truncated: shown < page.items.length };
  }

  async searchTasks(
    caller: Caller,
    input: SearchInput,
    keep?: (items: SearchHit[]) => number,
  ): Promise<{ results: SearchHit[]; total: number; next_cursor: string | null; truncated: boolean }> {
    const { cursor, limit, ...filters } = input;
    if (!/[\p{L}\p{N}]/u.test(input.query)) {
      throw new ToolError('invalid_input', 'Invalid arguments: query: has no letters or digits to search for.', {
        fields: [{ field: 'query', message: 'give one or more words, e.g. "login timeout"' }],
      });
    }
    const offset = decodeCursor(cursor, filters);
    throwIfAborted(caller.signal);
    const page = await this.fresh(caller, (r) => r.searchTasks(caller.workspace, { ...filters, text: input.query, offset, limit }));
    const shown = keep ? keep(page.items) : page.items.length;
    const results = page.items.slice(0, shown);
    return { results, total: page.total, next_cursor: nextCursor(offset, shown, page.total, filters), truncated: shown < page.items.length };
  }

  async updateTask(caller: Caller, input: UpdateInput & LeaseProof): Promise<{ task: TaskRecord; changed: string[] }> {
    const result = await this.write(caller, (w, log) => this.applyUpdate(w, caller, input, log, { kind: 'update', tool: 'update_task' }));
    if (result.changed.length > 0) this.changes.tasksChanged(caller.workspace, result.affected);
    return { task: result.task, changed: result.changed };
  }

  /**
   * Update (or complete, with `status: "done"`) 1..100 tasks in one transaction: all or nothing. Each item has
   * its own `expected_version` and `lease_id`; an error names the item (`items[3]`) and nothing is written.
   */
  async updateTasks(caller: Caller, items: Array<UpdateInput & LeaseProof>, force = false): Promise<Array<{ task: TaskRecord; changed: string[] }>> {
    if (items.length === 0) {
      throw new ToolError('invalid_input', 'Invalid arguments: items: is empty; nothing was written (an empty list never means "all tasks").', {
        fields: [{ field: 'items', message: 'give 1 to 100 items, each with the id of one task' }],
      });
    }
    const seen = new Set<number>();
    for (const [i, item] of items.entries()) {
      if (seen.has(item.id)) {
        throw new ToolError('invalid_input', `Invalid arguments: items[${i}].id: task ${item.id} appears twice; nothing was written.`, {
          fields: [{ field: `items[${i}].id`, message: 'give each task once; merge its changes into one item' }],
        });
      }
      seen.add(item.id);
    }
    const results = await this.write(caller, async (w, log) => {
      const out: Array<{ task: TaskRecord; changed: string[]; affected: number[] }> = [];
      for (const [i, item] of items.entries()) {
        try {
          out.push(await this.applyUpdate(w, caller, { ...item, force: item.force ?? force }, log, { kind: 'update', tool: 'update_tasks' }));
        } catch (error) {
          throw atItem(error, `items[${i}]`, item.id);
        }
      }
      return out;
    });
    const affected = results.flatMap((r) => r.affected);
    if (affected.length > 0) this.changes.tasksChanged(caller.workspace, [...new Set(affected)]);
    return results.map(({ task, changed }) => ({ task, changed }));
  }

  /** Mark done. Idempotent: completing a done task returns it unchanged. Releases the task's lease. */
  async completeTask(
    caller: Caller,
    id: number,
    options: { expected_version?: number; comment?: string } & LeaseProof = {},
  ): Promise<{ task: TaskRecord; already_done: boolean; unblocked: TaskRecord[]; open_dependencies: number[] }> {
    const { workspace, actor } = caller;
    const result = await this.write(caller, async (w, log) => {
      const current = await this.mustGet(w, workspace, id);
      if (current.status === 'done')
        return { task: current, already_done: true, unblocked: [] as TaskRecord[], open_dependencies: [] as number[], affected: [] as number[] };
      this.checkVersion(current, options.expected_version);
      this.checkLease(caller, current, options);
      const now = this.clock().toISOString();
      const deps = await w.getTasks(workspace, current.depends_on);
      const openDeps = deps.filter((d) => !CLOSED_STATUSES.includes(d.status)).map((d) => d.id);
      if (options.comment) {
        const comment = await w.insertComment(workspace, id, options.comment, actor, now);
        log.add(commentChange(current, comment, 'complete_task'));
      }
      const task = await w.updateTask(workspace, id, { status: 'done', completed_at: now, lease: null }, actor, now, options.expected_version);
      log.add(changeOf('complete', 'complete_task', current, task));
      const unblocked: TaskRecord[] = [];
      for (const dependent of await w.dependents(workspace, id)) {
        if (CLOSED_STATUSES.includes(dependent.status)) continue;
        const itsDeps = await w.getTasks(workspace, dependent.depends_on);
        if (itsDeps.every((d) => CLOSED_STATUSES.includes(d.status))) unblocked.push(dependent);
      }
      return { task, already_done: false, unblocked, open_dependencies: openDeps, affected: await this.neighbours(w, workspace, [task]) };
    });
    const { affected, ...answer } = result;
    if (!answer.already_done) this.changes.tasksChanged(workspace, affected);
    return answer;
  }

  /**
   * Move a task (and, with `cascade`, its subtasks, recursively) to the trash, removing every dependency edge on
   * it. Reverting its delete change (revert_changes) restores it with its comments, labels, subtasks and edges.
   */
  async deleteTask(caller: Caller, id: number, options: { cascade?: boolean; expected_version?: number } & LeaseProof = {}): Promise<number[]> {
    const deleted = await this.write(caller, (w, log) => this.trashTasks(w, caller, id, options, log, 'delete_task'));
    this.changes.tasksChanged(caller.workspace, deleted.affected);
    return deleted.doomed;
  }

  async addComment(caller: Caller, taskId: number, body: string, idempotencyKey?: string): Promise<{ comment: CommentRecord; replayed: boolean }> {
    const { workspace, actor } = caller;
    const result = await this.write(caller, async (w, log) =>
      this.idempotent(w, workspace, 'add_comment', idempotencyKey, { taskId, body }, async () => {
        const task = await this.mustGet(w, workspace, taskId);
        const comment = await w.insertComment(workspace, taskId, body, actor, this.clock().toISOString());
        log.add(commentChange(task, comment, 'add_comment'));
        return { comment, replayed: false };
      }),
    );
    if (!result.replayed) this.changes.tasksChanged(workspace, [taskId]);
    return { comment: result.comment, replayed: result.replayed };
  }

  async stats(caller: Caller): Promise<TaskStats> {
    return this.fresh(caller, (r) => r.stats(caller.workspace, this.clock()));
  }

  /** The best next actionable task and why, with runners-up. Tasks someone holds are in progress, so never offered. */
  async nextTask(
    caller: Caller,
    filter: { assignee?: string; label?: string },
  ): Promise<{ task: TaskRecord | null; reason: string; alternatives: TaskRecord[]; waiting_on_dependencies: number }> {
    const { workspace } = caller;
    return this.fresh(caller, async (r) => {
      const [candidates, waiting] = await Promise.all([r.actionableTasks(workspace, filter, 4), r.countWaitingOnDependencies(workspace)]);
      const [best, ...alternatives] = candidates;
      if (!best) return { task: null, reason: nothingActionable(waiting), alternatives: [], waiting_on_dependencies: waiting };
      return { task: best, reason: this.whyActionable(best), alternatives, waiting_on_dependencies: waiting };
    });
  }

  /**
   * Claim a task for `lease_s` seconds, in one transaction: it becomes `in_progress` with a lease naming the caller.
   * Without `id`, the best actionable task by next_task's rules. With the `lease_id` of a lease the caller holds,
   * renews it. Errors: `lease_conflict` (someone else holds it), `not_found`, `invalid_input` (a closed task).
   */
  async claimTask(caller: Caller, input: ClaimInput): Promise<ClaimResult> {
    const { workspace, actor } = caller;
    if (input.lease_id !== undefined && input.id === undefined) {
      throw new ToolError('invalid_input', 'Invalid arguments: lease_id: renewing needs the id of the task you hold.', {
        fields: [{ field: 'id', message: 'give the id of the task whose lease you renew' }],
      });
    }
    const result = await this.write(caller, async (w, log) => {
      let target: TaskRecord | undefined;
      if (input.id !== undefined) target = await this.mustGet(w, workspace, input.id);
      else [target] = await w.actionableTasks(workspace, { assignee: input.assignee, label: input.label }, 1);
      if (!target) {
        const waiting = await w.countWaitingOnDependencies(workspace);
        return { task: null, lease: null, renewed: false, reason: nothingActionable(waiting), affected: [] as number[] };
      }
      if (CLOSED_STATUSES.includes(target.status)) {
        throw new ToolError('invalid_input', `Task ${target.id} is ${target.status}; there is nothing to claim.`, {
          fields: [{ field: 'id', message: 'claim an open task (todo, in_progress or blocked)' }],
          hint: 'Reopen it first with update_task status="todo", or take another with next_task.',
        });
      }
      const now = this.clock();
      const held = liveLease(target, now.getTime());
      const renewed = held !== null && input.lease_id === held.lease_id;
      if (held && !renewed) throw leaseConflict(target, held, input.lease_id);
      const lease: LeaseRecord = {
        lease_id: held?.lease_id ?? `lease_${randomBytes(12).toString('base64url')}`,
        holder: { principal: actor.principal, client: actor.client, client_version: actor.client_version ?? null },
        expires_at: new Date(now.getTime() + input.lease_s * 1000).toISOString(),
      };
      const patch: TaskPatch = { lease, ...(target.status === 'in_progress' ? {} : { status: 'in_progress' as const }) };
      const task = await w.updateTask(workspace, target.id, patch, actor, now.toISOString());
      log.add(changeOf(renewed ? 'renew' : 'claim', 'claim_task', target, task));
      const reason = renewed
        ? `Renewed your lease on #${task.id} until ${lease.expires_at}.`
        : `Claimed #${task.id} until ${lease.expires_at}${input.id === undefined ? ` (${this.whyActionable(target)})` : ''}. Pass lease_id to update_task / complete_task; claim again with it to renew.`;
      return { task, lease, renewed, reason, affected: [task.id] };
    });
    const { affected, ...answer } = result;
    if (affected.length > 0) this.changes.tasksChanged(workspace, affected);
    return answer;
  }

  /**
   * The change feed, oldest first after the cursor: an opaque `next_cursor` resumes exactly after the last
   * change returned (it is returned at the end too, so a poller never skips or repeats a change).
   */
  async listChanges(caller: Caller, input: ChangeFeedInput): Promise<{ changes: ChangeRecord[]; next_cursor: string; has_more: boolean }> {
    const after = decodeFeedCursor(input.cursor);
    const since = input.since === undefined ? undefined : input.since.length === 10 ? `${input.since}T00:00:00.000Z` : new Date(input.since).toISOString();
    throwIfAborted(caller.signal);
    const rows = await this.fresh(caller, (r) =>
      r.listChanges(caller.workspace, { after, task_id: input.task_id, principal: input.principal, since, limit: input.limit + 1 }),
    );
    const changes = rows.slice(0, input.limit);
    return { changes, next_cursor: encodeFeedCursor(changes.at(-1)?.seq ?? after), has_more: rows.length > input.limit };
  }

  /**
   * The caller's changes feed since its named mark (e.g. its last stand-up; the last 24 hours when it has none),
   * then moves the mark to the newest change. Returns at most `limit` changes, newest last.
   */
  async changesSinceMark(caller: Caller, name: string, limit: number): Promise<{ changes: ChangeRecord[]; since: string; first_time: boolean }> {
    const { workspace, actor } = caller;
    const now = this.clock();
    // One read: the mark, the changes after it and (when there are none to move it to) the latest seq are seen at
    // one snapshot, so a change committed meanwhile is neither shown nor skipped by the new mark.
    const { mark, since, changes, last } = await this.fresh(caller, async (r) => {
      const mark = await r.getMark(workspace, actor.principal, name);
      const since = mark?.at ?? new Date(now.getTime() - 86_400_000).toISOString();
      const changes = await r.listChanges(workspace, mark ? { after: mark.seq, limit } : { since, limit });
      const last = changes.length > 0 || mark ? undefined : await r.lastChangeSeq(workspace);
      return { mark, since, changes, last };
    });
    const seq = changes.at(-1)?.seq ?? mark?.seq ?? last ?? 0;
    await this.store.write((w) => w.putMark(workspace, actor.principal, name, { seq, at: now.toISOString() }));
    return { changes, since, first_time: mark === undefined };
  }

  /**
   * Undo changes: restore their before-values atomically (newest first). A change whose fields a later change
   * (outside this call) touched again is refused with `version_conflict` naming it, unless `force`. Reverting a
   * delete restores the task from the trash; reverting a create moves it to the trash; reverting a comment
   * removes it. A revert is itself a change (kind `revert`), so it can be reverted in turn.
   */
  async revertChanges(caller: Caller, input: { seqs?: number[]; mine_last?: number; force?: boolean }): Promise<{ reverted: number[]; changes: ChangeRecord[] }> {
    const { workspace, actor } = caller;
    if ((input.seqs === undefined) === (input.mine_last === undefined)) {
      throw new ToolError('invalid_input', 'Invalid arguments: give exactly one of seqs and mine_last.', {
        fields: [{ field: input.seqs ? 'mine_last' : 'seqs', message: 'seqs: the change numbers to undo; or mine_last: how many of your latest changes' }],
      });
    }
    const result = await this.write(caller, async (w, log) => {
      const targets = input.seqs
        ? await w.getChanges(workspace, input.seqs)
        : await w.listChanges(workspace, { principal: actor.principal, newest_first: true, limit: input.mine_last as number });
      const missing = (input.seqs ?? []).filter((seq) => !targets.some((t) => t.seq === seq));
      if (missing.length > 0) {
        throw new ToolError('not_found', `Change(s) ${missing.map((m) => `#${m}`).join(', ')} not found in this workspace; nothing was reverted.`, {
          hint: 'Change numbers come from list_changes or get_task history; old ones are pruned after the history retention.',
        });
      }
      if (targets.length === 0) {
        throw new ToolError('invalid_input', 'You have no changes to revert.', { fields: [{ field: 'mine_last', message: 'there are no changes by you' }] });
      }
      const undoing = new Set(targets.map((t) => t.seq));
      const affected = new Set<number>();
      for (const change of [...targets].sort((a, b) => b.seq - a.seq)) {
        for (const id of await this.revertOne(w, caller, change, undoing, input.force === true, log)) affected.add(id);
      }
      await log.flush(w, workspace, actor, this.clock().toISOString());
      return { reverted: [...undoing].sort((a, b) => a - b), changes: log.appended, affected: [...affected] };
    });
    this.changes.tasksChanged(workspace, result.affected);
    return { reverted: result.reverted, changes: result.changes };
  }

  /** The workspace's latest change seq (0 when none). */
  async lastChangeSeq(caller: Caller): Promise<number> {
    return this.store.read((r) => r.lastChangeSeq(caller.workspace));
  }

  /** The newest trashed tasks of the workspace (restore one by reverting its delete change). */
  async trash(caller: Caller, limit: number): Promise<TrashRecord[]> {
    return this.store.read((r) => r.listTrash(caller.workspace, limit));
  }

  /** Delete change records and trash entries older than their retention (days; 0 or absent keeps forever). */
  async prune(retention: { historyDays?: number; trashDays?: number }): Promise<{ changes: number; trash: number }> {
    const ago = (days: number | undefined) => (days ? new Date(this.clock().getTime() - days * 86_400_000).toISOString() : undefined);
    return this.store.prune({ changes: ago(retention.historyDays), trash: ago(retention.trashDays) });
  }

  /** Completion helpers for resource templates and prompt arguments. */
  async completeIds(caller: Caller, prefix: string): Promise<string[]> {
    if (!/^\d*$/.test(prefix)) return [];
    return (await this.store.read((r) => r.idsWithPrefix(caller.workspace, prefix, 20))).map(String);
  }

  async completeValues(caller: Caller, field: 'assignee' | 'label', prefix: string): Promise<string[]> {
    return this.store.read((r) => r.distinctValues(caller.workspace, field, prefix, 20));
  }

  /** Read-only access for resources and prompts that compose several reads. */
  read<T>(fn: (r: TaskReader) => Promise<T>): Promise<T> {
    return this.store.read(fn);
  }

  // ---- rules ----

  /** Insert items in order inside `w`'s transaction; refs name earlier items. `after(done)` runs after each one. */
  private async insertItems(
    w: TaskWriter,
    workspace: string,
    actor: Actor,
    items: NewTaskInput[],
    after?: (done: number) => Promise<void>,
    name: (index: number) => string = (index) => `tasks[${index}]`,
  ): Promise<TaskRecord[]> {
    const now = this.clock().toISOString();
    const refs = new Map<string, number>();
    const created: TaskRecord[] = [];
    for (const [index, item] of items.entries()) {
      const at = name(index);
      const resolve = (value: number | string, field: string): number => {
        if (typeof value === 'number') return value;
        const id = refs.get(value);
        if (id === undefined) {
          throw new ToolError('invalid_input', `${at}.${field}: no earlier item in this call has ref "${value}".`, {
            fields: [{ field: `${at}.${field}`, message: `ref "${value}" must be the ref of an item before this one` }],
          });
        }
        return id;
      };
      const parentId = item.parent_id === undefined ? null : resolve(item.parent_id, 'parent_id');
      const dependsOn = [...new Set((item.depends_on ?? []).map((d) => resolve(d, 'depends_on')))];
      const existing = [...(parentId === null ? [] : [parentId]), ...dependsOn];
      await this.requireExisting(w, workspace, existing, `${at}`);
      await this.checkWaitsOnAncestor(w, workspace, parentId, dependsOn, at);
      const task: NewTask = {
        title: item.title,
        description: item.description ?? '',
        status: item.status ?? 'todo',
        priority: item.priority ?? 'medium',
        labels: item.labels ?? [],
        assignee: item.assignee ?? null,
        due_date: item.due_date ?? null,
        parent_id: parentId,
      };
      const record = await w.insertTask(workspace, task, actor, now);
      if (dependsOn.length > 0) await w.setDependencies(workspace, record.id, dependsOn);
      if (item.ref !== undefined) {
        if (refs.has(item.ref)) {
          throw new ToolError('invalid_input', `${at}.ref: "${item.ref}" is used by an earlier item.`, {
            fields: [{ field: `${at}.ref`, message: 'refs must be unique within one call' }],
          });
        }
        refs.set(item.ref, record.id);
      }
      created.push({ ...record, depends_on: dependsOn });
      await after?.(created.length);
    }
    return created;
  }

  private today(): string {
    return this.clock().toISOString().slice(0, 10);
  }

  /**
   * Every write goes through here: one store transaction. It first releases expired leases (so no write sees
   * one as held), gives `fn` the change log, and appends the log to the history before COMMIT. When the tool
   * call was cancelled or timed out (`caller.signal`), it throws before starting and again just before
   * committing, so an aborted write rolls back whole.
   */
  private async write<T>(caller: Caller, fn: (w: TaskWriter, log: ChangeLog) => Promise<T>): Promise<T> {
    let expired: number[] = [];
    try {
      throwIfAborted(caller.signal);
      const result = await this.store.write(async (w) => {
        expired = await this.releaseExpired(w, caller.workspace);
        const log = new ChangeLog();
        const out = await fn(w, log);
        await log.flush(w, caller.workspace, caller.actor, this.clock().toISOString());
        throwIfAborted(caller.signal);
        return out;
      });
      if (expired.length > 0) this.changes.tasksChanged(caller.workspace, expired);
      return result;
    } catch (error) {
      if (error instanceof StoreError && error.code === 'version_conflict') {
        throw versionConflict(error.details?.current as TaskRecord);
      }
      throw error;
    }
  }

  /**
   * A read that never shows an expired lease as held: when the workspace has one, it is released first (a
   * write, recorded as `expire`) and the read runs again. Costs one indexed lookup when there is none.
   */
  private async fresh<T>(caller: Caller, fn: (r: TaskReader) => Promise<T>): Promise<T> {
    const stale = Symbol('stale');
    const now = this.clock().toISOString();
    const first = await this.store.read(async (r) => ((await r.expiredLeases(caller.workspace, now, 1)).length > 0 ? stale : fn(r)));
    if (first !== stale) return first as T;
    const expired = await this.store.write((w) => this.releaseExpired(w, caller.workspace));
    if (expired.length > 0) this.changes.tasksChanged(caller.workspace, expired);
    return this.store.read(fn);
  }

  /** Release leases that expired (an in-progress task goes back to todo); recorded as `expire` by {@link SYSTEM_ACTOR}. */
  private async releaseExpired(w: TaskWriter, workspace: string): Promise<number[]> {
    const now = this.clock().toISOString();
    const ids = await w.expiredLeases(workspace, now, 500);
    if (ids.length === 0) return [];
    const log = new ChangeLog();
    for (const t of await w.getTasks(workspace, ids)) {
      if (!t.lease || t.lease.expires_at > now) continue;
      const after = await w.updateTask(workspace, t.id, { lease: null, ...(t.status === 'in_progress' ? { status: 'todo' as const } : {}) }, SYSTEM_ACTOR, now);
      log.add(changeOf('expire', 'lease_expiry', t, after));
    }
    await log.flush(w, workspace, SYSTEM_ACTOR, now);
    return [...log.touched];
  }

  /** Refuse a write to a task someone else holds (see {@link LeaseProof}). */
  private checkLease(caller: Caller, task: TaskRecord, proof: LeaseProof): void {
    const held = liveLease(task, this.clock().getTime());
    if (!held || proof.lease_id === held.lease_id) return;
    if (proof.force) {
      if (caller.admin) return;
      throw new ToolError('invalid_input', 'Invalid arguments: force: overriding a lease needs the tasks:admin scope.', {
        fields: [{ field: 'force', message: 'drop force, or call with a credential that has tasks:admin' }],
      });
    }
    throw leaseConflict(task, held, proof.lease_id);
  }

  /** One task's update inside a transaction (update_task, update_tasks, revert_changes). */
  private async applyUpdate(
    w: TaskWriter,
    caller: Caller,
    input: UpdateInput & LeaseProof,
    log: ChangeLog,
    how: { kind: ChangeKind; tool: string; reverts?: number; lease?: LeaseRecord | null },
  ): Promise<{ task: TaskRecord; changed: string[]; affected: number[] }> {
    const { workspace, actor } = caller;
    const current = await this.mustGet(w, workspace, input.id);
    this.checkVersion(current, input.expected_version);
    this.checkLease(caller, current, input);
    const patch: TaskPatch = {};
    const changed: string[] = [];
    const assign = <K extends keyof TaskPatch>(key: K, value: TaskPatch[K] | undefined, was: unknown) => {
      if (value === undefined || JSON.stringify(value) === JSON.stringify(was)) return;
      patch[key] = value;
      changed.push(key);
    };
    assign('title', input.title, current.title);
    assign('description', input.description, current.description);
    assign('priority', input.priority, current.priority);
    assign('assignee', input.assignee, current.assignee);
    assign('due_date', input.due_date, current.due_date);
    if (input.status !== undefined && input.status !== current.status) {
      assign('status', input.status, current.status);
      patch.completed_at = input.status === 'done' ? this.clock().toISOString() : null;
      if (current.lease && LEASE_RELEASING.includes(input.status)) patch.lease = null;
    }
    if (how.lease !== undefined && JSON.stringify(how.lease) !== JSON.stringify(current.lease)) {
      patch.lease = how.lease;
      changed.push('lease');
    }
    const labels = this.nextLabels(current.labels, input);
    if (labels) assign('labels', labels, current.labels);
    const parentChanged = input.parent_id !== undefined && input.parent_id !== current.parent_id;
    if (parentChanged) {
      if (input.parent_id !== null) await this.checkParent(w, workspace, input.id, input.parent_id as number);
      assign('parent_id', input.parent_id, current.parent_id);
    }
    let deps = current.depends_on;
    if (input.depends_on !== undefined) {
      const wanted = [...new Set(input.depends_on)].sort((a, b) => a - b);
      if (JSON.stringify(wanted) !== JSON.stringify([...current.depends_on].sort((a, b) => a - b))) {
        await this.checkDependencies(w, workspace, input.id, wanted);
        deps = wanted;
        changed.push('depends_on');
      }
    }
    if (parentChanged || deps !== current.depends_on) {
      const parent = parentChanged ? (input.parent_id ?? null) : current.parent_id;
      await this.checkWaitsOnAncestor(w, workspace, parent, deps, 'depends_on');
      if (deps !== current.depends_on) await w.setDependencies(workspace, input.id, deps);
    }
    if (changed.length === 0) return { task: current, changed, affected: [] };
    const task = await w.updateTask(workspace, input.id, patch, actor, this.clock().toISOString(), input.expected_version);
    const kind = how.kind !== 'update' ? how.kind : patch.status === 'done' ? 'complete' : patch.lease === null && current.lease ? 'release' : 'update';
    log.add(changeOf(kind, how.tool, current, task, how.reverts === undefined ? {} : { reverts: [null, how.reverts] }));
    const affected = await this.neighbours(w, workspace, [current, task]);
    return { task, changed, affected };
  }

  /** Delete `id` (and with `cascade` its subtasks) into the trash, inside a transaction; records one `delete` per task. */
  private async trashTasks(
    w: TaskWriter,
    caller: Caller,
    id: number,
    options: { cascade?: boolean; expected_version?: number } & LeaseProof,
    log: ChangeLog,
    tool: string,
    reverts?: number,
  ): Promise<{ doomed: number[]; affected: number[] }> {
    const { workspace, actor } = caller;
    const current = await this.mustGet(w, workspace, id);
    this.checkVersion(current, options.expected_version);
    const doomed: number[] = [];
    const visit = async (taskId: number) => {
      const children = await w.subtasks(workspace, taskId);
      if (children.length > 0 && !options.cascade) {
        throw new ToolError('invalid_input', `Task ${taskId} has ${children.length} subtask(s); nothing was deleted.`, {
          fields: [{ field: 'cascade', message: 'pass cascade: true to delete the subtasks too' }],
          hint: `Subtasks: ${children.map((c) => `#${c.id}`).join(', ')}. Or move them first with update_task parent_id.`,
        });
      }
      for (const child of children) await visit(child.id);
      doomed.push(taskId);
    };
    await visit(id);
    const gone = await w.getTasks(workspace, doomed);
    for (const t of gone) this.checkLease(caller, t, t.id === id ? options : { force: options.force });
    const affected = await this.neighbours(w, workspace, gone);
    const losingEdges = (await w.getTasks(workspace, affected)).filter((t) => !doomed.includes(t.id) && t.depends_on.some((d) => doomed.includes(d)));
    const now = this.clock().toISOString();
    const snapshots = new Map<number, TrashRecord['snapshot']>();
    for (const t of gone) {
      const [comments, dependents] = await Promise.all([w.listComments(workspace, t.id, 100_000), w.dependents(workspace, t.id)]);
      snapshots.set(t.id, { task: t, comments: comments.items, dependents: dependents.map((d) => d.id) });
    }
    for (const taskId of doomed) await w.deleteTask(workspace, taskId);
    // Tasks that depended on a deleted one lost an edge: their depends_on changed, so their version moves too.
    for (const t of losingEdges) {
      const after = await w.updateTask(workspace, t.id, {}, actor, now);
      log.add(changeOf(reverts === undefined ? 'update' : 'revert', tool, t, after));
    }
    const extra: Record<string, FieldChange> = reverts === undefined ? {} : { reverts: [null, reverts] };
    for (const taskId of doomed)
      log.add({ task_id: taskId, kind: reverts === undefined ? 'delete' : 'revert', tool, version: null, fields: { deleted: [false, true], ...extra } });
    const records = await log.flush(w, workspace, actor, now);
    await w.putTrash(
      workspace,
      doomed.map((taskId) => ({
        task_id: taskId,
        root_id: id,
        seq: records.find((r) => r.task_id === taskId && 'deleted' in r.fields)?.seq as number,
        deleted_at: now,
        deleted_by: actor.principal,
        snapshot: snapshots.get(taskId) as TrashRecord['snapshot'],
      })),
    );
    return { doomed, affected };
  }

  /** Bring back a trashed task with everything deleted with it (its root's group), parents first. */
  private async restoreFromTrash(w: TaskWriter, caller: Caller, entry: TrashRecord, log: ChangeLog, reverts: number): Promise<number[]> {
    const { workspace, actor } = caller;
    const group = await w.trashGroup(workspace, entry.root_id);
    const ids = new Set(group.map((g) => g.task_id));
    const restored: number[] = [];
    const pending = [...group];
    while (pending.length > 0) {
      const index = pending.findIndex((g) => g.snapshot.task.parent_id === null || !ids.has(g.snapshot.task.parent_id) || restored.includes(g.snapshot.task.parent_id));
      const [next] = pending.splice(Math.max(index, 0), 1);
      if (!next) break;
      const task = next.snapshot.task;
      const parentAlive = task.parent_id === null || restored.includes(task.parent_id) || (await w.getTask(workspace, task.parent_id)) !== undefined;
      await w.restoreTask(workspace, { ...task, parent_id: parentAlive ? task.parent_id : null, lease: null }, next.snapshot.comments);
      restored.push(task.id);
    }
    const now = this.clock().toISOString();
    const affected = new Set(restored);
    for (const g of group) {
      const alive = new Set((await w.getTasks(workspace, g.snapshot.task.depends_on)).map((t) => t.id));
      await w.setDependencies(
        workspace,
        g.task_id,
        g.snapshot.task.depends_on.filter((d) => alive.has(d)),
      );
      log.add({
        task_id: g.task_id,
        kind: 'restore',
        tool: 'revert_changes',
        version: g.snapshot.task.version,
        fields: { deleted: [true, false], reverts: [null, reverts] },
      });
      for (const dependent of await w.getTasks(workspace, g.snapshot.dependents)) {
        if (ids.has(dependent.id) || dependent.depends_on.includes(g.task_id)) continue;
        await w.setDependencies(workspace, dependent.id, [...dependent.depends_on, g.task_id]);
        const after = await w.updateTask(workspace, dependent.id, {}, actor, now);
        log.add(changeOf('revert', 'revert_changes', dependent, after, { reverts: [null, reverts] }));
        affected.add(dependent.id);
      }
    }
    await w.removeTrash(workspace, [...ids]);
    return [...affected];
  }

  /** Undo one change inside revert_changes' transaction; returns the ids whose views changed. */
  private async revertOne(w: TaskWriter, caller: Caller, change: ChangeRecord, undoing: Set<number>, force: boolean, log: ChangeLog): Promise<number[]> {
    const { workspace } = caller;
    const later = (await w.listChanges(workspace, { task_id: change.task_id, after: change.seq, limit: HISTORY_SCAN })).filter((l) => !undoing.has(l.seq));
    const fields = Object.keys(change.fields).filter((f) => f !== 'reverts');
    const clash = later.find((l) => Object.keys(l.fields).some((f) => fields.includes(f) || f === 'deleted'));
    if (clash && !force) {
      const current = await w.getTask(workspace, change.task_id);
      throw new ToolError(
        'version_conflict',
        `Change #${change.seq} cannot be reverted: change #${clash.seq} (${clash.kind} by ${clash.principal} at ${clash.at}) touched ${Object.keys(clash.fields).join(', ')} of task ${change.task_id} after it; nothing was reverted.`,
        {
          current: current ?? null,
          hint: `Revert #${clash.seq} in the same call (seqs [${clash.seq}, ${change.seq}]), or pass force: true to restore the before-values anyway.`,
        },
      );
    }
    const deleted = change.fields.deleted;
    if (deleted?.[1] === true) {
      const [entry] = await w.trashed(workspace, [change.task_id]);
      if (entry) return this.restoreFromTrash(w, caller, entry, log, change.seq);
      if (await w.getTask(workspace, change.task_id)) return [];
      throw new ToolError('not_found', `Task ${change.task_id} is no longer in the trash (purged after the trash retention); change #${change.seq} cannot be reverted.`);
    }
    if (change.kind === 'create' || change.kind === 'import' || deleted?.[1] === false) {
      if (!(await w.getTask(workspace, change.task_id))) return [];
      return (await this.trashTasks(w, caller, change.task_id, { force }, log, 'revert_changes', change.seq)).affected;
    }
    if (change.fields.comment) {
      const comment = change.fields.comment[1] as { id: number } | null;
      if (comment && (await w.deleteComment(workspace, change.task_id, comment.id))) {
        log.add({
          task_id: change.task_id,
          kind: 'revert',
          tool: 'revert_changes',
          version: change.version,
          fields: { comment: [comment, null], reverts: [null, change.seq] },
        });
      }
      if (fields.length === 1) return [change.task_id];
    }
    const before = Object.fromEntries(
      Object.entries(change.fields)
        .filter(([f]) => (TRACKED_FIELDS as readonly string[]).includes(f))
        .map(([f, [b]]) => [f, b]),
    );
    if (Object.keys(before).length === 0) return [];
    if (!(await w.getTask(workspace, change.task_id))) {
      throw new ToolError(
        'not_found',
        `Task ${change.task_id} was deleted after change #${change.seq}; revert its delete first (list_changes task_id=${change.task_id}).`,
      );
    }
    const lease = 'lease' in before ? liveLease({ lease: before.lease as LeaseRecord | null }, this.clock().getTime()) : undefined;
    const { lease: _lease, ...values } = before;
    // Undoing a claim (or a write made under it) is what its lease is for: the lease it set is proof enough.
    const current = (await w.getTask(workspace, change.task_id)) as TaskRecord;
    const setLease = change.fields.lease?.[1] as LeaseRecord | null | undefined;
    const leaseId = setLease && current.lease?.lease_id === setLease.lease_id ? setLease.lease_id : undefined;
    const input = { id: change.task_id, ...values, force, lease_id: leaseId } as UpdateInput & LeaseProof;
    if (input.status === undefined && change.fields.status) input.status = change.fields.status[0] as TaskStatus;
    return (await this.applyUpdate(w, caller, input, log, { kind: 'revert', tool: 'revert_changes', reverts: change.seq, lease })).affected;
  }

  private whyActionable(best: TaskRecord): string {
    const why = [`priority ${best.priority}`];
    if (best.due_date) why.push(best.due_date < this.today() ? `overdue since ${best.due_date}` : `due ${best.due_date}`);
    why.push(best.depends_on.length > 0 ? `all ${best.depends_on.length} dependencies done` : 'no dependencies');
    why.push(`oldest of its rank (created ${best.created_at.slice(0, 10)})`);
    return `#${best.id} is actionable: ${why.join(', ')}.`;
  }

  private async mustGet(r: TaskReader, workspace: string, id: number): Promise<TaskRecord> {
    return (await r.getTask(workspace, id)) ?? this.notFound(r, workspace, id);
  }

  /** The not_found error for a task that does not exist: in the trash (how to restore it), or never there. */
  private async notFound(r: TaskReader, workspace: string, id: number): Promise<never> {
    const [gone] = await r.trashed(workspace, [id]);
    if (gone) {
      const days = this.options.trashRetentionDays;
      throw new ToolError('not_found', `Task ${id} is in the trash (deleted by ${gone.deleted_by} at ${gone.deleted_at}).`, {
        hint: `Restore it with revert_changes {"seqs":[${gone.seq}]}${days ? `; the trash is emptied after ${days} days` : ''}.`,
      });
    }
    throw new ToolError('not_found', `Task ${id} not found.`, {
      hint: 'Check the id with list_tasks or search_tasks.',
    });
  }

  private checkVersion(current: TaskRecord, expected: number | undefined): void {
    if (expected !== undefined && expected !== current.version) throw versionConflict(current);
  }

  private async requireExisting(r: TaskReader, workspace: string, ids: number[], at: string): Promise<void> {
    if (ids.length === 0) return;
    const found = new Set((await r.getTasks(workspace, ids)).map((t) => t.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new ToolError('not_found', `${at}: task(s) ${missing.map((m) => `#${m}`).join(', ')} not found; nothing was written.`, {
        hint: 'Reference existing ids, or the ref of an earlier item in the same create_tasks call.',
      });
    }
  }

  private async checkParent(r: TaskReader, workspace: string, id: number, parentId: number): Promise<void> {
    if (parentId === id) {
      throw new ToolError('dependency_cycle', `Task ${id} cannot be its own parent.`, {
        hint: 'Choose another parent_id or null.',
      });
    }
    await this.requireExisting(r, workspace, [parentId], 'parent_id');
    const ancestors = await r.ancestors(workspace, parentId);
    if (ancestors.includes(id)) {
      throw new ToolError('dependency_cycle', `Task ${parentId} is a subtask of ${id}; making it the parent would create a loop.`, {
        hint: `Parent chain: #${parentId} → ${ancestors.map((a) => `#${a}`).join(' → ')}.`,
      });
    }
  }

  private async checkDependencies(r: TaskReader, workspace: string, id: number, deps: number[]): Promise<void> {
    if (deps.includes(id)) {
      throw new ToolError('dependency_cycle', `Task ${id} cannot depend on itself.`, {
        fields: [{ field: 'depends_on', message: `remove ${id}` }],
      });
    }
    await this.requireExisting(r, workspace, deps, 'depends_on');
    const edges = await r.dependencyClosure(workspace, deps);
    const next = new Map<number, number[]>();
    for (const [from, to] of edges) next.set(from, [...(next.get(from) ?? []), to]);
    // Breadth-first from each new dependency; reaching `id` means a cycle. Report the path.
    for (const start of deps) {
      const prev = new Map<number, number>([[start, id]]);
      const queue = [start];
      while (queue.length > 0) {
        const at = queue.shift() as number;
        for (const to of next.get(at) ?? []) {
          if (prev.has(to)) continue;
          prev.set(to, at);
          if (to === id) {
            const path = [id];
            for (let cur = at; cur !== id; cur = prev.get(cur) as number) path.push(cur);
            path.reverse();
            throw new ToolError('dependency_cycle', `Task ${id} cannot depend on ${start}: ${start} already depends on ${id}.`, {
              hint: `Cycle: #${id} → ${path.map((p) => `#${p}`).join(' → ')}. Remove one edge.`,
              fields: [{ field: 'depends_on', message: `remove ${start}` }],
            });
          }
          queue.push(to);
        }
      }
    }
  }

  /**
   * A subtask that depends on one of its own ancestors can never start: the ancestor is not actionable
   * while it has an open subtask, and the subtask waits on the ancestor. Reject that wait-for loop.
   */
  private async checkWaitsOnAncestor(r: TaskReader, workspace: string, parentId: number | null, deps: readonly number[], at: string): Promise<void> {
    if (parentId === null || deps.length === 0) return;
    const ancestors = [parentId, ...(await r.ancestors(workspace, parentId))];
    const bad = deps.filter((d) => ancestors.includes(d));
    if (bad.length > 0) {
      throw new ToolError('dependency_cycle', `${at}: a subtask cannot depend on its own parent or ancestor (#${bad.join(', #')}); it would wait forever.`, {
        fields: [{ field: at.endsWith('depends_on') ? at : `${at}.depends_on`, message: `remove ${bad.join(', ')}` }],
        hint: 'A parent is finished by finishing its subtasks; express order between siblings instead.',
      });
    }
  }

  /** Ids whose `tasks://{id}` view shows these tasks: themselves, their dependencies, dependents and parents. */
  private async neighbours(r: TaskReader, workspace: string, tasks: readonly TaskRecord[]): Promise<number[]> {
    const ids = new Set<number>();
    for (const t of tasks) {
      ids.add(t.id);
      for (const d of t.depends_on) ids.add(d);
      if (t.parent_id !== null) ids.add(t.parent_id);
      for (const d of await r.dependents(workspace, t.id)) ids.add(d.id);
    }
    return [...ids];
  }

  private nextLabels(current: string[], input: UpdateInput): string[] | undefined {
    if (input.labels === undefined && !input.add_labels && !input.remove_labels) return undefined;
    let labels = input.labels ?? current;
    if (input.add_labels) labels = [...new Set([...labels, ...input.add_labels])];
    if (input.remove_labels) labels = labels.filter((l) => !input.remove_labels?.includes(l));
    if (labels.length > MAX_LABELS) {
      throw new ToolError('invalid_input', `A task can have at most ${MAX_LABELS} labels; this update would leave ${labels.length}.`, {
        fields: [{ field: 'add_labels', message: 'add fewer labels or remove some' }],
      });
    }
    return labels;
  }

  /**
   * Run `fn` once per idempotency key (inside the caller's transaction): a retry
   * with the same key and the same arguments returns the stored result with
   * `replayed: true`; the same key with other arguments is `idempotency_conflict`.
   */
  private async idempotent<T extends { replayed: boolean }>(
    w: TaskWriter,
    workspace: string,
    tool: string,
    key: string | undefined,
    args: unknown,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (key === undefined) return fn();
    const hash = createHash('sha256').update(canonicalJson(args)).digest('hex');
    const prior = await w.getIdempotency(workspace, key);
    if (prior) {
      if (prior.tool !== tool || prior.args_hash !== hash) {
        throw new ToolError('idempotency_conflict', `idempotency_key "${key}" was already used for a different ${prior.tool} request.`, {
          fields: [{ field: 'idempotency_key', message: 'use a new key for a new request' }],
        });
      }
      return { ...(JSON.parse(prior.result) as T), replayed: true };
    }
    const result = await fn();
    await w.putIdempotency(workspace, key, {
      tool,
      args_hash: hash,
      result: JSON.stringify(result),
      created_at: this.clock().toISOString(),
    });
    return result;
  }
}

/**
 * {@link TaskService.neighbours} of tasks created in one call, without a query: a new task's only dependents are
 * items of the same call (nothing else can name its id yet), and they are in `created` themselves.
 */
function newNeighbours(created: readonly TaskRecord[]): number[] {
  const ids = new Set<number>();
  for (const t of created) {
    ids.add(t.id);
    for (const d of t.depends_on) ids.add(d);
    if (t.parent_id !== null) ids.add(t.parent_id);
  }
  return [...ids];
}

function versionConflict(current: TaskRecord): ToolError {
  return new ToolError('version_conflict', `Task ${current.id} changed since you read it (it is now at version ${current.version}); nothing was written.`, {
    current: { ...current, lease: publicLease(liveLease(current)) },
    hint: 'Re-apply your change to `current` and retry with expected_version set to its version.',
  });
}

/** Prefix an error of one bulk item with its path, so the caller knows which item to fix. */
function atItem(error: unknown, at: string, id: number): unknown {
  if (!(error instanceof ToolError)) return error;
  const fields: FieldError[] | undefined = error.fields?.map((f) => ({ field: `${at}.${f.field}`, message: f.message }));
  return new ToolError(error.code, `${at} (task ${id}): ${error.message} Nothing was written.`, {
    hint: error.hint,
    fields,
    current: error.current,
    retryAfterMs: error.retryAfterMs,
  });
}

function commentChange(task: TaskRecord, comment: CommentRecord, tool: string): NewChange {
  return { task_id: task.id, kind: 'comment', tool, version: task.version, fields: { comment: [null, { id: comment.id, body: comment.body.slice(0, 200) }] } };
}

function leaseConflict(task: TaskRecord, held: LeaseRecord, given: string | undefined): ToolError {
  const who = held.holder.client ? `${held.holder.principal} (${held.holder.client})` : held.holder.principal;
  return new ToolError('lease_conflict', `Task ${task.id} is claimed by ${who} until ${held.expires_at}; nothing was written.`, {
    current: { id: task.id, version: task.version, lease: publicLease(held) },
    hint: given
      ? 'Your lease_id is not the current lease (it expired and someone claimed the task). Re-read it with get_task; comment with add_comment instead.'
      : 'Comment with add_comment instead, wait for the lease to expire, or take another task (next_task / claim_task). The holder passes its lease_id.',
  });
}

function nothingActionable(waiting: number): string {
  return waiting > 0
    ? `No actionable task: ${waiting} todo task(s) wait on unfinished dependencies. Finish or unblock those first (list_tasks status=["in_progress","blocked"]).`
    : 'No actionable task: there is no open todo task matching the filter. Create some with create_tasks.';
}

/** Each tracked field's last writer, from a task's changes newest first. */
function lastWriters(newestFirst: readonly ChangeRecord[]): Record<string, FieldWriter> {
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
