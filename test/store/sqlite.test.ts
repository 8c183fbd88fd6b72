import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/driver.js';
import { childForeignKeys } from '../../src/store/sqlite/foreign-keys.js';
import { openSqliteStore, RANKED_MATCHES } from '../../src/store/sqlite/index.js';
import { SQLITE_MIGRATIONS, type SqliteMigration } from '../../src/store/sqlite/migrations.js';
import { StoreError } from '../../src/store/types.js';
import { tempDir } from '../harness.js';
import { storeContract } from './contract.js';
import { actor, newTask, now, statsOf } from './fixtures.js';

/** The SQL of a migration (the function ones, e.g. 9, are never among the steps these tests replay). */
const sqlOf = (m: SqliteMigration): string => (typeof m === 'string' ? m : '');

storeContract('sqlite', async () => {
  const tmp = tempDir();
  const store = openSqliteStore({ path: join(tmp.dir, 'db', 'tasks.db') });
  const cleanup = async () => {
    await store.close();
    tmp.cleanup();
  };
  return { store, cleanup };
});

storeContract('sqlite :memory:', async () => {
  const store = openSqliteStore({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});

describe('SQLite engine', () => {
  it('search ranks the newest RANKED_MATCHES matches, lists older ones after them newest first, and pages over every match once', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const actor = { principal: 'p', client: null };
    const now = '2026-01-01T00:00:00.000Z';
    const n = RANKED_MATCHES + 150;
    const base = { description: '', status: 'todo' as const, priority: 'low' as const, labels: [], assignee: null, due_date: null, parent_id: null };
    await store.write(async (w) => {
      // Titles repeat the word a varying number of times, so bm25 scores differ; a second workspace's tasks match too.
      for (let i = 0; i < n; i++) await w.insertTask('a', { ...base, title: `${'zebra '.repeat(1 + (i % 4))}task ${i}` }, actor, now);
      for (let i = 0; i < 5; i++) await w.insertTask('b', { ...base, title: `zebra other ${i}` }, actor, now);
    });
    for (const ws of ['a', 'b']) {
      const seen: number[] = [];
      let firstPage: Awaited<ReturnType<typeof store.read<unknown>>> | undefined;
      for (let offset = 0; ; offset += 100) {
        const page = await store.read((r) => r.searchTasks(ws, { text: 'zebra', limit: 100, offset }));
        expect(page.total).toBe(ws === 'a' ? n : 5);
        if (page.items.length === 0) break;
        firstPage ??= page;
        seen.push(...page.items.map((h) => h.task.id));
      }
      expect(seen.length).toBe(ws === 'a' ? n : 5); // every match exactly once
      expect(new Set(seen).size).toBe(seen.length);
      if (ws === 'a') {
        const scores = (firstPage as { items: Array<{ score: number }> }).items.map((h) => h.score);
        expect([...scores].sort((x, y) => y - x)).toEqual(scores); // best first inside the window
        // Past the window: the oldest matches, newest first (ids n-RANKED_MATCHES .. 1).
        expect(seen.slice(RANKED_MATCHES)).toEqual(Array.from({ length: n - RANKED_MATCHES }, (_, i) => n - RANKED_MATCHES - i));
      }
    }
    // Filters take the joined path and agree with the unfiltered one on membership.
    const filtered = await store.read((r) => r.searchTasks('a', { text: 'zebra', status: ['todo'], limit: 10, offset: 0 }));
    expect(filtered.total).toBe(n);
    await store.close();
  });

  it('uses WAL, synchronous=FULL and a busy timeout, and keeps data across reopen', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'tasks.db');
    const store = openSqliteStore({ path });
    await store.write((w) =>
      w.insertTask(
        'a',
        { title: 'persisted', description: '', status: 'todo', priority: 'low', labels: [], assignee: null, due_date: null, parent_id: null },
        { principal: 'p', client: null },
        '2026-01-01T00:00:00.000Z',
      ),
    );
    await store.close();
    const raw = openDatabase(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
    const again = openSqliteStore({ path });
    expect((await again.read((r) => r.getTask('a', 1)))?.title).toBe('persisted');
    await again.close();
    tmp.cleanup();
  });

  it('upgrades a database from before the label list columns, filling them from the tasks', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'old.db');
    const step = SQLITE_MIGRATIONS.findIndex((m) => sqlOf(m).includes('task_labels_by_priority'));
    const raw = openDatabase(path);
    for (const m of SQLITE_MIGRATIONS.slice(0, step)) raw.exec(sqlOf(m));
    raw.pragma(`user_version = ${step}`);
    const insert = raw.prepare(
      `INSERT INTO tasks (workspace, id, title, status, priority, priority_rank, labels, assignee, created_at, updated_at, created_by, updated_by)
       VALUES ('a', ?, ?, ?, ?, ?, '["x"]', ?, 'now', 'now', 'p', 'p')`,
    );
    insert.run(1, 'old low', 'todo', 'low', 1, null);
    insert.run(2, 'old high', 'in_progress', 'high', 3, 'bo');
    insert.run(3, 'old done', 'done', 'critical', 4, null);
    for (const id of [1, 2, 3]) raw.prepare(`INSERT INTO task_labels (workspace, task_id, label) VALUES ('a', ?, 'x')`).run(id);
    raw.close();
    const store = openSqliteStore({ path });
    const list = (q: object) => store.read((r) => r.listTasks('a', { sort: 'priority', order: 'desc', offset: 0, limit: 10, label: 'x', ...q }));
    const open = await list({ status: ['todo', 'in_progress'] });
    expect([open.items.map((t) => t.title), open.total]).toEqual([['old high', 'old low'], 2]);
    expect((await list({ assignee: 'bo' })).total).toBe(1);
    await store.close();
    tmp.cleanup();
  });

  it('upgrades a database of the previous release: readiness, counts and search facets are filled from its rows', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v4.db');
    const step = SQLITE_MIGRATIONS.findIndex((m) => sqlOf(m).includes('CREATE TABLE task_changes'));
    const raw = openDatabase(path);
    for (const m of SQLITE_MIGRATIONS.slice(0, step)) raw.exec(sqlOf(m));
    raw.pragma(`user_version = ${step}`);
    const insert = raw.prepare(
      `INSERT INTO tasks (workspace, id, title, status, priority, priority_rank, labels, assignee, parent_id, created_at, updated_at, created_by, updated_by)
       VALUES ('a', ?, ?, ?, 'medium', 1, ?, ?, ?, ?, 'now', 'p', 'p')`,
    );
    const rows: Array<[number, string, string, string, string | null, number | null]> = [
      [1, 'parent login', 'todo', '["x"]', 'bo', null],
      [2, 'child login', 'in_progress', '[]', null, 1],
      [3, 'waits login', 'todo', '["x"]', 'bo', null],
      [4, 'free login', 'todo', '[]', null, null],
    ];
    for (const [id, title, status, labels, assignee, parent] of rows) {
      const { lastInsertRowid } = insert.run(id, title, status, labels, assignee, parent, `2026-01-0${id}`);
      raw.prepare("INSERT INTO tasks_fts (rowid, title, description, comments) VALUES (?, ?, '', '')").run(lastInsertRowid, title);
      for (const label of JSON.parse(labels) as string[]) {
        raw.prepare("INSERT INTO task_labels (workspace, task_id, label, status, priority_rank, assignee) VALUES ('a', ?, ?, ?, 1, ?)").run(id, label, status, assignee);
      }
    }
    raw.prepare("INSERT INTO task_deps (workspace, task_id, depends_on) VALUES ('a', 3, 4)").run();
    raw.close();
    const store = openSqliteStore({ path });
    const [actionable, waiting, stats, found] = await store.read(async (r) => [
      (await r.actionableTasks('a', {}, 10)).map((t) => t.id),
      await r.countWaitingOnDependencies('a'),
      await statsOf(r, 'a', new Date('2026-02-01T00:00:00Z')),
      (await r.searchTasks('a', { text: 'login', label: 'x', status: ['todo'], offset: 0, limit: 10 })).items.map((h) => h.task.id),
    ]);
    expect(actionable).toEqual([4]); // 1 has an open subtask, 3 waits on 4
    expect(waiting).toBe(1);
    expect(stats).toMatchObject({ total: 4, by_status: { todo: 3, in_progress: 1 }, by_label: { x: 2 }, by_assignee: { bo: 2, '(unassigned)': 2 } });
    expect(found.sort()).toEqual([1, 3]);
    await store.close();
    tmp.cleanup();
  });

  it('folds diacritics before deciding a word could match a filter token: ḟ2 is f2 to the tokenizer', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    for (let i = 0; i < 3; i++) await store.write((w) => w.insertTask('a', newTask({ title: `plain ${i}`, labels: ['x', 'y'] }), actor, now));
    const f2 = await store.write((w) => w.insertTask('a', newTask({ title: 'Tune F2 key' }), actor, now));
    for (const text of ['ḟ2', 'Ḟ', 'ｆ2']) {
      const ids = (await store.read((r) => r.searchTasks('a', { text, offset: 0, limit: 10 }))).items.map((h) => h.task.id);
      expect(ids, text).toEqual(text === 'ｆ2' ? [] : [f2.id]); // fullwidth ｆ is not folded: no match, and no facet either
    }
    await store.close();
  });

  it('upgrades a database from before the due and waiting tallies (migration 12): both are filled from its rows', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v11.db');
    const store = openSqliteStore({ path });
    await store.write(async (w) => {
      const due = ['2026-11-01', '2026-11-20', '2026-11-20', '2026-12-24', null];
      const statuses = ['todo', 'blocked', 'done', 'in_progress', 'todo'] as const;
      for (const [i, status] of statuses.entries()) await w.insertTask('a', newTask({ status, due_date: due[i] ?? null }), actor, now);
      await w.setDependencies('a', 1, [2]); // 1 waits on 2 (blocked: open)
      await w.setDependencies('a', 5, [3]); // 5 depends on done 3: not waiting
    });
    await store.close();
    const step = SQLITE_MIGRATIONS.length - 1;
    const raw = openDatabase(path);
    raw.exec(`DROP TABLE due_counts; DROP TABLE waiting_counts; CREATE INDEX tasks_waiting ON tasks (workspace) WHERE status = 'todo' AND open_deps > 0;
      ${['due_counts', 'waiting_counts'].flatMap((t) => ['insert', 'delete', 'update'].map((k) => `DROP TRIGGER ${t}_on_${k};`)).join(' ')}`);
    raw.pragma(`user_version = ${step}`);
    raw.close();
    const again = openSqliteStore({ path });
    const open = ['todo', 'in_progress', 'blocked'] as const;
    const total = (q: object) => again.read(async (r) => (await r.listTasks('a', { sort: 'id', order: 'asc', offset: 0, limit: 10, ...q })).total);
    expect(await again.read((r) => r.countWaitingOnDependencies('a'))).toBe(1);
    expect((await again.read((r) => statsOf(r, 'a', new Date(now)))).overdue).toBe(2); // 1 and 2; 3 is done
    expect(await total({ status: [...open], due_before: '2026-11-20' })).toBe(2);
    expect(await total({ status: [...open], due_after: '2026-11-20' })).toBe(2);
    expect(await total({ overdue: true, today: '2026-12-25' })).toBe(3);
    await again.close();
    tmp.cleanup();
  });

  it('upgrades a database from before the foreign keys: orphan rows go, every other row stays, deletes cascade', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v10.db');
    const step = SQLITE_MIGRATIONS.indexOf(childForeignKeys);
    expect(step).toBe(10);
    const raw = openDatabase(path);
    for (const m of SQLITE_MIGRATIONS.slice(0, step)) typeof m === 'string' ? raw.exec(m) : m(raw);
    raw.pragma(`user_version = ${step}`);
    const task = raw.prepare(
      `INSERT INTO tasks (workspace, id, title, status, priority, priority_rank, labels, created_at, updated_at, created_by, updated_by)
       VALUES (?, ?, ?, ?, 'medium', 2, ?, 'now', 'now', 'p', 'p')`,
    );
    const label = raw.prepare("INSERT INTO task_labels (workspace, task_id, label, status, priority_rank) VALUES (?, ?, ?, 'todo', 2)");
    const edge = raw.prepare('INSERT INTO task_deps (workspace, task_id, depends_on) VALUES (?, ?, ?)');
    const comment = raw.prepare("INSERT INTO comments (workspace, id, task_id, body, author, created_at) VALUES (?, ?, ?, ?, 'p', 'now')");
    task.run('a', 1, 'one', 'todo', '["x"]');
    task.run('a', 2, 'two', 'todo', '["x","y"]');
    task.run('a', 3, 'three', 'done', '[]');
    task.run('b', 1, 'b one', 'todo', '["x"]');
    for (const [ws, id, l] of [
      ['a', 1, 'x'],
      ['a', 2, 'x'],
      ['a', 2, 'y'],
      ['b', 1, 'x'],
    ] as const)
      label.run(ws, id, l);
    edge.run('a', 2, 1);
    edge.run('a', 2, 3);
    comment.run('a', 1, 1, 'on one');
    comment.run('a', 2, 2, 'on two');
    comment.run('b', 1, 1, 'on b one');
    // orphans: rows of tasks that no longer exist (a's 9, b's 2), and an edge to one
    label.run('a', 9, 'x');
    label.run('b', 2, 'x');
    edge.run('a', 9, 1);
    edge.run('a', 2, 9);
    comment.run('a', 3, 9, 'on nine');
    raw.close();
    // the migration's own count of what it removed, on a copy of the file
    const copy = join(tmp.dir, 'copy.db');
    copyFileSync(path, copy);
    const other = openDatabase(copy);
    other.pragma('foreign_keys = OFF');
    expect(other.transaction(() => childForeignKeys(other)).immediate()).toEqual({ task_labels: 2, task_deps: 2, comments: 1 });
    expect(other.pragma('foreign_key_check')).toEqual([]);
    other.close();

    const store = openSqliteStore({ path });
    const check = openDatabase(path, { readonly: true });
    const keys = (table: string) =>
      (check.pragma(`foreign_key_list(${table})`) as Array<{ table: string; from: string; to: string; on_delete: string }>)
        .map((k) => `${k.from}->${k.table}.${k.to} ${k.on_delete}`)
        .sort();
    expect(keys('comments')).toEqual(['task_id->tasks.id CASCADE', 'workspace->tasks.workspace CASCADE']);
    expect(keys('task_labels')).toEqual(['task_id->tasks.id CASCADE', 'workspace->tasks.workspace CASCADE']);
    expect(keys('task_deps')).toEqual([
      'depends_on->tasks.id CASCADE',
      'task_id->tasks.id CASCADE',
      'workspace->tasks.workspace CASCADE',
      'workspace->tasks.workspace CASCADE',
    ]);
    const rows = (table: string) => check.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3`).raw().all() as unknown[][];
    expect(rows('task_labels').map((r) => r.slice(0, 3))).toEqual([
      ['a', 1, 'x'],
      ['a', 2, 'x'],
      ['a', 2, 'y'],
      ['b', 1, 'x'],
    ]);
    expect(rows('task_deps')).toEqual([
      ['a', 2, 1],
      ['a', 2, 3],
    ]);
    expect(rows('comments').map((r) => r.slice(0, 4))).toEqual([
      ['a', 1, 1, 'on one'],
      ['a', 2, 2, 'on two'],
      ['b', 1, 1, 'on b one'],
    ]);
    // the rebuilt tables kept their indexes and triggers, and the new delete trigger is there
    const objects = (check.prepare("SELECT name FROM sqlite_schema WHERE type IN ('index', 'trigger') AND sql IS NOT NULL").pluck().all() as string[]).sort();
    for (const name of ['comments_by_task', 'task_deps_reverse', 'task_labels_by_priority', 'task_deps_open_on_insert', 'task_deps_open_on_delete']) {
      expect(objects).toContain(name);
    }
    for (const name of ['label_counts_on_insert', 'label_counts_on_delete', 'label_counts_on_update', 'tasks_open_deps_on_delete']) expect(objects).toContain(name);
    const read = () =>
      store.read(async (r) => ({
        two: (await r.getTask('a', 2))?.depends_on,
        byLabel: (await statsOf(r, 'a', new Date('2026-02-01T00:00:00Z'))).by_label,
        bByLabel: (await statsOf(r, 'b', new Date('2026-02-01T00:00:00Z'))).by_label,
        waiting: await r.countWaitingOnDependencies('a'),
        comments: (await r.listComments('a', 1, 10)).total,
      }));
    expect(await read()).toEqual({ two: [1, 3], byLabel: { x: 2, y: 1 }, bByLabel: { x: 1 }, waiting: 1, comments: 1 });
    // deleting on the migrated file cascades, and the counters follow
    await store.write((w) => w.deleteTask('a', 1));
    expect(await read()).toEqual({ two: [3], byLabel: { x: 1, y: 1 }, bByLabel: { x: 1 }, waiting: 0, comments: 0 });
    check.close();
    await store.close();
    tmp.cleanup();
  });

  it('refuses a database written by a newer Taskwire with a clear error', () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'future.db');
    const raw = openDatabase(path);
    raw.pragma('user_version = 999');
    raw.close();
    expect(() => openSqliteStore({ path })).toThrow(/newer than this Taskwire/);
    tmp.cleanup();
  });

  it('reports an unopenable path as unavailable', () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const err = (() => {
      try {
        openSqliteStore({ path: join(file, 'sub', 'here.db') });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('unavailable');
    tmp.cleanup();
  });

  it('rejects use after close as unavailable', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    await store.close();
    await expect(store.read((r) => r.getTask('a', 1))).rejects.toMatchObject({ code: 'unavailable' });
  });
});
