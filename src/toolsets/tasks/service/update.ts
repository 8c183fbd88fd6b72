// Use cases: update_task, update_tasks, complete_task and add_comment.
import {
  type ChangeKind,
  CLOSED_STATUSES,
  type CommentRecord,
  type LeaseRecord,
  type NewChange,
  type TaskPatch,
  type TaskRecord,
  type TaskStatus,
  type TaskWriter,
} from '../../../store/types.js';
import { type FieldError, ToolError } from '../../../toolkit/errors.js';
import { changeOf } from '../history.js';
import type { ChangeLog } from './change-log.js';
import { checkVersion } from './conflicts.js';
import type { ServiceCore } from './core.js';
import { checkDependencies, checkParent, checkWaitsOnAncestor, neighbours } from './graph.js';
import { idempotent } from './idempotency.js';
import type { Caller, LeaseProof, UpdateInput } from './model.js';

const LEASE_RELEASING: readonly TaskStatus[] = ['todo', 'done', 'cancelled'];
const MAX_LABELS = 20;

export async function updateTask(core: ServiceCore, caller: Caller, input: UpdateInput & LeaseProof): Promise<{ task: TaskRecord; changed: string[] }> {
  const result = await core.write(caller, (w, log) => applyUpdate(core, w, caller, input, log, { kind: 'update', tool: 'update_task' }));
  if (result.changed.length > 0) core.changes.tasksChanged(caller.workspace, result.affected);
  return { task: result.task, changed: result.changed };
}

export async function updateTasks(
  core: ServiceCore,
  caller: Caller,
  items: Array<UpdateInput & LeaseProof>,
  force = false,
): Promise<Array<{ task: TaskRecord; changed: string[] }>> {
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
  const results = await core.write(caller, async (w, log) => {
    const out: Array<{ task: TaskRecord; changed: string[]; affected: number[] }> = [];
    for (const [i, item] of items.entries()) {
      try {
        out.push(await applyUpdate(core, w, caller, { ...item, force: item.force ?? force }, log, { kind: 'update', tool: 'update_tasks' }));
      } catch (error) {
        throw atItem(error, `items[${i}]`, item.id);
      }
    }
    return out;
  });
  const affected = results.flatMap((r) => r.affected);
  if (affected.length > 0) core.changes.tasksChanged(caller.workspace, [...new Set(affected)]);
  return results.map(({ task, changed }) => ({ task, changed }));
}

export async function completeTask(
  core: ServiceCore,
  caller: Caller,
  id: number,
  options: { expected_version?: number; comment?: string } & LeaseProof = {},
): Promise<{ task: TaskRecord; already_done: boolean; unblocked: TaskRecord[]; open_dependencies: number[] }> {
  const { workspace, actor } = caller;
  const result = await core.write(caller, async (w, log) => {
    const current = await core.mustGet(w, workspace, id);
    if (current.status === 'done')
      return { task: current, already_done: true, unblocked: [] as TaskRecord[], open_dependencies: [] as number[], affected: [] as number[] };
    checkVersion(current, options.expected_version);
    core.checkLease(caller, current, options);
    const now = core.clock().toISOString();
    const deps = await w.getTasks(workspace, current.depends_on);
    const openDeps = deps.filter((d) => !CLOSED_STATUSES.includes(d.status)).map((d) => d.id);
    if (options.comment) {
      const comment = await w.insertComment(workspace, id, options.comment, actor, now);
      log.add(commentChange(current, comment, 'complete_task'));
    }
    const task = await w.updateTask(workspace, id, { status: 'done', completed_at: now, lease: null }, actor, now);
    log.add(changeOf('complete', 'complete_task', current, task));
    const unblocked: TaskRecord[] = [];
    for (const dependent of await w.dependents(workspace, id)) {
      if (CLOSED_STATUSES.includes(dependent.status)) continue;
      const itsDeps = await w.getTasks(workspace, dependent.depends_on);
      if (itsDeps.every((d) => CLOSED_STATUSES.includes(d.status))) unblocked.push(dependent);
    }
    return { task, already_done: false, unblocked, open_dependencies: openDeps, affected: await neighbours(w, workspace, [task]) };
  });
  const { affected, ...answer } = result;
  if (!answer.already_done) core.changes.tasksChanged(workspace, affected);
  return answer;
}

