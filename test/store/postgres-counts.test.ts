import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { PRIORITIES, TASK_STATUSES, type TaskRecord, type TaskStatus, type TaskStore } from '../../src/store/types.js';
import { actor, newTask, now, statsOf } from './fixtures.js';
import { roleSuite } from './postgres-role.js';
import { UNDO_MIGRATION_6 } from './postgres-schema.js';

/**
 * PostgreSQL counts kept on write (migration 6, issue 12): `task_counts`, `label_counts` and the list columns
 * (status, priority rank, due date, assignee) on `task_labels`, kept by triggers and by the store's own label
 * inserts. Checked against a recount from scratch on the raw tables after random store writes (inserts, every
 * patchable list column, label rewrites, deletes, restores), as an ordinary role (row-level security enforced),
 * and after the backfill of a database migrated with tasks in it. Same server and skip switch as postgres.test.ts.
 */
const { skip, admin, role } = roleSuite();

/**
 * Every way the kept counts of `ws` differ from a recount (superuser: no row-level security): counter rows whose n
 * is not the recount (zero rows may stay), recounted combinations with no counter row, and label rows whose list
 * columns are not their task's.
 */
async function drift(schema: string, ws: string): Promise<Record<string, unknown[]>> {
  const s = `"${schema}"`;
  const tasks = await admin.query(
    `WITH want AS (SELECT status, priority, coalesce(assignee, '') AS assignee, parent_id IS NULL AS top, count(*)::int AS n
                     FROM ${s}.tasks WHERE workspace = $1 GROUP BY 1, 2, 3, 4),
          kept AS (SELECT status, priority, assignee, top, n FROM ${s}.task_counts WHERE workspace = $1)
     SELECT coalesce(k.status, w.status) AS status, coalesce(k.priority, w.priority) AS priority, coalesce(k.assignee, w.assignee) AS assignee,
            coalesce(k.top, w.top) AS top, k.n AS kept, coalesce(w.n, 0) AS want
       FROM kept k FULL JOIN want w USING (status, priority, assignee, top)
      WHERE coalesce(k.n, -1) <> coalesce(w.n, 0)`,
    [ws],
  );
  const labels = await admin.query(
    `WITH want AS (SELECT l.label, t.status, count(*)::int AS n FROM ${s}.task_labels l
                     JOIN ${s}.tasks t ON t.workspace = l.workspace AND t.id = l.task_id WHERE l.workspace = $1 GROUP BY 1, 2),
          kept AS (SELECT label, status, n FROM ${s}.label_counts WHERE workspace = $1)
     SELECT coalesce(k.label, w.label) AS label, coalesce(k.status, w.status) AS status, k.n AS kept, coalesce(w.n, 0) AS want
       FROM kept k FULL JOIN want w USING (label, status)
      WHERE coalesce(k.n, -1) <> coalesce(w.n, 0)`,
    [ws],
  );
  const rows = await admin.query(
    `SELECT l.task_id, l.label, l.status, t.status AS task_status FROM ${s}.task_labels l
       LEFT JOIN ${s}.tasks t ON t.workspace = l.workspace AND t.id = l.task_id
      WHERE l.workspace = $1 AND (t.id IS NULL OR NOT t.labels @> ARRAY[l.label]
             OR (l.status, l.priority_rank, l.due_date, l.assignee) IS DISTINCT FROM (t.status, t.priority_rank, t.due_date, t.assignee))`,
    [ws],
  );
  const missing = await admin.query(
    `SELECT t.id, x AS label FROM ${s}.tasks t, unnest(t.labels) x WHERE t.workspace = $1
        AND NOT EXISTS (SELECT 1 FROM ${s}.task_labels l WHERE l.workspace = t.workspace AND l.task_id = t.id AND l.label = x)`,
    [ws],
  );
  const days = await admin.query(
    `WITH want AS (SELECT 'due' AS kind, due_date AS day, count(*)::int AS n FROM ${s}.tasks
                    WHERE workspace = $1 AND status IN ('todo','in_progress','blocked') AND due_date IS NOT NULL GROUP BY 2
                   UNION ALL
                   SELECT 'done', (completed_at AT TIME ZONE 'UTC')::date, count(*)::int FROM ${s}.tasks
                    WHERE workspace = $1 AND completed_at IS NOT NULL GROUP BY 2),
          kept AS (SELECT kind, day, n FROM ${s}.day_counts WHERE workspace = $1)
     SELECT coalesce(k.kind, w.kind) AS kind, coalesce(k.day, w.day)::text AS day, k.n AS kept, coalesce(w.n, 0) AS want
       FROM kept k FULL JOIN want w USING (kind, day)
      WHERE coalesce(k.n, -1) <> coalesce(w.n, 0)`,
    [ws],
  );
  return { task_counts: tasks.rows, label_counts: labels.rows, label_rows: rows.rows, missing_label_rows: missing.rows, day_counts: days.rows };
}

