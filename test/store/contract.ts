import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type NewTask, StoreError, type TaskStore } from '../../src/store/types.js';
import { ToolError } from '../../src/toolkit/errors.js';
import { TaskService } from '../../src/toolsets/tasks/service.js';
import { auditContract } from './audit-contract.js';
import { actor, newTask, now, statsOf } from './fixtures.js';
import { historyContract } from './history-contract.js';
import { readinessContract } from './readiness-contract.js';

/**
 * The contract every TaskStore engine passes (SQLite today, PostgreSQL next):
 * `storeContract('sqlite', open)` runs it against a real engine.
 */
export function storeContract(engine: string, open: () => Promise<{ store: TaskStore; cleanup: () => Promise<void> }>): void {
  describe(`TaskStore contract: ${engine}`, () => {
    let store: TaskStore;
    let cleanup: () => Promise<void>;
    const task = newTask;
    const insert = (ws: string, over: Partial<NewTask> = {}) => store.write((w) => w.insertTask(ws, task(over), actor, now));

    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('assigns small ids per workspace and isolates workspaces', async () => {
      const a1 = await insert('a');
      const a2 = await insert('a');
      const b1 = await insert('b', { title: 'B task' });
      expect([a1.id, a2.id, b1.id]).toEqual([1, 2, 1]);
      expect(await store.read((r) => r.getTask('a', 1))).toMatchObject({ title: 'A task', version: 1, created_by: actor });
      expect(await store.read((r) => r.getTask('b', 1))).toMatchObject({ title: 'B task' });
      expect(await store.read((r) => r.getTask('b', 2))).toBeUndefined();
      expect((await store.read((r) => r.listTasks('b', { sort: 'id', order: 'asc', offset: 0, limit: 10 }))).total).toBe(1);
    });

    it('rolls back everything a failed write did', async () => {
      await expect(
        store.write(async (w) => {
          await w.insertTask('a', task({ title: 'first' }), actor, now);
          await w.insertTask('a', task({ title: 'second' }), actor, now);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect((await store.read((r) => r.listTasks('a', { sort: 'id', order: 'asc', offset: 0, limit: 10 }))).total).toBe(0);
      const next = await insert('a');
      expect(next.id).toBe(1); // the id counter rolled back too
    });

    it('bumps version on update; the task service refuses a stale expected version without writing, and of two racing writers exactly one wins', async () => {
      const t = await insert('a');
      const u = await store.write((w) => w.updateTask('a', t.id, { title: 'renamed' }, actor, now));
      expect(u).toMatchObject({ title: 'renamed', version: 2 });
      // The rule is the service's (issue 15): it checks inside the engine's write transaction, which serializes a workspace's writes.
      const service = new TaskService(store);
      const caller = { workspace: 'a', actor };
      const err = await service.updateTask(caller, { id: t.id, title: 'stale', expected_version: 1 }).catch((e) => e);
      expect(err).toBeInstanceOf(ToolError);
      expect(err.code).toBe('version_conflict');
      expect(err.current.version).toBe(2);
      expect((await store.read((r) => r.getTask('a', t.id)))?.title).toBe('renamed');
      const raced = await Promise.allSettled(['left', 'right'].map((title) => service.updateTask(caller, { id: t.id, title, expected_version: 2 })));
      expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = raced.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason.code).toBe('version_conflict');
      expect(await store.read((r) => r.getTask('a', t.id))).toMatchObject({ version: 3 });
    });

    it('filters by status, label, assignee, due dates and parent; sorts; pages', async () => {
      await insert('a', { title: 'low', priority: 'low', labels: ['x'], due_date: '2026-12-01' });
      await insert('a', { title: 'crit', priority: 'critical', assignee: 'bo', due_date: '2026-11-01' });
      await insert('a', { title: 'done', status: 'done', labels: ['x'] });
      await insert('a', { title: 'child', parent_id: 1 });
      const page = (q: object) => store.read((r) => r.listTasks('a', { sort: 'priority', order: 'desc', offset: 0, limit: 10, ...q, today: '2026-11-21' }));
      expect((await page({})).items.map((t) => t.title)).toEqual(['crit', 'done', 'child', 'low']); // priority, then due date (none last), then id
      expect((await page({ label: 'x' })).items.map((t) => t.title)).toEqual(['done', 'low']);
      expect((await page({ assignee: 'bo' })).items.map((t) => t.title)).toEqual(['crit']);
      expect((await page({ status: ['done'] })).items.map((t) => t.title)).toEqual(['done']);
      expect((await page({ parent_id: 1 })).items.map((t) => t.title)).toEqual(['child']);
      expect((await page({ parent_id: null })).total).toBe(3);
      expect((await page({ due_before: '2026-11-15' })).items.map((t) => t.title)).toEqual(['crit']);
      expect((await page({ due_after: '2026-11-15' })).items.map((t) => t.title)).toEqual(['low']);
      expect((await page({ overdue: true })).items.map((t) => t.title)).toEqual(['crit']);
      const p1 = await page({ limit: 2 });
      const p2 = await page({ limit: 2, offset: 2 });
      expect(p1.total).toBe(4);
      expect([...p1.items, ...p2.items].map((t) => t.id).sort()).toEqual([1, 2, 3, 4]);
      const byDue = await page({ sort: 'due_date', order: 'asc' });
      expect(byDue.items.map((t) => t.title).slice(0, 2)).toEqual(['crit', 'low']); // dated first, undated last
    });

    it('keeps label-filtered lists in step with status, priority, due date, assignee and label changes', async () => {
      // Engines may copy list columns next to the label (SQLite does, for speed): every change must reach them.
      const a = await insert('a', { title: 'a', labels: ['x', 'y'], priority: 'low' });
      const b = await insert('a', { title: 'b', labels: ['x'], priority: 'high', due_date: '2026-12-01' });
      const c = await insert('a', { title: 'c', labels: ['x'], priority: 'high' });
      await insert('b', { title: 'other workspace', labels: ['x'] });
      const page = (q: object) =>
        store.read((r) => r.listTasks('a', { sort: 'priority', order: 'desc', offset: 0, limit: 10, label: 'x', status: ['todo', 'in_progress'], ...q }));
      const titles = async (q: object = {}) => {
        const p = await page(q);
        return { titles: p.items.map((t) => t.title), total: p.total };
      };
      expect(await titles()).toEqual({ titles: ['b', 'c', 'a'], total: 3 }); // priority, then dated first, then id
      await store.write((w) => w.updateTask('a', b.id, { status: 'done' }, actor, now));
      expect(await titles()).toEqual({ titles: ['c', 'a'], total: 2 });
      await store.write((w) => w.updateTask('a', a.id, { priority: 'critical', assignee: 'bo' }, actor, now));
      expect(await titles()).toEqual({ titles: ['a', 'c'], total: 2 });
      expect(await titles({ assignee: 'bo' })).toEqual({ titles: ['a'], total: 1 });
      await store.write((w) => w.updateTask('a', c.id, { priority: 'critical', due_date: '2026-01-01' }, actor, now));
      expect(await titles()).toEqual({ titles: ['c', 'a'], total: 2 });
      expect(await titles({ limit: 1, offset: 1 })).toEqual({ titles: ['a'], total: 2 });
      await store.write((w) => w.updateTask('a', a.id, { labels: ['y'] }, actor, now));
      expect(await titles()).toEqual({ titles: ['c'], total: 1 });
      expect(await titles({ label: 'y', assignee: 'bo' })).toEqual({ titles: ['a'], total: 1 });
      expect(await titles({ priority: ['critical'], status: undefined })).toEqual({ titles: ['c'], total: 1 });
      expect(await titles({ status: undefined, sort: 'id', order: 'asc' })).toEqual({ titles: ['b', 'c'], total: 2 });
      expect(await titles({ status: ['done'], due_after: '2026-11-01' })).toEqual({ titles: ['b'], total: 1 });
      const child = await insert('a', { title: 'child', labels: ['x'], parent_id: c.id });
      expect(await titles({ parent_id: null })).toEqual({ titles: ['c'], total: 1 }); // a filter without a parameter
      expect(await titles({ parent_id: c.id })).toEqual({ titles: ['child'], total: 1 });
      await store.write((w) => w.deleteTask('a', child.id));
      await store.write((w) => w.deleteTask('a', c.id));
      expect(await titles()).toEqual({ titles: [], total: 0 });
      expect((await store.read((r) => statsOf(r, 'a', new Date(now)))).by_label).toEqual({ y: 1 });
    });

    it('searches titles, descriptions and comments with ranking and snippets, per workspace', async () => {
      await insert('a', { title: 'Fix login timeout', description: 'Users are logged out after 5 minutes' });
      await insert('a', { title: 'Write docs', description: 'Document the timeout setting' });
      const third = await insert('a', { title: 'Refactor' });
      await store.write((w) => w.insertComment('a', third.id, 'This also touches the timeout code', actor, now));
      await insert('b', { title: 'timeout in workspace b' });
      const res = await store.read((r) => r.searchTasks('a', { text: 'timeout', offset: 0, limit: 10 }));
      expect(res.total).toBe(3);
      expect(res.items[0]?.task.title).toBe('Fix login timeout'); // title matches rank first
      expect(res.items[0]?.matched_in).toBe('title');
      expect(res.items.find((h) => h.task.id === third.id)?.matched_in).toBe('comments');
      expect(res.items[0]?.snippet).toContain('**timeout**');
      const prefix = await store.read((r) => r.searchTasks('a', { text: 'logi', offset: 0, limit: 10 }));
      expect(prefix.items.map((h) => h.task.title)).toContain('Fix login timeout');
      const hostile = await store.read((r) => r.searchTasks('a', { text: 'timeout") * NEAR(', offset: 0, limit: 10 }));
      expect(hostile.total).toBe(0); // FTS syntax is taken as words ("near" matches nothing), never as operators
      const quoted = await store.read((r) => r.searchTasks('a', { text: '"timeout") *', offset: 0, limit: 10 }));
      expect(quoted.total).toBe(3);
    });

    it('matches words that look like its own filter tokens (f<digits>) only in the text, never in the filter index', async () => {
      for (let i = 0; i < 3; i++) await insert('a', { title: `plain ${i}`, labels: ['x', 'y'], assignee: 'ana' });
      const f2 = await insert('a', { title: 'Tune F2 key', labels: ['x'] });
      const search = (text: string, over: object = {}) =>
        store.read(async (r) => (await r.searchTasks('a', { text, offset: 0, limit: 10, ...over })).items.map((h) => h.task.id));
      for (const text of ['f', 'f1', 'f2', 'F', 'f_1', 'tune f']) {
        const want = ['f', 'f2', 'F', 'tune f'].includes(text) ? [f2.id] : [];
        expect(await search(text), text).toEqual(want);
      }
      expect(await search('f', { label: 'x' })).toEqual([f2.id]);
      expect(await search('plain', { label: 'y', assignee: 'ana' })).toHaveLength(3);
    });

    it('indexes new tasks for search inside their own write, after commit, and not after a rollback', async () => {
      // Engines may defer full-text indexing of new tasks to the end of a write (SQLite does, for speed):
      // the transaction must still see its own tasks, a commit must index them, a rollback must not.
      const inside = await store.write(async (w) => {
        const t = await w.insertTask('a', task({ title: 'quokka first' }), actor, now);
        await w.insertTask('a', task({ title: 'quokka second', description: 'wombat' }), actor, now);
        const seen = await w.searchTasks('a', { text: 'quokka', offset: 0, limit: 10 });
        await w.insertComment('a', t.id, 'numbat comment', actor, now);
        await w.updateTask('a', t.id, { title: 'quokka renamed' }, actor, now);
        return seen.total;
      });
      expect(inside).toBe(2);
      await expect(
        store.write(async (w) => {
          await w.insertTask('a', task({ title: 'quokka ghost' }), actor, now);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      await insert('a', { title: 'quokka third' });
      const all = await store.read((r) => r.searchTasks('a', { text: 'quokka', offset: 0, limit: 10 }));
      expect(all.items.map((h) => h.task.title).sort()).toEqual(['quokka renamed', 'quokka second', 'quokka third']);
      expect((await store.read((r) => r.searchTasks('a', { text: 'numbat', offset: 0, limit: 10 }))).total).toBe(1);
      expect((await store.read((r) => r.searchTasks('a', { text: 'wombat', offset: 0, limit: 10 }))).total).toBe(1);
      expect((await store.read((r) => r.searchTasks('a', { text: 'ghost', offset: 0, limit: 10 }))).total).toBe(0);
    });

    it('tracks dependencies, closures, ancestors, actionable tasks and dependents', async () => {
      const a = await insert('a', { title: 'a', priority: 'high' });
      const b = await insert('a', { title: 'b', priority: 'critical' });
      const c = await insert('a', { title: 'c' });
      await store.write((w) => w.setDependencies('a', b.id, [a.id]));
      await store.write((w) => w.setDependencies('a', c.id, [b.id]));
      expect((await store.read((r) => r.getTask('a', c.id)))?.depends_on).toEqual([b.id]);
      expect((await store.read((r) => r.dependencyClosure('a', [c.id]))).sort()).toEqual([
        [b.id, a.id],
        [c.id, b.id],
      ]);
      expect((await store.read((r) => r.dependents('a', a.id))).map((t) => t.id)).toEqual([b.id]);
      expect((await store.read((r) => r.actionableTasks('a', {}, 5))).map((t) => t.title)).toEqual(['a']);
      expect(await store.read((r) => r.countWaitingOnDependencies('a'))).toBe(2);
      await store.write((w) => w.updateTask('a', a.id, { status: 'done' }, actor, now));
      expect((await store.read((r) => r.actionableTasks('a', {}, 5))).map((t) => t.title)).toEqual(['b']);
      const child = await insert('a', { title: 'child', parent_id: c.id });
      expect(await store.read((r) => r.ancestors('a', child.id))).toEqual([c.id]);
    });

    it("reads a task's detail exactly as its parts read it, per workspace", async () => {
      await insert('b', { title: 'other workspace' }); // ids overlap with a's
      const dep = await insert('a', { title: 'dep', status: 'done' });
      const me = await insert('a', { title: 'me', labels: ['x', 'y'], due_date: '2026-12-24' });
      const kids = [await insert('a', { title: 'kid 1', parent_id: me.id }), await insert('a', { title: 'kid 2', parent_id: me.id })];
      const fans = [await insert('a', { title: 'fan 1' }), await insert('a', { title: 'fan 2' })];
      await store.write(async (w) => {
        await w.setDependencies('a', me.id, [dep.id]);
        for (const f of fans) await w.setDependencies('a', f.id, [me.id]);
        for (const body of ['one', 'two', 'three']) await w.insertComment('a', me.id, body, actor, now);
        await w.updateTask(
          'a',
          me.id,
          { lease: { lease_id: 'l1', holder: { principal: 'bo', client: 'c', client_version: '1' }, expires_at: '2026-11-21T11:00:00.000Z' } },
          actor,
          now,
        );
        await w.updateTask('a', kids[1]?.id ?? 0, { status: 'done', completed_at: '2026-11-21T10:30:00.000Z' }, actor, now);
      });
      const parts = await store.read(async (r) => {
        const task = await r.getTask('a', me.id);
        return {
          task,
          comments: await r.listComments('a', me.id, 2),
          subtasks: await r.subtasks('a', me.id),
          dependencies: await r.getTasks('a', task?.depends_on ?? []),
          dependents: await r.dependents('a', me.id),
        };
      });
      const detail = await store.read((r) => r.taskDetail('a', me.id, 2));
      expect(detail).toEqual(parts);
      expect(detail?.comments).toMatchObject({ total: 3, items: [{ body: 'two' }, { body: 'three' }] });
      expect(detail?.subtasks.map((t) => t.completed_at)).toEqual([null, '2026-11-21T10:30:00.000Z']);
      expect(detail?.task.lease?.expires_at).toBe('2026-11-21T11:00:00.000Z');
      expect(detail?.dependents.map((t) => t.title)).toEqual(['fan 1', 'fan 2']);
      expect((await store.read((r) => r.taskDetail('a', me.id, 0)))?.comments).toEqual({ items: [], total: 3 });
      // A page that holds every comment (limit above, or exactly at, the count) reports the same total.
      expect((await store.read((r) => r.taskDetail('a', me.id, 3)))?.comments.total).toBe(3);
      expect((await store.read((r) => r.taskDetail('a', me.id, 10)))?.comments).toMatchObject({ total: 3, items: [{ body: 'one' }, { body: 'two' }, { body: 'three' }] });
      expect(await store.read((r) => r.taskDetail('a', 999, 5))).toBeUndefined();
    });

    it('finds the dependents of tasks created in the same write; an edge cannot name a task before it exists', async () => {
      const early = await insert('a', { title: 'early' });
      const dangling = await store.write((w) => w.setDependencies('a', early.id, [early.id + 1])).catch((e) => e);
      expect(dangling).toBeInstanceOf(StoreError);
      expect(dangling).toMatchObject({ code: 'internal', message: expect.stringMatching(/does not exist \(foreign key\)/) });
      const seen = await store.write(async (w) => {
        const later = await w.insertTask('a', task({ title: 'later' }), actor, now);
        await w.setDependencies('a', early.id, [later.id]);
        const x = await w.insertTask('a', task({ title: 'x' }), actor, now);
        const y = await w.insertTask('a', task({ title: 'y' }), actor, now);
        const before = await w.dependents('a', x.id);
        await w.setDependencies('a', y.id, [x.id]);
        return { later: await w.dependents('a', later.id), before, after: await w.dependents('a', x.id) };
      });
      expect(seen.later.map((t) => t.title)).toEqual(['early']);
      expect(seen.before).toEqual([]);
      expect(seen.after.map((t) => t.title)).toEqual(['y']);
    });

    it('deletes a task with its comments, labels and edges both ways, by cascade, keeping the counts and readiness right', async () => {
      const dep = await insert('a', { title: 'dep' });
      const me = await insert('a', { title: 'me', labels: ['x', 'y'] });
      const fan = await insert('a', { title: 'fan', labels: ['x'] });
      const other = await insert('b', { title: 'other workspace, same id', labels: ['x'] }); // ids overlap with a's
      await store.write(async (w) => {
        await w.setDependencies('a', me.id, [dep.id]);
        await w.setDependencies('a', fan.id, [me.id, dep.id]);
        await w.setDependencies('b', other.id, []);
        for (const body of ['one', 'two']) await w.insertComment('a', me.id, body, actor, now);
        await w.insertComment('b', other.id, 'kept', actor, now);
      });
      expect(await store.read((r) => r.countWaitingOnDependencies('a'))).toBe(2);
      expect(await store.write((w) => w.deleteTask('a', me.id))).toBe(true);
      const after = await store.read(async (r) => ({
        comments: (await r.listComments('a', me.id, 10)).total,
        fan: (await r.getTask('a', fan.id))?.depends_on,
        dependentsOfDep: (await r.dependents('a', dep.id)).map((t) => t.id),
        dependentsOfMe: (await r.dependents('a', me.id)).map((t) => t.id),
        labelled: (await r.listTasks('a', { label: 'x', sort: 'id', order: 'asc', offset: 0, limit: 10 })).items.map((t) => t.id),
        byLabel: (await statsOf(r, 'a', new Date(now))).by_label,
        waiting: await r.countWaitingOnDependencies('a'),
        otherComments: (await r.listComments('b', other.id, 10)).total,
        otherByLabel: (await statsOf(r, 'b', new Date(now))).by_label,
      }));
      expect(after).toEqual({
        comments: 0,
        fan: [dep.id],
        dependentsOfDep: [fan.id],
        dependentsOfMe: [],
        labelled: [fan.id],
        byLabel: { x: 1 },
        waiting: 1, // fan still waits on dep
        otherComments: 1,
        otherByLabel: { x: 1 },
      });
      // the last open dependency gone: fan is actionable (open_deps back to 0, not left at 1 by the cascade)
      await store.write((w) => w.deleteTask('a', dep.id));
      expect(await store.read((r) => r.countWaitingOnDependencies('a'))).toBe(0);
      expect((await store.read((r) => r.actionableTasks('a', {}, 5))).map((t) => t.id)).toEqual([fan.id]);
    });

    it('refuses a comment or a label row for a task that does not exist with a StoreError, writing nothing', async () => {
      await insert('a');
      const err = await store.write((w) => w.insertComment('a', 999, 'lost', actor, now)).catch((e) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ code: 'internal', message: expect.stringMatching(/does not exist \(foreign key\)/) });
      expect((await store.read((r) => r.listComments('a', 999, 10))).total).toBe(0);
      const restored = await store.write((w) => w.insertComment('a', 1, 'kept', actor, now));
      expect(restored.id).toBe(1); // the failed write's comment id rolled back with it
    });

    it('deletes a task with its comments, edges and search entry', async () => {
      const a = await insert('a', { title: 'searchable thing' });
      const b = await insert('a');
      await store.write((w) => w.setDependencies('a', b.id, [a.id]));
      await store.write((w) => w.insertComment('a', a.id, 'hello', actor, now));
      expect(await store.write((w) => w.deleteTask('a', a.id))).toBe(true);
      expect(await store.write((w) => w.deleteTask('a', a.id))).toBe(false);
      expect((await store.read((r) => r.getTask('a', b.id)))?.depends_on).toEqual([]);
      expect((await store.read((r) => r.searchTasks('a', { text: 'searchable', offset: 0, limit: 5 }))).total).toBe(0);
      expect((await store.read((r) => r.listComments('a', a.id, 10))).total).toBe(0);
    });

    it('counts tasks for task_stats: by status, open ones by priority, label and assignee in order, overdue, completions', async () => {
      await insert('a', { priority: 'high', labels: ['x', 'y'], assignee: 'bo', due_date: '2026-11-20' });
      await insert('a', { priority: 'high', labels: ['y'], assignee: 'bo', due_date: '2026-11-21' }); // due today: not overdue yet
      await insert('a', { priority: 'low', labels: ['y', 'z'], status: 'blocked' });
      for (const completed_at of ['2026-11-18T00:00:00.000Z', '2026-10-30T12:00:00.000Z', '2026-10-22T10:00:00.000Z', '2026-10-22T09:59:59.999Z']) {
        await insert('a', { status: 'done', completed_at, labels: ['x'], assignee: 'al', due_date: '2020-01-01' }); // closed: none of it counts as open
      }
      await insert('a', { status: 'cancelled', priority: 'critical' });
      await insert('b', { labels: ['x'], assignee: 'bo', due_date: '2020-01-01' }); // another workspace
      const window = { today: '2026-11-21', since7: '2026-11-14T10:00:00.000Z', since30: '2026-10-22T10:00:00.000Z' };
      const c = await store.read((r) => r.countTasks('a', window));
      const present = (pairs: ReadonlyArray<readonly [string, number]>) => pairs.filter(([, n]) => n > 0).sort();
      expect(present(c.by_status)).toEqual([
        ['blocked', 1],
        ['cancelled', 1],
        ['done', 4],
        ['todo', 2],
      ]);
      expect(new Set(c.by_status.map(([k]) => k)).size).toBe(c.by_status.length); // each status at most once
      expect(present(c.open_by_priority)).toEqual([
        ['high', 2],
        ['low', 1],
      ]);
      expect(c.open_by_label).toEqual([
        ['y', 3],
        ['x', 1],
        ['z', 1],
      ]);
      expect(c.open_by_assignee).toEqual([
        ['bo', 2],
        ['(unassigned)', 1],
      ]);
      expect([c.overdue, c.completed_since7, c.completed_since30]).toEqual([1, 1, 3]); // since30 inclusive, to the millisecond
      expect((await store.read((r) => r.countTasks('a', { ...window, today: '2026-11-22' }))).overdue).toBe(2);
      // a deleted task leaves every count, its label rows with it
      await store.write((w) => w.deleteTask('a', 1));
      const after = await store.read((r) => r.countTasks('a', window));
      expect([present(after.by_status).find(([k]) => k === 'todo'), after.open_by_label, after.overdue]).toEqual([
        ['todo', 1],
        [
          ['y', 2],
          ['z', 1],
        ],
        0,
      ]);
      expect(await store.read((r) => statsOf(r, 'a', new Date('2026-11-21T10:00:00.000Z')))).toMatchObject({
        total: 7,
        by_label: { y: 2, z: 1 },
        by_assignee: { bo: 1, '(unassigned)': 1 },
        completed_last_7_days: 1,
        completed_last_30_days: 3,
      });
    });

    it('counts statistics and keeps idempotency records per workspace', async () => {
      await insert('a', { priority: 'high', labels: ['x'], assignee: 'bo', due_date: '2020-01-01' });
      const done = await insert('a');
      await store.write((w) => w.updateTask('a', done.id, { status: 'done', completed_at: now }, actor, now));
      const s = await store.read((r) => statsOf(r, 'a', new Date(now)));
      expect(s).toMatchObject({
        total: 2,
        by_status: { todo: 1, done: 1, in_progress: 0, blocked: 0, cancelled: 0 },
        by_priority: { high: 1, medium: 0 },
        by_label: { x: 1 },
        by_assignee: { bo: 1 },
        overdue: 1,
        completed_last_7_days: 1,
        completed_last_30_days: 1,
      });
      await store.write((w) => w.putIdempotency('a', 'key-1', { tool: 't', args_hash: 'h', result: '{}', created_at: now }));
      expect(await store.read((r) => r.getIdempotency('a', 'key-1'))).toMatchObject({ tool: 't', args_hash: 'h' });
      expect(await store.read((r) => r.getIdempotency('b', 'key-1'))).toBeUndefined();
    });

    it('completes ids and distinct values by prefix', async () => {
      for (let i = 0; i < 12; i++) await insert('a', { assignee: i % 2 ? 'ana' : 'bob', labels: ['ops'] });
      expect(await store.read((r) => r.idsWithPrefix('a', '1', 10))).toEqual([1, 10, 11, 12]);
      expect(await store.read((r) => r.distinctValues('a', 'assignee', 'a', 10))).toEqual(['ana']);
      expect(await store.read((r) => r.distinctValues('a', 'label', '', 10))).toEqual(['ops']);
      expect(await store.read((r) => r.distinctValues('a', 'assignee', '%', 10))).toEqual([]); // LIKE wildcards are literal
    });

    it('stores API keys by id (hash only), lists them per workspace and revokes once', async () => {
      const key = (id: string, workspace: string, created_at: string) => ({
        id,
        workspace,
        name: `label ${id}`,
        scopes: ['tasks:read', 'tasks:write'],
        secret_hash: 'ab'.repeat(32),
        created_at,
        expires_at: id === 'k2' ? '2027-01-01T00:00:00.000Z' : null,
        revoked_at: null,
      });
      await store.apiKeys.insert(key('k1', 'a', '2026-01-01T00:00:00.000Z'));
      await store.apiKeys.insert(key('k2', 'a', '2026-01-02T00:00:00.000Z'));
      await store.apiKeys.insert(key('k3', 'b', '2026-01-03T00:00:00.000Z'));
      expect(await store.apiKeys.get('k2')).toEqual(key('k2', 'a', '2026-01-02T00:00:00.000Z'));
      expect(await store.apiKeys.get('nope')).toBeUndefined();
      expect((await store.apiKeys.list('a')).map((k) => k.id)).toEqual(['k1', 'k2']);
      expect((await store.apiKeys.list()).map((k) => k.id)).toEqual(['k1', 'k2', 'k3']);
      expect(await store.apiKeys.revoke('k1', now)).toBe(true);
      expect(await store.apiKeys.revoke('k1', now)).toBe(false);
      expect(await store.apiKeys.revoke('nope', now)).toBe(false);
      expect((await store.apiKeys.get('k1'))?.revoked_at).toBe(now);
      await expect(store.apiKeys.insert(key('k1', 'b', now))).rejects.toBeInstanceOf(StoreError);
    });

    auditContract(() => store);
    historyContract(() => store);
    readinessContract(() => store);
  });
}
