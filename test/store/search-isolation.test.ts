import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { NewTask, SearchQuery, TaskStore } from '../../src/store/types.js';
import { tempDir } from '../harness.js';
import { actor, newTask, now } from './fixtures.js';

/**
 * Issue 13 item 4: a workspace's search scores and order depend on its own tasks only. On SQLite bm25() takes its
 * statistics (document count, documents per word, average length) from the FTS5 table it runs on, so each workspace
 * has its own table; PostgreSQL's ts_rank_cd is an immutable function of the row's tsvector and the query. Both
 * engines run the same check: another workspace's writes (tasks full of the same words, long texts, comments,
 * updates, a delete) leave every score, the order, the snippets and the totals of the first workspace unchanged.
 */
const url = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const skipPostgres = process.env.TASKWIRE_TEST_POSTGRES === 'skip';
const admin = skipPostgres ? undefined : new pg.Pool({ connectionString: url, max: 1 });
afterAll(() => admin?.end());

type Opened = { store: TaskStore; cleanup: () => Promise<void> };
const engines: Array<[string, () => Promise<Opened>]> = [
  [
    'sqlite',
    async () => {
      const tmp = tempDir();
      const store = openSqliteStore({ path: join(tmp.dir, 'tasks.db') });
      const cleanup = async () => {
        await store.close();
        tmp.cleanup();
      };
      return { store, cleanup };
    },
  ],
  ...(skipPostgres
    ? []
    : ([
        [
          'postgres',
          async () => {
            const schema = `tw_test_iso_${randomBytes(6).toString('hex')}`;
            const store = await openPostgresStore({ connectionString: url, schema });
            const cleanup = async () => {
              await store.close();
              await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
            };
            return { store, cleanup };
          },
        ],
      ] as Array<[string, () => Promise<Opened>]>)),
];

const QUERIES: Array<Omit<SearchQuery, 'offset' | 'limit'>> = [
  { text: 'falcon' },
  { text: 'river' },
  { text: 'falcon river' },
  { text: 'fal' }, // a prefix
  { text: 'falcon', status: ['todo'] },
  { text: 'river', label: 'wild' },
  { text: 'nest', assignee: 'kim' }, // matched in a comment
];

/** Workspace a: 20 tasks, the searched words in a few of them, with different counts and lengths. */
const OWN: NewTask[] = [
  newTask({ title: 'falcon over the river', description: 'seen at dawn', labels: ['wild'] }),
  newTask({ title: 'falcon falcon falcon', description: 'three times in the title', status: 'in_progress' }),
  newTask({ title: 'river report', description: 'the falcon was not there, but the river was high and the banks flooded', labels: ['wild'] }),
  newTask({ title: 'notes', description: 'a falcon', assignee: 'kim' }),
  newTask({ title: 'river river', description: 'falconry course sign-up', labels: ['wild'], status: 'done' }),
  ...Array.from({ length: 15 }, (_, i) => newTask({ title: `unrelated chore ${i}`, description: `sweep the yard, round ${i}`, assignee: i % 2 ? 'kim' : null })),
];

async function snapshot(store: TaskStore) {
  return store.read(async (r) => {
    const out = [];
    for (const q of QUERIES) {
      const page = await r.searchTasks('a', { ...q, offset: 0, limit: 50 });
      out.push({ q: q.text, total: page.total, hits: page.items.map((h) => [h.task.id, h.score, h.matched_in, h.snippet]) });
    }
    return out;
  });
}

describe.each(engines)('search scores and order per workspace (%s)', (_engine, open) => {
  it("another workspace's writes change neither a workspace's scores nor its order", async () => {
    const { store, cleanup } = await open();
    try {
      await store.write(async (w) => {
        for (const t of OWN) await w.insertTask('a', t, actor, now);
        await w.insertComment('a', 4, 'the nest is under the bridge', actor, now);
        await w.insertTask('b', newTask({ title: 'b starts small' }), actor, now);
      });
      const before = await snapshot(store);
      // The check has teeth: the words are found, ranked with different positive scores.
      const falcon = before[0]?.hits ?? [];
      expect(falcon.length).toBe(5);
      expect(new Set(falcon.map((h) => h[1])).size).toBeGreaterThan(2);
      expect(falcon.every((h) => (h[1] as number) > 0)).toBe(true);
      expect(before.map((s) => s.total)).toEqual([5, 3, 3, 5, 3, 3, 1]);

      // Workspace b: 40 tasks full of the same words (long ones move an average length), comments, updates, a delete.
      await store.write(async (w) => {
        for (let i = 0; i < 40; i++) {
          await w.insertTask(
            'b',
            newTask({
              title: `falcon river nest ${i}`,
              description: `falcon ${'river '.repeat(1 + (i % 7))}${'filler words here '.repeat(i % 9)}`,
              labels: ['wild'],
              assignee: 'kim',
            }),
            actor,
            now,
          );
        }
        for (let id = 2; id <= 12; id += 2) await w.insertComment('b', id, 'falcon nest by the river, falconry again', actor, now);
      });
      await store.write(async (w) => {
        for (let id = 3; id <= 20; id += 3) await w.updateTask('b', id, { title: 'falcon falcon river', status: 'in_progress' }, actor, now);
        await w.deleteTask('b', 5);
      });
      const others = await store.read((r) => r.searchTasks('b', { text: 'falcon', offset: 0, limit: 5 }));
      expect(others.total).toBe(39); // b's writes are there

      expect(await snapshot(store)).toEqual(before);
    } finally {
      await cleanup();
    }
  });
});