export async function addComment(
  core: ServiceCore,
  caller: Caller,
  taskId: number,
  body: string,
  idempotencyKey?: string,
): Promise<{ comment: CommentRecord; replayed: boolean }> {
  const { workspace, actor } = caller;
  const result = await core.write(caller, async (w, log) =>
    idempotent(core.clock, w, workspace, 'add_comment', idempotencyKey, { taskId, body }, async () => {
      const task = await core.mustGet(w, workspace, taskId);
      const comment = await w.insertComment(workspace, taskId, body, actor, core.clock().toISOString());
      log.add(commentChange(task, comment, 'add_comment'));
      return { comment, replayed: false };
    }),
  );
  if (!result.replayed) core.changes.tasksChanged(workspace, [taskId]);
  return { comment: result.comment, replayed: result.replayed };
}

/** One task's update inside a transaction (update_task, update_tasks, revert_changes). */
export async function applyUpdate(
  core: ServiceCore,
  w: TaskWriter,
  caller: Caller,
  input: UpdateInput & LeaseProof,
  log: ChangeLog,
  how: { kind: ChangeKind; tool: string; reverts?: number; lease?: LeaseRecord | null },
): Promise<{ task: TaskRecord; changed: string[]; affected: number[] }> {
  const { workspace, actor } = caller;
  const current = await core.mustGet(w, workspace, input.id);
  checkVersion(current, input.expected_version);
  core.checkLease(caller, current, input);
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
    patch.completed_at = input.status === 'done' ? core.clock().toISOString() : null;
    if (current.lease && LEASE_RELEASING.includes(input.status)) patch.lease = null;
  }
  if (how.lease !== undefined && JSON.stringify(how.lease) !== JSON.stringify(current.lease)) {
    patch.lease = how.lease;
    changed.push('lease');
  }
  const labels = nextLabels(current.labels, input);
  if (labels) assign('labels', labels, current.labels);
  const parentChanged = input.parent_id !== undefined && input.parent_id !== current.parent_id;
  if (parentChanged) {
    if (input.parent_id !== null) await checkParent(w, workspace, input.id, input.parent_id as number);
    assign('parent_id', input.parent_id, current.parent_id);
  }
  let deps = current.depends_on;
  if (input.depends_on !== undefined) {
    const wanted = [...new Set(input.depends_on)].sort((a, b) => a - b);
    if (JSON.stringify(wanted) !== JSON.stringify([...current.depends_on].sort((a, b) => a - b))) {
      await checkDependencies(w, workspace, input.id, wanted);
      deps = wanted;
      changed.push('depends_on');
    }
  }
  if (parentChanged || deps !== current.depends_on) {
    const parent = parentChanged ? (input.parent_id ?? null) : current.parent_id;
    await checkWaitsOnAncestor(w, workspace, parent, deps, 'depends_on');
    if (deps !== current.depends_on) await w.setDependencies(workspace, input.id, deps);
  }
  if (changed.length === 0) return { task: current, changed, affected: [] };
  const task = await w.updateTask(workspace, input.id, patch, actor, core.clock().toISOString());
  const kind = how.kind !== 'update' ? how.kind : patch.status === 'done' ? 'complete' : patch.lease === null && current.lease ? 'release' : 'update';
  log.add(changeOf(kind, how.tool, current, task, how.reverts === undefined ? {} : { reverts: [null, how.reverts] }));
  const affected = await neighbours(w, workspace, [current, task]);
  return { task, changed, affected };
}

function nextLabels(current: string[], input: UpdateInput): string[] | undefined {
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
