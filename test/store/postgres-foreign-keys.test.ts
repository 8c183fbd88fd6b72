import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import type { TaskStore } from '../../src/store/types.js';
import { actor, newTask, now, statsOf } from './fixtures.js';
import { roleSuite } from './postgres-role.js';
import { UNDO_MIGRATION_13 } from './postgres-schema.js';

/**
 * PostgreSQL migration 13 (issue 15): the child tables' foreign keys to `tasks`, ON DELETE CASCADE, added to a database
 * that has rows in it (orphans among them) as an ordinary role (row-level security enforced). Same server and skip
 * switch as postgres.test.ts.
 */
const { skip, admin, role } = roleSuite();

/** What the store reads of workspace `ws` that the child rows decide. */
const observe = (store: TaskStore, ws: string, id: number) =>
  store.read(async (r) => ({
    depends_on: (await r.getTask(ws, id))?.depends_on,
    by_label: (await statsOf(r, ws, new Date(now))).by_label,
    waiting: await r.countWaitingOnDependencies(ws),
    comments: (await r.listComments(ws, 1, 10)).total,
  }));

describe.skipIf(skip)('PostgreSQL foreign keys (migration 13)', () => {
  it('are added to a database with rows in it, as an ordinary role: orphans go, every other row stays, deletes cascade', async () => {
    const { schema, connectionString } = await role.schema();
    const s = `"${schema}"`;
    let store = await openPostgresStore({ connectionString, schema });
    try {
      for (const ws of ['a', 'b']) {
        await store.write(async (w) => {
          const one = await w.insertTask(ws, newTask({ title: 'one', labels: ['x'] }), actor, now);
          const two = await w.insertTask(ws, newTask({ title: 'two', labels: ['x', 'y'] }), actor, now);
          const three = await w.insertTask(ws, newTask({ title: 'three', status: 'done' }), actor, now);
          await w.setDependencies(ws, two.id, [one.id, three.id]);
          await w.insertComment(ws, one.id, 'on one', actor, now);
          await w.insertComment(ws, two.id, 'on two', actor, now);
        });
      }
      await store.close();
      // back to schema version 12, the data kept, then rows no reader reaches: children of a task that does not exist
      const owner = new pg.Client({ connectionString });
      await owner.connect();
      try {
        await owner.query(`SET search_path TO ${s}`);
        await owner.query(UNDO_MIGRATION_13);
      } finally {
        await owner.end();
      }
      await admin.query(`INSERT INTO ${s}.task_labels (workspace, task_id, label, status, priority_rank) VALUES ('a', 9, 'x', 'todo', 2), ('b', 8, 'y', 'todo', 2)`);
      await admin.query(`INSERT INTO ${s}.task_deps (workspace, task_id, depends_on) VALUES ('a', 9, 1), ('a', 2, 9)`);
      await admin.query(`INSERT INTO ${s}.comments (workspace, id, task_id, body, author, created_at) VALUES ('a', 7, 9, 'on nine', 'p', now())`);
      const count = async () =>
        (
          await admin.query(
            `SELECT (SELECT count(*) FROM ${s}.task_labels)::int AS labels, (SELECT count(*) FROM ${s}.task_deps)::int AS deps,
                    (SELECT count(*) FROM ${s}.comments)::int AS comments`,
          )
        ).rows[0];
      expect(await count()).toEqual({ labels: 8, deps: 6, comments: 5 });

      store = await openPostgresStore({ connectionString, schema });
      expect(await count()).toEqual({ labels: 6, deps: 4, comments: 4 });
      const { rows: keys } = await admin.query(
        `SELECT conrelid::regclass::text AS child, conname, convalidated, confdeltype, condeferrable,
                (SELECT array_agg(attname::text ORDER BY k.n) FROM unnest(conkey) WITH ORDINALITY k(a, n)
                   JOIN pg_attribute ON attrelid = conrelid AND attnum = k.a) AS columns
           FROM pg_constraint WHERE contype = 'f' AND connamespace = $1::regnamespace ORDER BY conname`,
        [schema],
      );
      expect(keys).toEqual(
        [
          ['comments', 'comments_task_fk', 'task_id'],
          ['task_deps', 'task_deps_depends_on_fk', 'depends_on'],
          ['task_deps', 'task_deps_task_fk', 'task_id'],
          ['task_labels', 'task_labels_task_fk', 'task_id'],
        ].map(([child, conname, column]) => ({
          child: `${s}.${child}`.replace(/"/g, ''),
          conname,
          convalidated: true,
          confdeltype: 'c',
          condeferrable: false,
          columns: ['workspace', column],
        })),
      );
      for (const ws of ['a', 'b']) expect(await observe(store, ws, 2)).toEqual({ depends_on: [1, 3], by_label: { x: 2, y: 1 }, waiting: 1, comments: 1 });
      // deleting on the migrated schema cascades, both ways, and the counters follow; the other workspace keeps its rows
      await store.write((w) => w.deleteTask('a', 1));
      expect(await observe(store, 'a', 2)).toEqual({ depends_on: [3], by_label: { x: 1, y: 1 }, waiting: 0, comments: 0 });
      expect(await observe(store, 'b', 2)).toEqual({ depends_on: [1, 3], by_label: { x: 2, y: 1 }, waiting: 1, comments: 1 });
      expect(await count()).toEqual({ labels: 5, deps: 3, comments: 3 });
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    }
  }, 60_000);
});
