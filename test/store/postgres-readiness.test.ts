import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { TASK_STATUSES, type TaskRecord, type TaskStatus, type TaskStore } from '../../src/store/types.js';
import { actor, newTask, now } from './fixtures.js';
import { roleSuite } from './postgres-role.js';
import { UNDO_MIGRATION_6 } from './postgres-schema.js';

/**
 * PostgreSQL readiness counters (migration 5, issue 12): `open_deps` / `open_children` kept by triggers, the partial
 * indexes next_task reads, and the backfill of a database migrated with tasks in it. Checked against a recount from
 * scratch, on the raw tables, after writes in orders the domain service never makes (a task deleted before its
 * subtasks, an edge to a task that does not exist yet, a task restored after its subtasks), and as an ordinary role
 * (row-level security enforced). Same server and skip switch as postgres.test.ts.
 */
const { skip, admin, role } = roleSuite();
const OPEN = `('todo','in_progress','blocked')`;

/** Rows of `schema.tasks` of `ws` whose counters differ from a recount of their definition (superuser: no RLS). */
async function wrongCounters(schema: string, ws: string): Promise<unknown[]> {
  const { rows } = await admin.query(
    `SELECT t.id, t.open_deps, t.open_children,
            (SELECT count(*)::int FROM "${schema}".task_deps d JOIN "${schema}".tasks x ON x.workspace = d.workspace AND x.id = d.depends_on
              WHERE d.workspace = t.workspace AND d.task_id = t.id AND x.status IN ${OPEN}) AS deps_want,
            (SELECT count(*)::int FROM "${schema}".tasks c WHERE c.workspace = t.workspace AND c.parent_id = t.id AND c.status IN ${OPEN}) AS children_want
       FROM "${schema}".tasks t WHERE t.workspace = $1`,
    [ws],
  );
  return rows.filter((r) => r.open_deps !== r.deps_want || r.open_children !== r.children_want);
}

/** Actionable ids (in next_task's order, optionally filtered) and the waiting count, by the definition, without the counters. */
async function byDefinition(schema: string, ws: string, filter: { assignee?: string; label?: string } = {}): Promise<{ ids: number[]; waiting: number }> {
  const params: unknown[] = [ws];
  let extra = '';
  if (filter.assignee !== undefined) extra += ` AND t.assignee = $${params.push(filter.assignee)}`;
  if (filter.label !== undefined)
    extra += ` AND EXISTS (SELECT 1 FROM "${schema}".task_labels l WHERE l.workspace = t.workspace AND l.task_id = t.id AND l.label = $${params.push(filter.label)})`;
  const openDep = `EXISTS (SELECT 1 FROM "${schema}".task_deps d JOIN "${schema}".tasks x ON x.workspace = d.workspace AND x.id = d.depends_on
                    WHERE d.workspace = t.workspace AND d.task_id = t.id AND x.status IN ${OPEN})`;
  const openChild = `EXISTS (SELECT 1 FROM "${schema}".tasks c WHERE c.workspace = t.workspace AND c.parent_id = t.id AND c.status IN ${OPEN})`;
  const { rows } = await admin.query(
    `SELECT t.id FROM "${schema}".tasks t WHERE t.workspace = $1 AND t.status = 'todo' AND NOT ${openDep} AND NOT ${openChild} ${extra}
      ORDER BY t.priority_rank DESC, t.due_date ASC NULLS LAST, t.created_at, t.id`,
    params,
  );
  const waiting = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".tasks t WHERE t.workspace = $1 AND t.status = 'todo' AND ${openDep}`, [ws]);
  return { ids: rows.map((r) => r.id), waiting: waiting.rows[0].n };
}

async function expectMatchesDefinition(store: TaskStore, schema: string, ws: string): Promise<void> {
  expect(await wrongCounters(schema, ws)).toEqual([]);
  for (const filter of [{}, { assignee: 'a1' }, { label: 'l1' }]) {
    const want = await byDefinition(schema, ws, filter);
    const got = await store.read((r) => r.actionableTasks(ws, filter, 1000));
    expect(got.map((t) => t.id)).toEqual(want.ids);
  }
  expect(await store.read((r) => r.countWaitingOnDependencies(ws))).toBe((await byDefinition(schema, ws)).waiting);
}

/** Store-level writes, in any order the port allows (the service is stricter: these are the orders it does not make). */
type Op =
  | { op: 'insert'; status: TaskStatus; parent: number; label: number; assignee: number; priority: number }
  | { op: 'status'; task: number; status: TaskStatus }
  | { op: 'parent'; task: number; parent: number }
  | { op: 'deps'; task: number; deps: number[] }
  | { op: 'delete'; task: number }
  | { op: 'restore'; which: number };

