// Use case: revert_changes.
import type { ChangeRecord, LeaseRecord, TaskRecord, TaskStatus, TaskWriter } from '../../../store/types.js';
import { ToolError } from '../../../toolkit/errors.js';
import { liveLease, TRACKED_FIELDS } from '../history.js';
import type { ChangeLog } from './change-log.js';
import type { ServiceCore } from './core.js';
import { HISTORY_SCAN } from './feed.js';
import type { Caller, LeaseProof, UpdateInput } from './model.js';
import { restoreFromTrash, trashTasks } from './trash.js';
import { applyUpdate } from './update.js';

export async function revertChanges(
  core: ServiceCore,
  caller: Caller,
  input: { seqs?: number[]; mine_last?: number; force?: boolean },
): Promise<{ reverted: number[]; changes: ChangeRecord[] }> {
  const { workspace, actor } = caller;
  if ((input.seqs === undefined) === (input.mine_last === undefined)) {
    throw new ToolError('invalid_input', 'Invalid arguments: give exactly one of seqs and mine_last.', {
      fields: [{ field: input.seqs ? 'mine_last' : 'seqs', message: 'seqs: the change numbers to undo; or mine_last: how many of your latest changes' }],
    });
  }
  const result = await core.write(caller, async (w, log) => {
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
      for (const id of await revertOne(core, w, caller, change, undoing, input.force === true, log)) affected.add(id);
    }
    await log.flush(w, workspace, actor, core.clock().toISOString());
    return { reverted: [...undoing].sort((a, b) => a - b), changes: log.appended, affected: [...affected] };
  });
  core.changes.tasksChanged(workspace, result.affected);
  return { reverted: result.reverted, changes: result.changes };
}

/** Undo one change inside revert_changes' transaction; returns the ids whose views changed. */
async function revertOne(
  core: ServiceCore,
  w: TaskWriter,
  caller: Caller,
  change: ChangeRecord,
  undoing: Set<number>,
  force: boolean,
  log: ChangeLog,
): Promise<number[]> {
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
    if (entry) return restoreFromTrash(core, w, caller, entry, log, change.seq);
    if (await w.getTask(workspace, change.task_id)) return [];
    throw new ToolError('not_found', `Task ${change.task_id} is no longer in the trash (purged after the trash retention); change #${change.seq} cannot be reverted.`);
  }
  if (change.kind === 'create' || change.kind === 'import' || deleted?.[1] === false) {
    if (!(await w.getTask(workspace, change.task_id))) return [];
    return (await trashTasks(core, w, caller, change.task_id, { force }, log, 'revert_changes', change.seq)).affected;
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
    throw new ToolError('not_found', `Task ${change.task_id} was deleted after change #${change.seq}; revert its delete first (list_changes task_id=${change.task_id}).`);
  }
  const lease = 'lease' in before ? liveLease({ lease: before.lease as LeaseRecord | null }, core.clock().getTime()) : undefined;
  const { lease: _lease, ...values } = before;
  // Undoing a claim (or a write made under it) is what its lease is for: the lease it set is proof enough.
  const current = (await w.getTask(workspace, change.task_id)) as TaskRecord;
  const setLease = change.fields.lease?.[1] as LeaseRecord | null | undefined;
  const leaseId = setLease && current.lease?.lease_id === setLease.lease_id ? setLease.lease_id : undefined;
  const input = { id: change.task_id, ...values, force, lease_id: leaseId } as UpdateInput & LeaseProof;
  if (input.status === undefined && change.fields.status) input.status = change.fields.status[0] as TaskStatus;
  return (await applyUpdate(core, w, caller, input, log, { kind: 'revert', tool: 'revert_changes', reverts: change.seq, lease })).affected;
}