describe('SQLite search tables per workspace', () => {
  it("a workspace's first write that rolls back leaves no table; the next write makes it, and another process on the file sees it", async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'tasks.db');
    const one = openSqliteStore({ path });
    const two = openSqliteStore({ path });
    const total = (s: TaskStore, ws: string) => s.read(async (r) => (await r.searchTasks(ws, { text: 'heron', offset: 0, limit: 5 })).total);
    try {
      await expect(
        one.write(async (w) => {
          await w.insertTask('c', newTask({ title: 'heron one' }), actor, now);
          expect((await w.searchTasks('c', { text: 'heron', offset: 0, limit: 5 })).total).toBe(1); // its own write sees it
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await total(one, 'c')).toBe(0);
      expect(await total(two, 'c')).toBe(0);
      await one.write((w) => w.insertTask('c', newTask({ title: 'heron two' }), actor, now));
      expect(await total(one, 'c')).toBe(1);
      expect(await total(two, 'c')).toBe(1); // made by the other connection: found, not a stale "no table"
      await two.write((w) => w.insertTask('c', newTask({ title: 'heron three' }), actor, now));
      expect(await total(one, 'c')).toBe(2);
      expect(await total(two, 'c')).toBe(2);
    } finally {
      await one.close();
      await two.close();
      tmp.cleanup();
    }
  });

  it("upgrades migration 8's single index into one table per workspace with the same hits and the scores of a fresh index", async () => {
    const { SQLITE_MIGRATIONS } = await import('../../src/store/sqlite/migrations.js');
    const { openDatabase } = await import('../../src/store/sqlite/driver.js');
    const tmp = tempDir();
    const path = join(tmp.dir, 'v8.db');
    // A database at migration 8 with two workspaces' tasks, labels and comments in the one `tasks_fts`.
    const raw = openDatabase(path);
    for (const m of SQLITE_MIGRATIONS.slice(0, 7)) raw.exec(m as string);
    raw.pragma('user_version = 7');
    const rows: Array<[string, number, string, string, string, string | null, string | null]> = [
      ['a', 1, 'falcon over the river', 'todo', '["wild"]', 'kim', null],
      ['a', 2, 'falcon falcon', 'done', '[]', null, 'the nest is high'],
      ['a', 3, 'chore', 'todo', '[]', null, null],
      ['b', 1, 'falcon river falcon', 'todo', '["wild"]', null, 'another nest'],
    ];
    for (const [ws, id, title, status, labels, assignee, comment] of rows) {
      raw
        .prepare(
          `INSERT INTO tasks (workspace, id, title, status, priority, priority_rank, labels, assignee, created_at, updated_at, created_by, updated_by)
           VALUES (?, ?, ?, ?, 'medium', 2, ?, ?, 'now', 'now', 'p', 'p')`,
        )
        .run(ws, id, title, status, labels, assignee);
      for (const label of JSON.parse(labels) as string[]) {
        raw
          .prepare('INSERT INTO task_labels (workspace, task_id, label, status, priority_rank, assignee) VALUES (?, ?, ?, ?, 2, ?)')
          .run(ws, id, label, status, assignee);
      }
      if (comment) raw.prepare("INSERT INTO comments (workspace, id, task_id, body, author, created_at) VALUES (?, ?, ?, ?, 'p', 'now')").run(ws, id, id, comment);
    }
    raw.close();
    const upgraded = openSqliteStore({ path });
    const fresh = openSqliteStore({ path: ':memory:' });
    await fresh.write(async (w) => {
      for (const [ws, , title, status, labels, assignee, comment] of rows) {
        const t = await w.insertTask(ws, newTask({ title, status: status as NewTask['status'], labels: JSON.parse(labels), assignee }), actor, now);
        if (comment) await w.insertComment(ws, t.id, comment, actor, now);
      }
    });
    const hits = (s: TaskStore, ws: string, q: Omit<SearchQuery, 'offset' | 'limit'>) =>
      s.read(async (r) => (await r.searchTasks(ws, { ...q, offset: 0, limit: 10 })).items.map((h) => [h.task.id, h.score, h.matched_in]));
    try {
      for (const ws of ['a', 'b']) {
        for (const q of [
          { text: 'falcon' },
          { text: 'nest' },
          { text: 'falcon', label: 'wild' },
          { text: 'falcon', status: ['done' as const] },
          { text: 'river', assignee: 'kim' },
        ]) {
          expect(await hits(upgraded, ws, q)).toEqual(await hits(fresh, ws, q));
        }
      }
      expect((await hits(upgraded, 'a', { text: 'falcon' })).map((h) => h[0])).toEqual([2, 1]);
      const check = openDatabase(path, { readonly: true });
      const tables = check.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'tasks_fts%' AND sql LIKE '%fts5%' ORDER BY name").pluck().all();
      check.close();
      expect(tables).toEqual(['tasks_fts_1', 'tasks_fts_2']);
    } finally {
      await upgraded.close();
      await fresh.close();
      tmp.cleanup();
    }
  });
});