const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      status: fc.constantFrom(...TASK_STATUSES),
      parent: fc.nat(15),
      label: fc.nat(2),
      assignee: fc.nat(2),
      priority: fc.nat(3),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('status' as const), task: fc.nat(15), status: fc.constantFrom(...TASK_STATUSES) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('parent' as const), task: fc.nat(15), parent: fc.nat(15) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('deps' as const), task: fc.nat(15), deps: fc.uniqueArray(fc.nat(20), { maxLength: 4 }) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), task: fc.nat(15) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('restore' as const), which: fc.nat(5) }), weight: 1 },
);

/**
 * Apply `ops` to workspace `ws`: ids and dependency targets are picked among existing tasks (an edge to a missing task is
 * a foreign-key violation since migration 13; a deleted task's edges go with it, both ways).
 */
async function apply(store: TaskStore, ws: string, ops: readonly Op[]): Promise<void> {
  const trash: TaskRecord[] = [];
  for (const [i, o] of ops.entries()) {
    const when = new Date(Date.parse(now) + (i % 7) * 1000).toISOString(); // repeated times: the id breaks ties
    await store.write(async (w) => {
      const all = (await w.listTasks(ws, { status: [...TASK_STATUSES], sort: 'id', order: 'asc', offset: 0, limit: 1000 })).items;
      const pick = (n: number) => (all.length === 0 ? undefined : all[n % all.length]);
      if (o.op === 'insert') {
        const parent = o.parent % 4 === 0 ? null : (pick(o.parent)?.id ?? null);
        await w.insertTask(
          ws,
          newTask({ status: o.status, parent_id: parent, labels: [`l${o.label}`], assignee: `a${o.assignee}`, priority: PRIORITIES[o.priority] }),
          actor,
          when,
        );
      } else if (o.op === 'status') {
        const t = pick(o.task);
        if (t) await w.updateTask(ws, t.id, { status: o.status }, actor, when);
      } else if (o.op === 'parent') {
        const [t, p] = [pick(o.task), pick(o.parent)];
        if (t && p && t.id !== p.id && !(await w.ancestors(ws, p.id)).includes(t.id)) {
          await w.updateTask(ws, t.id, { parent_id: o.parent % 3 === 0 ? null : p.id }, actor, when);
        }
      } else if (o.op === 'deps') {
        const t = pick(o.task);
        if (t)
          await w.setDependencies(
            ws,
            t.id,
            [...new Set(o.deps.map((d) => pick(d)?.id as number))].filter((d) => d !== t.id),
          );
      } else if (o.op === 'delete') {
        // the store deletes a task with subtasks too (they keep a parent_id that names no task until it comes back)
        const t = pick(o.task);
        if (t) {
          trash.push(t);
          await w.deleteTask(ws, t.id);
        }
      } else if (trash.length > 0) {
        const [back] = trash.splice(o.which % trash.length, 1);
        if (back) {
          // restored with its parent even when that is gone, and its subtasks (if any are left) already there
          await w.restoreTask(ws, back, []);
          const alive = new Set((await w.getTasks(ws, back.depends_on)).map((d) => d.id));
          await w.setDependencies(
            ws,
            back.id,
            back.depends_on.filter((d) => alive.has(d)),
          );
        }
      }
    });
  }
}

