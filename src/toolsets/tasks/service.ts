import { createHash } from 'node:crypto';
import { throwIfAborted } from '../../guard/abort-scope.js';
import {
  type Actor,
  type AuditRecord,
  CLOSED_STATUSES,
  type CommentRecord,
  type ListQuery,
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
} from '../../store/types.js';
import { canonicalJson, decodeCursor, nextCursor } from '../../toolkit/cursor.js';
import { ToolError } from '../../toolkit/errors.js';

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
}

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
  ) {}

  /** The caller's workspace's most recent audit rows (tool calls), newest first; at most `limit`. */
  async activity(caller: Caller, limit: number): Promise<AuditRecord[]> {
    return this.store.audit.query({ workspace: caller.workspace, limit });
  }

  /** Create 1..50 tasks atomically. Items may reference earlier items by `ref`. */
  async createTasks(caller: Caller, items: NewTaskInput[], idempotencyKey?: string): Promise<{ created: TaskRecord[]; replayed: boolean }> {
    const { workspace, actor } = caller;
    const result = await this.write(caller, async (w) =>
      this.idempotent(w, workspace, 'create_tasks', idempotencyKey, { items }, async () => {
        const created = await this.insertItems(w, workspace, actor, items);
        return { created, replayed: false, affected: await this.neighbours(w, workspace, created) };
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
    const result = await this.write(caller, async (w) =>
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
        return {
          count: created.length,
          first_id: created[0]?.id ?? null,
          last_id: created.at(-1)?.id ?? null,
          replayed: false,
          affected: await this.neighbours(w, workspace, created),
        };
      }),
    );
    if (!result.replayed) this.changes.tasksChanged(workspace, result.affected ?? []);
    return { count: result.count, first_id: result.first_id, last_id: result.last_id, replayed: result.replayed };
  }

  async getTask(caller: Caller, id: number, commentsLimit = 20): Promise<TaskDetail> {
    const { workspace } = caller;
    return this.store.read(async (r) => {
      const task = await this.mustGet(r, workspace, id);
      const [comments, subtasks, deps, dependents] = await Promise.all([
        r.listComments(workspace, id, commentsLimit),
        r.subtasks(workspace, id),
        r.getTasks(workspace, task.depends_on),
        r.dependents(workspace, id),
      ]);
      const ref = (t: TaskRecord) => ({ id: t.id, title: t.title, status: t.status });
      return {
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
    const page = await this.store.read((r) => r.listTasks(caller.workspace, query));
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
    const page = await this.store.read((r) => r.searchTasks(caller.workspace, { ...filters, text: input.query, offset, limit }));
    const shown = keep ? keep(page.items) : page.items.length;
    const results = page.items.slice(0, shown);
    return { results, total: page.total, next_cursor: nextCursor(offset, shown, page.total, filters), truncated: shown < page.items.length };
  }

  async updateTask(caller: Caller, input: UpdateInput): Promise<{ task: TaskRecord; changed: string[] }> {
    const { workspace, actor } = caller;
    const result = await this.write(caller, async (w) => {
      const current = await this.mustGet(w, workspace, input.id);
      this.checkVersion(current, input.expected_version);
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
      const affected = await this.neighbours(w, workspace, [current, task]);
      return { task, changed, affected };
    });
    if (result.changed.length > 0) this.changes.tasksChanged(workspace, result.affected);
    return { task: result.task, changed: result.changed };
  }

  /** Mark done. Idempotent: completing a done task returns it unchanged. */
  async completeTask(
    caller: Caller,
    id: number,
    options: { expected_version?: number; comment?: string } = {},
  ): Promise<{ task: TaskRecord; already_done: boolean; unblocked: TaskRecord[]; open_dependencies: number[] }> {
    const { workspace, actor } = caller;
    const result = await this.write(caller, async (w) => {
      const current = await this.mustGet(w, workspace, id);
      if (current.status === 'done')
        return { task: current, already_done: true, unblocked: [] as TaskRecord[], open_dependencies: [] as number[], affected: [] as number[] };
      this.checkVersion(current, options.expected_version);
      const now = this.clock().toISOString();
      const deps = await w.getTasks(workspace, current.depends_on);
      const openDeps = deps.filter((d) => !CLOSED_STATUSES.includes(d.status)).map((d) => d.id);
      if (options.comment) await w.insertComment(workspace, id, options.comment, actor, now);
      const task = await w.updateTask(workspace, id, { status: 'done', completed_at: now }, actor, now, options.expected_version);
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

  /** Delete a task (and, with `cascade`, its subtasks, recursively). Removes every dependency edge on it. */
  async deleteTask(caller: Caller, id: number, options: { cascade?: boolean; expected_version?: number } = {}): Promise<number[]> {
    const { workspace } = caller;
    const deleted = await this.write(caller, async (w) => {
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
      const affected = await this.neighbours(w, workspace, gone);
      const losingEdges = (await w.getTasks(workspace, affected)).filter((t) => !doomed.includes(t.id) && t.depends_on.some((d) => doomed.includes(d)));
      const now = this.clock().toISOString();
      for (const taskId of doomed) await w.deleteTask(workspace, taskId);
      // Tasks that depended on a deleted one lost an edge: their depends_on changed, so their version moves too.
      for (const t of losingEdges) await w.updateTask(workspace, t.id, {}, caller.actor, now);
      return { doomed, affected };
    });
    this.changes.tasksChanged(workspace, deleted.affected);
    return deleted.doomed;
  }

  async addComment(caller: Caller, taskId: number, body: string, idempotencyKey?: string): Promise<{ comment: CommentRecord; replayed: boolean }> {
    const { workspace, actor } = caller;
    const result = await this.write(caller, async (w) =>
      this.idempotent(w, workspace, 'add_comment', idempotencyKey, { taskId, body }, async () => {
        await this.mustGet(w, workspace, taskId);
        const comment = await w.insertComment(workspace, taskId, body, actor, this.clock().toISOString());
        return { comment, replayed: false };
      }),
    );
    if (!result.replayed) this.changes.tasksChanged(workspace, [taskId]);
    return { comment: result.comment, replayed: result.replayed };
  }

  async stats(caller: Caller): Promise<TaskStats> {
    return this.store.read((r) => r.stats(caller.workspace, this.clock()));
  }

  /** The best next actionable task and why, with runners-up. */
  async nextTask(
    caller: Caller,
    filter: { assignee?: string; label?: string },
  ): Promise<{ task: TaskRecord | null; reason: string; alternatives: TaskRecord[]; waiting_on_dependencies: number }> {
    const { workspace } = caller;
    return this.store.read(async (r) => {
      const [candidates, waiting] = await Promise.all([r.actionableTasks(workspace, filter, 4), r.countWaitingOnDependencies(workspace)]);
      const [best, ...alternatives] = candidates;
      if (!best) {
        const reason =
          waiting > 0
            ? `No actionable task: ${waiting} todo task(s) wait on unfinished dependencies. Finish or unblock those first (list_tasks status=["in_progress","blocked"]).`
            : 'No actionable task: there is no open todo task matching the filter. Create some with create_tasks.';
        return { task: null, reason, alternatives: [], waiting_on_dependencies: waiting };
      }
      const why = [`priority ${best.priority}`];
      if (best.due_date) why.push(best.due_date < this.today() ? `overdue since ${best.due_date}` : `due ${best.due_date}`);
      why.push(best.depends_on.length > 0 ? `all ${best.depends_on.length} dependencies done` : 'no dependencies');
      why.push(`oldest of its rank (created ${best.created_at.slice(0, 10)})`);
      return {
        task: best,
        reason: `#${best.id} is actionable: ${why.join(', ')}.`,
        alternatives,
        waiting_on_dependencies: waiting,
      };
    });
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
   * Every write goes through here: one store transaction. When the tool call
   * was cancelled or timed out (`caller.signal`), it throws before starting and
   * again just before committing, so an aborted write rolls back whole.
   */
  private async write<T>(caller: Caller, fn: (w: TaskWriter) => Promise<T>): Promise<T> {
    try {
      throwIfAborted(caller.signal);
      return await this.store.write(async (w) => {
        const result = await fn(w);
        throwIfAborted(caller.signal);
        return result;
      });
    } catch (error) {
      if (error instanceof StoreError && error.code === 'version_conflict') {
        throw versionConflict(error.details?.current as TaskRecord);
      }
      throw error;
    }
  }

  private async mustGet(r: TaskReader, workspace: string, id: number): Promise<TaskRecord> {
    const task = await r.getTask(workspace, id);
    if (!task) {
      throw new ToolError('not_found', `Task ${id} not found.`, {
        hint: 'Check the id with list_tasks or search_tasks.',
      });
    }
    return task;
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

function versionConflict(current: TaskRecord): ToolError {
  return new ToolError('version_conflict', `Task ${current.id} changed since you read it (it is now at version ${current.version}); nothing was written.`, {
    current,
    hint: 'Re-apply your change to `current` and retry with expected_version set to its version.',
  });
}
