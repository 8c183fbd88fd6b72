import { describe, expect, it } from 'vitest';
import type { Actor, ChangeQuery, CommentRecord, FieldChange, LeaseRecord, NewChange, NewTask, TaskRecord, TaskStore, TrashRecord } from '../../src/store/types.js';
import { actor, newTask, now } from './fixtures.js';

const agent: Actor = { principal: 'bo', client: 'agent-cli', client_version: '1.2.3' };
const lease = (over: Partial<LeaseRecord> = {}): LeaseRecord => ({
  lease_id: 'lease-1',
  holder: { principal: 'bo', client: 'agent-cli', client_version: '1.2.3' },
  expires_at: '2026-11-21T10:05:00.000Z',
  ...over,
});
const change = (task_id: number, over: Partial<NewChange> = {}): NewChange => ({
  task_id,
  kind: 'update',
  tool: 'update_task',
  version: 2,
  fields: { status: ['todo', 'in_progress'] },
  ...over,
});
/** `now` plus `minutes`, ISO-8601 with ms as the stores return times. */
const at = (minutes: number) => new Date(Date.parse(now) + minutes * 60_000).toISOString();

/**
 * The parallel-agents part of the store contract (issue 11): leases on task rows, the change history, the trash,
 * restoring deleted tasks, deleting comments, feed marks and retention. `store()` is the engine under test.
 */