const noDrift = { task_counts: [], label_counts: [], label_rows: [], missing_label_rows: [], day_counts: [] };

/** Store-level writes touching every column the counters and the label rows follow. */
type Op =
  | { op: 'insert'; status: TaskStatus; priority: number; assignee: number; labels: number[]; due: number; parent: number }
  | { op: 'patch'; task: number; status?: TaskStatus; priority?: number; assignee?: number; labels?: number[]; due?: number; parent?: number; completed?: number }
  | { op: 'delete'; task: number }
  | { op: 'restore'; which: number };

const labelsArb = fc.uniqueArray(fc.nat(3), { maxLength: 3 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      status: fc.constantFrom(...TASK_STATUSES),
      priority: fc.nat(3),
      assignee: fc.nat(3),
      labels: labelsArb,
      due: fc.nat(4),
      parent: fc.nat(15),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record(
      {
        op: fc.constant('patch' as const),
        task: fc.nat(15),
        status: fc.constantFrom(...TASK_STATUSES),
        priority: fc.nat(3),
        assignee: fc.nat(3),
        labels: labelsArb,
        due: fc.nat(4),
        parent: fc.nat(15),
        completed: fc.nat(3),
      },
      { requiredKeys: ['op', 'task'] },
    ),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), task: fc.nat(15) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('restore' as const), which: fc.nat(5) }), weight: 1 },
);

/** 0 → no assignee / due date, else one of a few values. */
const assigneeOf = (n: number) => (n === 0 ? null : `a${n}`);
const dueOf = (n: number) => (n === 0 ? null : n % 2 === 1 ? `2026-11-1${n}` : `2026-12-0${n}`); // odd: overdue at `now`
/** Around the 7-day window's start at `now` (2026-11-14T10:00Z): before it, later on its first day, the day before `now`. */
const completedOf = (n: number) => [null, '2026-11-14T09:00:00.000Z', '2026-11-14T11:00:00.000Z', '2026-11-20T23:30:00.000Z'][n] ?? null;

async function apply(store: TaskStore, ws: string, ops: readonly Op[]): Promise<void> {
  const trash: TaskRecord[] = [];
  for (const o of ops) {
    await store.write(async (w) => {
      const all = (await w.listTasks(ws, { status: [...TASK_STATUSES], sort: 'id', order: 'asc', offset: 0, limit: 1000 })).items;
      const pick = (n: number) => (all.length === 0 ? undefined : all[n % all.length]);
      if (o.op === 'insert') {
        await w.insertTask(
          ws,
          newTask({
            status: o.status,
            priority: PRIORITIES[o.priority],
            assignee: assigneeOf(o.assignee),
            labels: o.labels.map((l) => `l${l}`),
            due_date: dueOf(o.due),
            parent_id: o.parent % 3 === 0 ? null : (pick(o.parent)?.id ?? null),
          }),
          actor,
          now,
        );
      } else if (o.op === 'patch') {
        const t = pick(o.task);
        if (!t) return;
        const parent = o.parent === undefined ? undefined : o.parent % 3 === 0 ? null : pick(o.parent)?.id;
        await w.updateTask(
          ws,
          t.id,
          {
            ...(o.status === undefined ? {} : { status: o.status }),
            ...(o.priority === undefined ? {} : { priority: PRIORITIES[o.priority] }),
            ...(o.assignee === undefined ? {} : { assignee: assigneeOf(o.assignee) }),
            ...(o.labels === undefined ? {} : { labels: o.labels.map((l) => `l${l}`) }),
            ...(o.due === undefined ? {} : { due_date: dueOf(o.due) }),
            ...(parent === undefined || parent === t.id ? {} : { parent_id: parent }),
            ...(o.completed === undefined ? {} : { completed_at: completedOf(o.completed) }),
          },
          actor,
          now,
        );
      } else if (o.op === 'delete') {
        const t = pick(o.task);
        if (t) {
          trash.push(t);
          await w.deleteTask(ws, t.id);
        }
      } else if (trash.length > 0) {
        const [back] = trash.splice(o.which % trash.length, 1);
        if (back) await w.restoreTask(ws, back, []);
      }
    });
  }
}

