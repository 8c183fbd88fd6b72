// The refusals more than one use case gives: a stale expected_version, a task someone else holds.
import type { LeaseRecord, TaskRecord } from '../../../store/types.js';
import { ToolError } from '../../../toolkit/errors.js';
import { liveLease, publicLease } from '../history.js';

export function checkVersion(current: TaskRecord, expected: number | undefined): void {
  if (expected !== undefined && expected !== current.version) throw versionConflict(current);
}

export function versionConflict(current: TaskRecord): ToolError {
  return new ToolError('version_conflict', `Task ${current.id} changed since you read it (it is now at version ${current.version}); nothing was written.`, {
    current: { ...current, lease: publicLease(liveLease(current)) },
    hint: 'Re-apply your change to `current` and retry with expected_version set to its version.',
  });
}

export function leaseConflict(task: TaskRecord, held: LeaseRecord, given: string | undefined): ToolError {
  const who = held.holder.client ? `${held.holder.principal} (${held.holder.client})` : held.holder.principal;
  return new ToolError('lease_conflict', `Task ${task.id} is claimed by ${who} until ${held.expires_at}; nothing was written.`, {
    current: { id: task.id, version: task.version, lease: publicLease(held) },
    hint: given
      ? 'Your lease_id is not the current lease (it expired and someone claimed the task). Re-read it with get_task; comment with add_comment instead.'
      : 'Comment with add_comment instead, wait for the lease to expire, or take another task (next_task / claim_task). The holder passes its lease_id.',
  });
}