describe.skipIf(skip)('PostgreSQL readiness counters (migration 5)', () => {
  it('equal a recount after any sequence of store writes, as an ordinary role (property test)', async () => {
    const { schema, connectionString } = await role.schema();
    const store = await openPostgresStore({ connectionString, schema });
    try {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 60, size: 'max' }), async (ops) => {
          const ws = `ready-${run++}`;
          await apply(store, ws, ops);
          await expectMatchesDefinition(store, schema, ws);
        }),
        { numRuns: 60 },
      );
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }, 180_000);

  it('count subtasks that exist before the task itself, and forget them and its edges with it', async () => {
    const { schema, connectionString } = await role.schema();
    const store = await openPostgresStore({ connectionString, schema });
    try {
      const ws = 'w';
      const [p, c, d, e] = await store.write(async (w) => [
        await w.insertTask(ws, newTask({ title: 'parent' }), actor, now),
        await w.insertTask(ws, newTask({ title: 'child' }), actor, now),
        await w.insertTask(ws, newTask({ title: 'dependent' }), actor, now),
        await w.insertTask(ws, newTask({ title: 'blocker', status: 'in_progress' }), actor, now),
      ]);
      if (!p || !c || !d || !e) throw new Error('setup');
      await store.write(async (w) => {
        await w.updateTask(ws, c.id, { parent_id: p.id }, actor, now);
        await w.setDependencies(ws, d.id, [p.id]);
        await w.setDependencies(ws, p.id, [e.id]);
      });
      expect((await store.read((r) => r.actionableTasks(ws, {}, 10))).map((t) => t.id)).toEqual([c.id]);
      // the parent goes first: its dependent is free, its child keeps a parent_id that names nothing
      const parent = (await store.read((r) => r.getTask(ws, p.id))) as TaskRecord;
      await store.write((w) => w.deleteTask(ws, p.id));
      expect((await store.read((r) => r.actionableTasks(ws, {}, 10))).map((t) => t.id)).toEqual([c.id, d.id]);
      await expectMatchesDefinition(store, schema, ws);
      // its edges went with it, both ways; an edge to it cannot be made while it does not exist (migration 13)
      expect(await store.read((r) => r.dependents(ws, e.id))).toEqual([]);
      await expect(store.write((w) => w.setDependencies(ws, d.id, [p.id]))).rejects.toMatchObject({ code: 'internal' });
      // the restored parent finds its open child (open_children 1); its edges come back after it, and its dependent waits again
      await store.write(async (w) => {
        await w.restoreTask(ws, parent, []);
        await w.setDependencies(ws, p.id, [e.id]);
        await w.setDependencies(ws, d.id, [p.id]);
      });
      expect((await store.read((r) => r.actionableTasks(ws, {}, 10))).map((t) => t.id)).toEqual([c.id]);
      expect(await store.read((r) => r.countWaitingOnDependencies(ws))).toBe(2);
      await expectMatchesDefinition(store, schema, ws);
      // closing the child and the blocker frees the parent; closing the parent frees the dependent
      await store.write(async (w) => {
        await w.updateTask(ws, c.id, { status: 'done' }, actor, now);
        await w.updateTask(ws, e.id, { status: 'cancelled' }, actor, now);
      });
      expect((await store.read((r) => r.actionableTasks(ws, {}, 10))).map((t) => t.id)).toEqual([p.id]);
      await store.write((w) => w.updateTask(ws, p.id, { status: 'done' }, actor, now));
      expect((await store.read((r) => r.actionableTasks(ws, {}, 10))).map((t) => t.id)).toEqual([d.id]);
      expect(await store.read((r) => r.countWaitingOnDependencies(ws))).toBe(0);
      await expectMatchesDefinition(store, schema, ws);
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });

  it('are backfilled when a database with tasks in it is migrated, as an ordinary role', async () => {
    const { schema, connectionString } = await role.schema();
    let store = await openPostgresStore({ connectionString, schema });
    const ops = fc.sample(fc.array(opArb, { minLength: 80, maxLength: 80, size: 'max' }), { numRuns: 1, seed: 12 })[0] as Op[];
    try {
      for (const ws of ['a', 'b']) await apply(store, ws, ops);
      const before = { a: await byDefinition(schema, 'a'), b: await byDefinition(schema, 'b') };
      expect(before.a.ids.length + before.a.waiting).toBeGreaterThan(0);
      await store.close();
      // back to schema version 4, the data kept: what a database migrated before this release looks like
      const owner = new pg.Client({ connectionString });
      await owner.connect();
      try {
        await owner.query(`SET search_path TO "${schema}"`);
        await owner.query(UNDO_MIGRATION_6); // the later migration first
        await owner.query(`DROP TRIGGER tasks_readiness_init ON tasks; DROP TRIGGER tasks_readiness_insert ON tasks;
          DROP TRIGGER tasks_readiness_delete ON tasks; DROP TRIGGER tasks_readiness_update ON tasks; DROP TRIGGER task_deps_readiness ON task_deps;
          DROP FUNCTION taskwire_tasks_readiness_init(), taskwire_tasks_readiness_row(), taskwire_tasks_readiness_update(),
                        taskwire_task_deps_readiness(), taskwire_bump_dependents(text, integer, integer);
          DROP INDEX tasks_actionable, tasks_waiting;
          ALTER TABLE tasks DROP COLUMN open_deps, DROP COLUMN open_children;
          DELETE FROM taskwire_migrations WHERE version = 5;`);
      } finally {
        await owner.end();
      }
      store = await openPostgresStore({ connectionString, schema });
      for (const ws of ['a', 'b'] as const) {
        await expectMatchesDefinition(store, schema, ws);
        expect((await store.read((r) => r.actionableTasks(ws, {}, 1000))).map((t) => t.id)).toEqual(before[ws].ids);
      }
      // and kept from there on
      await apply(store, 'a', ops.slice(0, 30));
      await expectMatchesDefinition(store, schema, 'a');
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }, 60_000);
});