describe.skipIf(skip)('PostgreSQL counts kept on write (migration 6)', () => {
  it('equal a recount after any sequence of store writes, as an ordinary role (property test)', async () => {
    const { schema, connectionString } = await role.schema();
    const store = await openPostgresStore({ connectionString, schema });
    try {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 50, size: 'max' }), async (ops) => {
          const ws = `counts-${run++}`;
          await apply(store, ws, ops);
          expect(await drift(schema, ws)).toEqual(noDrift);
          // and the stats the counters answer agree with the records
          const records = (await store.read((r) => r.listTasks(ws, { status: [...TASK_STATUSES], sort: 'id', order: 'asc', offset: 0, limit: 1000 }))).items;
          const stats = await store.read((r) => statsOf(r, ws, new Date(now)));
          expect(stats.total).toBe(records.length);
          for (const s of TASK_STATUSES) expect(stats.by_status[s]).toBe(records.filter((t) => t.status === s).length);
          const open = records.filter((t) => ['todo', 'in_progress', 'blocked'].includes(t.status));
          expect(stats.overdue).toBe(open.filter((t) => t.due_date !== null && t.due_date < now.slice(0, 10)).length);
          const since = (days: number) => new Date(Date.parse(now) - days * 86_400_000).toISOString();
          expect(stats.completed_last_7_days).toBe(records.filter((t) => t.completed_at !== null && t.completed_at >= since(7)).length);
          expect(stats.completed_last_30_days).toBe(records.filter((t) => t.completed_at !== null && t.completed_at >= since(30)).length);
        }),
        { numRuns: 50 },
      );
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }, 180_000);

  it('are backfilled when a database with tasks in it is migrated, as an ordinary role', async () => {
    const { schema, connectionString } = await role.schema();
    let store = await openPostgresStore({ connectionString, schema });
    const ops = fc.sample(fc.array(opArb, { minLength: 60, maxLength: 60, size: 'max' }), { numRuns: 1, seed: 6 })[0] as Op[];
    try {
      for (const ws of ['a', 'b']) await apply(store, ws, ops);
      await store.close();
      // back to schema version 5, the data kept: what a database migrated before this release looks like
      const owner = new pg.Client({ connectionString });
      await owner.connect();
      try {
        await owner.query(`SET search_path TO "${schema}"`);
        await owner.query(UNDO_MIGRATION_6);
      } finally {
        await owner.end();
      }
      store = await openPostgresStore({ connectionString, schema });
      for (const ws of ['a', 'b']) {
        expect(await drift(schema, ws)).toEqual(noDrift);
        const { rows } = await admin.query(`SELECT coalesce(sum(n), 0)::int AS n FROM "${schema}".task_counts WHERE workspace = $1`, [ws]);
        expect(rows[0].n).toBeGreaterThan(0);
      }
      // and kept from there on
      await apply(store, 'a', ops.slice(0, 30));
      expect(await drift(schema, 'a')).toEqual(noDrift);
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }, 60_000);
});
