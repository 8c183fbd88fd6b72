// The task service's shared core: the one write path, the fresh read, task lookups and the lease check (use cases check expected versions with checkVersion
// against the task they read inside the write, under the workspace's write lock).
import { missingScopes } from '../../../auth/principal.js';
import { throwIfAborted } from '../../../guard/abort-scope.js';
import type { TaskReader, TaskRecord, TaskStore, TaskWriter } from '../../../store/types.js';
import { ToolError } from '../../../toolkit/errors.js';
import { ADMIN } from '../define.js';
import { changeOf, liveLease, SYSTEM_ACTOR } from '../history.js';
import { ChangeLog } from './change-log.js';
import { leaseConflict } from './conflicts.js';
import type { Caller, ChangeSink, LeaseProof } from './model.js';

/**
 * What every use case of the task service shares: the store port, where commits are announced, the clock and
 * the trash retention; and the one way to write ({@link ServiceCore.write}) and to read fresh ({@link ServiceCore.fresh}).
 */
export class ServiceCore {
  constructor(
    readonly store: TaskStore,
    readonly changes: ChangeSink,
    readonly clock: () => Date,
    readonly options: { trashRetentionDays?: number },
  ) {}

  /** Today's date (`YYYY-MM-DD`, UTC) by the service's clock. */
  today(): string {
    return this.clock().toISOString().slice(0, 10);
  }

  /**
   * Every write goes through here: one store transaction. It first releases expired leases (so no write sees
   * one as held), gives `fn` the change log, and appends the log to the history before COMMIT. When the tool
   * call was cancelled or timed out (`caller.signal`), it throws before starting and again just before
   * committing, so an aborted write rolls back whole.
   */
  async write<T>(caller: Caller, fn: (w: TaskWriter, log: ChangeLog) => Promise<T>): Promise<T> {
    let expired: number[] = [];
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
  }

  /**
   * A read that never shows an expired lease as held: when the workspace has one, it is released first (a
   * write, recorded as `expire`) and the read runs again. Costs one indexed lookup when there is none.
   */
  async fresh<T>(caller: Caller, fn: (r: TaskReader) => Promise<T>): Promise<T> {
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
  checkLease(caller: Caller, task: TaskRecord, proof: LeaseProof): void {
    const held = liveLease(task, this.clock().getTime());
    if (!held || proof.lease_id === held.lease_id) return;
    if (proof.force) {
      if (missingScopes(caller.scopes, [ADMIN]).length === 0) return;
      throw new ToolError('invalid_input', 'Invalid arguments: force: overriding a lease needs the tasks:admin scope.', {
        fields: [{ field: 'force', message: 'drop force, or call with a credential that has tasks:admin' }],
      });
    }
    throw leaseConflict(task, held, proof.lease_id);
  }

  /** The task, or the {@link ServiceCore.notFound} error. */
  async mustGet(r: TaskReader, workspace: string, id: number): Promise<TaskRecord> {
    return (await r.getTask(workspace, id)) ?? this.notFound(r, workspace, id);
  }

  /** The not_found error for a task that does not exist: in the trash (how to restore it), or never there. */
  async notFound(r: TaskReader, workspace: string, id: number): Promise<never> {
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
}
