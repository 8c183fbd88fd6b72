// Use cases: delete_task into the trash, restoring from it, listing it, and pruning by retention.
import type { FieldChange, TaskWriter, TrashRecord } from '../../../store/types.js';
import { ToolError } from '../../../toolkit/errors.js';
import { changeOf } from '../history.js';
import type { ChangeLog } from './change-log.js';
import { checkVersion } from './conflicts.js';
import type { ServiceCore } from './core.js';
import { neighbours } from './graph.js';
import type { Caller, LeaseProof } from './model.js';

export async function deleteTask(
  core: ServiceCore,
  caller: Caller,
  id: number,
  options: { cascade?: boolean; expected_version?: number } & LeaseProof = {},
): Promise<number[]> {
  const deleted = await core.write(caller, (w, log) => trashTasks(core, w, caller, id, options, log, 'delete_task'));
  core.changes.tasksChanged(caller.workspace, deleted.affected);
  return deleted.doomed;
}

export async function trash(core: ServiceCore, caller: Caller, limit: number): Promise<TrashRecord[]> {
  return core.store.read((r) => r.listTrash(caller.workspace, limit));
}

export async function prune(core: ServiceCore, retention: { historyDays?: number; trashDays?: number }): Promise<{ changes: number; trash: number }> {
  const ago = (days: number | undefined) => (days ? new Date(core.clock().getTime() - days * 86_400_000).toISOString() : undefined);
  return core.store.prune({ changes: ago(retention.historyDays), trash: ago(retention.trashDays) });
}

/** Delete `id` (and with `cascade` its subtasks) into the trash, inside a transaction; records one `delete` per task. */
export async function trashTasks(
  core: ServiceCore,
  w: TaskWriter,
  caller: Caller,
  id: number,
  options: { cascade?: boolean; expected_version?: number } & LeaseProof,
  log: ChangeLog,
  tool: string,
  reverts?: number,
): Promise<{ doomed: number[]; affected: number[] }> {
  const { workspace, actor } = caller;
  const current = await core.mustGet(w, workspace, id);
  checkVersion(current, options.expected_version);
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
  for (const t of gone) core.checkLease(caller, t, t.id === id ? options : { force: options.force });
  const affected = await neighbours(w, workspace, gone);
  const losingEdges = (await w.getTasks(workspace, affected)).filter((t) => !doomed.includes(t.id) && t.depends_on.some((d) => doomed.includes(d)));
  const now = core.clock().toISOString();
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
export async function restoreFromTrash(core: ServiceCore, w: TaskWriter, caller: Caller, entry: TrashRecord, log: ChangeLog, reverts: number): Promise<number[]> {
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
  const now = core.clock().toISOString();
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
