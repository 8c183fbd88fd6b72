import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import type { TaskStore } from '../src/store/types.js';
import { ToolError } from '../src/toolkit/errors.js';
import { TaskService } from '../src/toolsets/tasks/service.js';
import { tempDir } from './harness.js';

/** `--history-retention-days` and `--trash-retention-days`: what pruning removes, on a clock the test moves. */
describe('history and trash retention', () => {
  const tmp = tempDir('taskwire-retention-');
  let store: TaskStore;
  afterEach(async () => {
    await store?.close();
  });
  afterAll(() => tmp.cleanup());

  it('prunes changes past the history retention and trashed tasks past the trash retention, and says so on revert', async () => {
    store = openSqliteStore({ path: join(tmp.dir, 'r.db') });
    let now = new Date('2026-01-01T00:00:00Z');
    const service = new TaskService(store, undefined, () => now, { trashRetentionDays: 30 });
    const caller = { workspace: 'w', actor: { principal: 'p', client: 'c' } };
    const { created } = await service.createTasks(caller, [{ title: 'old' }, { title: 'kept' }]);
    const [old, kept] = created as unknown as [{ id: number }, { id: number }];
    await service.deleteTask(caller, old.id);
    const deleteSeq = (await service.listChanges(caller, { task_id: old.id, limit: 10 })).changes.at(-1)?.seq as number;

    now = new Date('2026-01-20T00:00:00Z'); // 19 days: nothing is past either retention
    expect(await service.prune({ historyDays: 90, trashDays: 30 })).toEqual({ changes: 0, trash: 0 });

    now = new Date('2026-02-15T00:00:00Z'); // 45 days: the trash entry goes, the history stays
    await service.updateTask(caller, { id: kept.id, priority: 'high' });
    expect(await service.prune({ historyDays: 90, trashDays: 30 })).toEqual({ changes: 0, trash: 1 });
    const gone = await service.revertChanges(caller, { seqs: [deleteSeq] }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ToolError);
    expect((gone as ToolError).code).toBe('not_found');
    expect((gone as ToolError).message).toMatch(/no longer in the trash/);

    now = new Date('2026-04-15T00:00:00Z'); // past 90 days of the first three changes, not of the update
    expect(await service.prune({ historyDays: 90, trashDays: 30 })).toEqual({ changes: 3, trash: 0 });
    const left = await service.listChanges(caller, { limit: 10 });
    expect(left.changes.map((c) => c.kind)).toEqual(['update']);
    expect(await service.prune({ historyDays: 0, trashDays: 0 })).toEqual({ changes: 0, trash: 0 });
  });
});