export function historyContract(store: () => TaskStore): void {
  describe('leases, change history, trash and marks', () => {
    const insert = (ws: string, over: Partial<NewTask> = {}, when = now) => store().write((w) => w.insertTask(ws, newTask(over), actor, when));
    const get = (ws: string, id: number) => store().read((r) => r.getTask(ws, id));
    const changes = (ws: string, q: Partial<ChangeQuery> = {}) => store().read((r) => r.listChanges(ws, { limit: 100, ...q }));
    const seqs = async (ws: string, q: Partial<ChangeQuery> = {}) => (await changes(ws, q)).map((c) => c.seq);

    it('stores a lease through updateTask, returns it on every read, keeps it across other updates and clears it with null', async () => {
      const t = await insert('a');
      expect(t.lease).toBeNull();
      const claimed = await store().write((w) => w.updateTask('a', t.id, { status: 'in_progress', lease: lease() }, agent, now));
      expect(claimed.lease).toEqual(lease());
      expect(claimed.version).toBe(2);
      expect((await get('a', t.id))?.lease).toEqual(lease());
      expect((await store().read((r) => r.getTasks('a', [t.id])))[0]?.lease).toEqual(lease());
      expect((await store().read((r) => r.listTasks('a', { sort: 'id', order: 'asc', offset: 0, limit: 5 }))).items[0]?.lease).toEqual(lease());
      const renamed = await store().write((w) => w.updateTask('a', t.id, { title: 'renamed' }, actor, now));
      expect(renamed.lease).toEqual(lease()); // a patch without `lease` leaves it alone
      const renewed = lease({ lease_id: 'lease-2', holder: { principal: 'cy', client: null, client_version: null }, expires_at: at(30) });
      expect((await store().write((w) => w.updateTask('a', t.id, { lease: renewed }, actor, now))).lease).toEqual(renewed);
      expect((await get('a', t.id))?.lease).toEqual(renewed);
      expect((await store().write((w) => w.updateTask('a', t.id, { lease: null }, actor, now))).lease).toBeNull();
      expect(await get('a', t.id)).toMatchObject({ lease: null, version: 5, title: 'renamed' });
    });

    it('lists expired leases per workspace, ids ascending, at or before `now`, at most `limit`', async () => {
      for (let i = 0; i < 5; i++) await insert('a');
      await insert('b');
      await store().write(async (w) => {
        await w.updateTask('a', 4, { lease: lease({ expires_at: at(-60) }) }, actor, now);
        await w.updateTask('a', 1, { lease: lease({ expires_at: at(0) }) }, actor, now); // exactly now: expired
        await w.updateTask('a', 2, { lease: lease({ expires_at: at(5) }) }, actor, now);
        await w.updateTask('b', 1, { lease: lease({ expires_at: at(-60) }) }, actor, now);
      });
      expect(await store().read((r) => r.expiredLeases('a', now, 10))).toEqual([1, 4]);
      expect(await store().read((r) => r.expiredLeases('a', now, 1))).toEqual([1]);
      expect(await store().read((r) => r.expiredLeases('a', at(-61), 10))).toEqual([]);
      expect(await store().read((r) => r.expiredLeases('a', at(10), 10))).toEqual([1, 2, 4]);
      expect(await store().read((r) => r.expiredLeases('b', now, 10))).toEqual([1]);
      expect(await store().read((r) => r.expiredLeases('c', now, 10))).toEqual([]);
      await store().write((w) => w.updateTask('a', 1, { lease: null }, actor, now));
      expect(await store().read((r) => r.expiredLeases('a', now, 10))).toEqual([4]);
      expect((await get('a', 4))?.lease).toEqual(lease({ expires_at: at(-60) })); // expired leases are still returned as stored
    });

    it('appends changes with gap-free seqs per workspace, across transactions, and not for a rolled-back write', async () => {
      const fields: Record<string, FieldChange> = {
        title: ['old "quoted" \\ name', 'new ✓ name'],
        labels: [['a'], ['a', 'b,c', '{x}']],
        due_date: [null, '2026-12-01'],
        n: [1, 2.5],
      };
      const first = await store().write(async (w) => {
        const one = await w.appendChanges('a', agent, at(0), [change(1, { kind: 'create', tool: 'create_tasks', version: 1, fields }), change(2, { version: null })]);
        const two = await w.appendChanges('a', actor, at(0), [change(3)]);
        expect(await w.lastChangeSeq('a')).toBe(3); // its own writes
        return [...one, ...two];
      });
      expect(first).toEqual([
        { seq: 1, at: at(0), principal: 'bo', client: 'agent-cli', client_version: '1.2.3', task_id: 1, kind: 'create', tool: 'create_tasks', version: 1, fields },
        { seq: 2, at: at(0), principal: 'bo', client: 'agent-cli', client_version: '1.2.3', ...change(2, { version: null }) },
        { seq: 3, at: at(0), principal: 'ana', client: 'vitest', client_version: null, ...change(3) },
      ]);
      expect(await changes('a')).toEqual(first); // stored as returned, fields included
      expect((await store().write((w) => w.appendChanges('b', actor, at(1), [change(1), change(1)]))).map((c) => c.seq)).toEqual([1, 2]);
      expect(await store().write((w) => w.appendChanges('a', actor, at(1), []))).toEqual([]);
      await expect(
        store().write(async (w) => {
          await w.appendChanges('a', actor, at(1), [change(1), change(2)]);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect((await store().write((w) => w.appendChanges('a', actor, at(2), [change(4), change(5)]))).map((c) => c.seq)).toEqual([4, 5]);
      expect(await seqs('a')).toEqual([1, 2, 3, 4, 5]);
      expect(await seqs('b')).toEqual([1, 2]);
      expect(await store().read((r) => r.lastChangeSeq('a'))).toBe(5);
      expect(await store().read((r) => r.lastChangeSeq('b'))).toBe(2);
      expect(await store().read((r) => r.lastChangeSeq('c'))).toBe(0);
    });

    it('lists changes by cursor, task, principal and time, oldest or newest first, and gets them by seq, per workspace', async () => {
      await store().write(async (w) => {
        await w.appendChanges('a', actor, at(0), [change(1, { kind: 'create' }), change(2, { kind: 'create' })]); // 1, 2
        await w.appendChanges('a', agent, at(1), [change(1, { kind: 'claim' })]); // 3
        await w.appendChanges('a', actor, at(2), [change(2), change(1, { kind: 'complete' })]); // 4, 5
        await w.appendChanges('a', agent, at(3), [change(3, { kind: 'comment', fields: { comment: [null, 7] } })]); // 6
        await w.appendChanges('b', agent, at(0), [change(1), change(2), change(3)]);
      });
      expect(await seqs('a')).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await seqs('a', { newest_first: true })).toEqual([6, 5, 4, 3, 2, 1]);
      expect(await seqs('a', { after: 2 })).toEqual([3, 4, 5, 6]);
      expect(await seqs('a', { after: 2, limit: 2 })).toEqual([3, 4]);
      expect(await seqs('a', { before: 4, newest_first: true })).toEqual([3, 2, 1]);
      expect(await seqs('a', { before: 4, newest_first: true, limit: 2 })).toEqual([3, 2]);
      expect(await seqs('a', { after: 1, before: 5 })).toEqual([2, 3, 4]);
      expect(await seqs('a', { after: 6 })).toEqual([]);
      expect(await seqs('a', { task_id: 1 })).toEqual([1, 3, 5]);
      expect(await seqs('a', { task_id: 1, newest_first: true, limit: 2 })).toEqual([5, 3]);
      expect(await seqs('a', { task_id: 1, after: 3 })).toEqual([5]);
      expect(await seqs('a', { principal: 'bo' })).toEqual([3, 6]);
      expect(await seqs('a', { principal: 'bo', newest_first: true })).toEqual([6, 3]);
      expect(await seqs('a', { principal: 'nobody' })).toEqual([]);
      expect(await seqs('a', { since: at(2) })).toEqual([4, 5, 6]); // inclusive
      expect(await seqs('a', { since: at(2), newest_first: true, limit: 1 })).toEqual([6]);
      expect(await seqs('a', { since: at(1), principal: 'ana' })).toEqual([4, 5]);
      expect(await seqs('a', { task_id: 3 })).toEqual([6]);
      expect((await changes('a', { task_id: 3 }))[0]).toMatchObject({ kind: 'comment', fields: { comment: [null, 7] }, at: at(3), principal: 'bo' });
      expect(await seqs('b')).toEqual([1, 2, 3]); // b's own sequence
      expect(await seqs('b', { principal: 'ana' })).toEqual([]);
      expect(await seqs('c')).toEqual([]);

      const got = await store().read((r) => r.getChanges('a', [5, 2, 99]));
      expect(got.map((c) => [c.seq, c.task_id, c.kind])).toEqual([
        [2, 2, 'create'],
        [5, 1, 'complete'],
      ]);
      expect(got).toEqual((await changes('a')).filter((c) => c.seq === 2 || c.seq === 5));
      expect((await store().read((r) => r.getChanges('b', [3, 4]))).map((c) => [c.seq, c.principal])).toEqual([[3, 'bo']]);
      expect(await store().read((r) => r.getChanges('c', [1]))).toEqual([]);
      expect(await store().read((r) => r.getChanges('a', []))).toEqual([]);
    });

    it('puts, finds, groups, lists and removes trash entries per workspace', async () => {
      const t1 = await insert('a', { title: 'root' });
      const t2 = await insert('a', { title: 'child', parent_id: t1.id });
      const t3 = await insert('a', { title: 'other' });
      const comment: CommentRecord = { id: 1, task_id: t1.id, body: 'a "comment" \\ with ✓', author: actor, created_at: now };
      const entry = (task: TaskRecord, root_id: number, seq: number, minutes: number): TrashRecord => ({
        task_id: task.id,
        root_id,
        seq,
        deleted_at: at(minutes),
        deleted_by: 'ana',
        snapshot: { task: { ...task, lease: lease() }, comments: task.id === t1.id ? [comment] : [], dependents: task.id === t1.id ? [t3.id] : [] },
      });
      const e1 = entry(t1, t1.id, 10, 1);
      const e2 = entry(t2, t1.id, 11, 1);
      const e3 = entry(t3, t3.id, 12, 2);
      const b1 = entry(await insert('b'), 1, 1, 0);
      await store().write((w) => w.putTrash('a', [e1, e2]));
      await store().write(async (w) => {
        await w.putTrash('a', [e3]);
        await w.putTrash('b', [b1]);
      });
      await store().write((w) => w.putTrash('a', []));
      expect(await store().read((r) => r.trashed('a', [t3.id, t1.id, 99]))).toEqual([e1, e3]);
      expect(await store().read((r) => r.trashed('a', []))).toEqual([]);
      expect(await store().read((r) => r.trashGroup('a', t1.id))).toEqual([e1, e2]);
      expect(await store().read((r) => r.trashGroup('a', t3.id))).toEqual([e3]);
      expect(await store().read((r) => r.trashGroup('a', t2.id))).toEqual([]);
      expect(await store().read((r) => r.listTrash('a', 10))).toEqual([e3, e2, e1]);
      expect(await store().read((r) => r.listTrash('a', 2))).toEqual([e3, e2]);
      expect(await store().read((r) => r.listTrash('b', 10))).toEqual([b1]);
      expect(await store().read((r) => r.trashed('b', [1, 2, 3]))).toEqual([b1]);
      expect(await store().read((r) => r.trashGroup('b', t1.id))).toEqual([b1]); // b's own root 1, not a's
      expect(await store().read((r) => r.listTrash('c', 10))).toEqual([]);

      await store().write((w) => w.removeTrash('a', [t1.id, t2.id, 99]));
      expect(await store().read((r) => r.listTrash('a', 10))).toEqual([e3]);
      expect(await store().read((r) => r.listTrash('b', 10))).toEqual([b1]); // b's task 1 stays
      await store().write((w) => w.removeTrash('a', []));
      expect(await store().read((r) => r.listTrash('a', 10))).toEqual([e3]);
    });

    it('restores a deleted task with its id, version, times, lease, labels, comments and search entry; counters never move back', async () => {
      const dep = await insert('a', { title: 'dependency' });
      const t = await insert('a', { title: 'Platypus migration', description: 'move the data', labels: ['ops', 'db'], assignee: 'bo', due_date: '2026-12-24' });
      await store().write(async (w) => {
        await w.setDependencies('a', t.id, [dep.id]);
        await w.insertComment('a', t.id, 'first echidna note', actor, at(1));
        await w.insertComment('a', t.id, 'second note', agent, at(2));
        await w.updateTask('a', t.id, { status: 'done', completed_at: at(3), lease: lease() }, agent, at(3));
      });
      await insert('b', { title: 'Platypus elsewhere' });
      const original = (await get('a', t.id)) as TaskRecord;
      const comments = (await store().read((r) => r.listComments('a', t.id, 10))).items;
      expect(original).toMatchObject({ version: 2, depends_on: [dep.id], created_at: now, updated_at: at(3), updated_by: { principal: 'bo' } });
      expect(comments).toHaveLength(2);
      expect(await store().write((w) => w.deleteTask('a', t.id))).toBe(true);
      expect(await get('a', t.id)).toBeUndefined();

      await store().write((w) => w.restoreTask('a', original, comments));
      expect(await get('a', t.id)).toEqual({ ...original, depends_on: [] }); // edges are the caller's (setDependencies)
      await store().write((w) => w.setDependencies('a', t.id, original.depends_on));
      expect(await get('a', t.id)).toEqual(original);
      expect((await store().read((r) => r.listComments('a', t.id, 10))).items).toEqual(comments);
      const byLabel = await store().read((r) => r.listTasks('a', { sort: 'id', order: 'asc', offset: 0, limit: 10, label: 'db' }));
      expect(byLabel.items).toEqual([original]);
      expect(await store().read((r) => r.distinctValues('a', 'label', '', 10))).toEqual(['db', 'ops']);
      const byTitle = await store().read((r) => r.searchTasks('a', { text: 'platypus', offset: 0, limit: 10 }));
      expect(byTitle.items.map((h) => [h.task.id, h.matched_in])).toEqual([[t.id, 'title']]);
      const byComment = await store().read((r) => r.searchTasks('a', { text: 'echidna', offset: 0, limit: 10 }));
      expect(byComment.items.map((h) => [h.task.id, h.matched_in])).toEqual([[t.id, 'comments']]);
      expect((await store().read((r) => r.searchTasks('a', { text: 'data', offset: 0, limit: 10 }))).total).toBe(1);

      // The restored id was the newest: new tasks and comments still get fresh ids.
      const next = await insert('a');
      expect(next.id).toBe(t.id + 1);
      const c = await store().write((w) => w.insertComment('a', t.id, 'third', actor, now));
      expect(c.id).toBe(Math.max(...comments.map((x) => x.id)) + 1);
      expect((await store().read((r) => r.searchTasks('a', { text: 'echidna third', offset: 0, limit: 10 }))).total).toBe(1);
    });

    it('restores a task whose id is below the counter without moving the counter back', async () => {
      const first = await insert('a', { title: 'first' });
      await insert('a', { title: 'second' });
      await insert('a', { title: 'third' });
      const original = (await get('a', first.id)) as TaskRecord;
      await store().write((w) => w.deleteTask('a', first.id));
      await store().write((w) => w.restoreTask('a', original, []));
      expect(await get('a', first.id)).toEqual(original);
      expect((await store().read((r) => r.listComments('a', first.id, 10))).total).toBe(0);
      expect((await insert('a')).id).toBe(4);
    });

    it('deletes one comment of one task and keeps search in step', async () => {
      const t = await insert('a', { title: 'commented' });
      const other = await insert('a', { title: 'other' });
      const { alpha, beta } = await store().write(async (w) => ({
        alpha: await w.insertComment('a', t.id, 'alpha remark', actor, now),
        beta: await w.insertComment('a', t.id, 'beta remark', actor, now),
      }));
      await insert('b');
      const bComment = await store().write((w) => w.insertComment('b', 1, 'alpha in b', actor, now));
      expect(bComment.id).toBe(alpha.id); // same id, other workspace
      expect(await store().write((w) => w.deleteComment('a', other.id, alpha.id))).toBe(false); // not that task's
      expect(await store().write((w) => w.deleteComment('a', t.id, alpha.id))).toBe(true);
      expect(await store().write((w) => w.deleteComment('a', t.id, alpha.id))).toBe(false);
      expect(await store().write((w) => w.deleteComment('a', t.id, 999))).toBe(false);
      expect((await store().read((r) => r.listComments('a', t.id, 10))).items).toEqual([beta]);
      expect((await store().read((r) => r.listComments('b', 1, 10))).items).toEqual([bComment]);
      const search = (ws: string, text: string) => store().read((r) => r.searchTasks(ws, { text, offset: 0, limit: 10 }));
      expect((await search('a', 'alpha')).total).toBe(0);
      expect((await search('a', 'beta')).items.map((h) => [h.task.id, h.matched_in])).toEqual([[t.id, 'comments']]);
      expect((await search('b', 'alpha')).total).toBe(1);
      expect(await store().write((w) => w.deleteComment('a', t.id, beta.id))).toBe(true);
      expect((await search('a', 'remark')).total).toBe(0);
      expect((await search('a', 'commented')).total).toBe(1);
    });

    it('keeps one mark per workspace, principal and name, replaced on put', async () => {
      const mark = (ws: string, p: string, name: string) => store().read((r) => r.getMark(ws, p, name));
      expect(await mark('a', 'ana', 'standup')).toBeUndefined();
      await store().write((w) => w.putMark('a', 'ana', 'standup', { seq: 3, at: at(0) }));
      expect(await mark('a', 'ana', 'standup')).toEqual({ seq: 3, at: at(0) });
      await store().write((w) => w.putMark('a', 'ana', 'standup', { seq: 9, at: at(5) }));
      expect(await mark('a', 'ana', 'standup')).toEqual({ seq: 9, at: at(5) });
      await store().write((w) => w.putMark('a', 'ana', 'review', { seq: 1, at: at(1) }));
      expect(await mark('a', 'ana', 'standup')).toEqual({ seq: 9, at: at(5) });
      expect(await mark('a', 'ana', 'review')).toEqual({ seq: 1, at: at(1) });
      expect(await mark('a', 'bo', 'standup')).toBeUndefined();
      expect(await mark('b', 'ana', 'standup')).toBeUndefined();
    });

    it('prunes old change records and trash entries of every workspace, and counts them', async () => {
      await store().write(async (w) => {
        await w.appendChanges('a', actor, at(-120), [change(1), change(2)]);
        await w.appendChanges('a', actor, at(0), [change(1)]);
        await w.appendChanges('b', actor, at(-120), [change(1)]);
        await w.appendChanges('b', actor, at(0), [change(1)]);
      });
      const snapshot = { task: { ...(await insert('a')), lease: null }, comments: [], dependents: [] };
      const trash = (task_id: number, minutes: number): TrashRecord => ({
        task_id,
        root_id: task_id,
        seq: task_id,
        deleted_at: at(minutes),
        deleted_by: 'ana',
        snapshot,
      });
      await store().write(async (w) => {
        await w.putTrash('a', [trash(1, -120), trash(2, 0)]);
        await w.putTrash('b', [trash(1, -120), trash(2, -120), trash(3, 0)]);
      });
      expect(await store().prune({})).toEqual({ changes: 0, trash: 0 });
      expect(await store().prune({ changes: at(-60) })).toEqual({ changes: 3, trash: 0 });
      expect(await seqs('a')).toEqual([3]);
      expect(await seqs('b')).toEqual([2]);
      expect((await store().read((r) => r.listTrash('b', 10))).map((e) => e.task_id)).toEqual([3, 2, 1]);
      expect(await store().prune({ changes: at(-60), trash: at(-60) })).toEqual({ changes: 0, trash: 3 });
      expect((await store().read((r) => r.listTrash('a', 10))).map((e) => e.task_id)).toEqual([2]);
      expect((await store().read((r) => r.listTrash('b', 10))).map((e) => e.task_id)).toEqual([3]);
      expect(await store().prune({ changes: at(1), trash: at(1) })).toEqual({ changes: 2, trash: 2 });
      expect(await seqs('a')).toEqual([]);
      // the sequence continues after a prune: a feed's cursor stays valid
      expect((await store().write((w) => w.appendChanges('a', actor, at(2), [change(1)]))).map((c) => c.seq)).toEqual([4]);
    });
  });
}
