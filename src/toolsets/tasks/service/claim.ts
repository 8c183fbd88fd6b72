// Use cases: next_task and claim_task (leases).
import { randomBytes } from 'node:crypto';
import { CLOSED_STATUSES, type LeaseRecord, type TaskPatch, type TaskRecord } from '../../../store/types.js';
import { ToolError } from '../../../toolkit/errors.js';
import { changeOf, liveLease } from '../history.js';
import { leaseConflict } from './conflicts.js';
import type { ServiceCore } from './core.js';
import type { Caller, ClaimInput, ClaimResult } from './model.js';

export async function nextTask(
  core: ServiceCore,
  caller: Caller,
  filter: { assignee?: string; label?: string },
): Promise<{ task: TaskRecord | null; reason: string; alternatives: TaskRecord[]; waiting_on_dependencies: number }> {
  const { workspace } = caller;
  return core.fresh(caller, async (r) => {
    const [candidates, waiting] = await Promise.all([r.actionableTasks(workspace, filter, 4), r.countWaitingOnDependencies(workspace)]);
    const [best, ...alternatives] = candidates;
    if (!best) return { task: null, reason: nothingActionable(waiting), alternatives: [], waiting_on_dependencies: waiting };
    return { task: best, reason: whyActionable(core, best), alternatives, waiting_on_dependencies: waiting };
  });
}

export async function claimTask(core: ServiceCore, caller: Caller, input: ClaimInput): Promise<ClaimResult> {
  const { workspace, actor } = caller;
  if (input.lease_id !== undefined && input.id === undefined) {
    throw new ToolError('invalid_input', 'Invalid arguments: lease_id: renewing needs the id of the task you hold.', {
      fields: [{ field: 'id', message: 'give the id of the task whose lease you renew' }],
    });
  }
  const result = await core.write(caller, async (w, log) => {
    let target: TaskRecord | undefined;
    if (input.id !== undefined) target = await core.mustGet(w, workspace, input.id);
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
    const now = core.clock();
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
      : `Claimed #${task.id} until ${lease.expires_at}${input.id === undefined ? ` (${whyActionable(core, target)})` : ''}. Pass lease_id to update_task / complete_task; claim again with it to renew.`;
    return { task, lease, renewed, reason, affected: [task.id] };
  });
  const { affected, ...answer } = result;
  if (affected.length > 0) core.changes.tasksChanged(workspace, affected);
  return answer;
}

function whyActionable(core: ServiceCore, best: TaskRecord): string {
  const why = [`priority ${best.priority}`];
  if (best.due_date) why.push(best.due_date < core.today() ? `overdue since ${best.due_date}` : `due ${best.due_date}`);
  why.push(best.depends_on.length > 0 ? `all ${best.depends_on.length} dependencies done` : 'no dependencies');
  why.push(`oldest of its rank (created ${best.created_at.slice(0, 10)})`);
  return `#${best.id} is actionable: ${why.join(', ')}.`;
}

function nothingActionable(waiting: number): string {
  return waiting > 0
    ? `No actionable task: ${waiting} todo task(s) wait on unfinished dependencies. Finish or unblock those first (list_tasks status=["in_progress","blocked"]).`
    : 'No actionable task: there is no open todo task matching the filter. Create some with create_tasks.';
}
