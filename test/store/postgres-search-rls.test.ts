import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { searchWords } from '../../src/store/shared.js';
import type { SearchQuery, TaskStore } from '../../src/store/types.js';
import { actor, newTask, now } from './fixtures.js';
import { roleSuite } from './postgres-role.js';

/**
 * PostgreSQL search as an ordinary role, under row-level security (issue 12 item 3, migration 12): the matches come
 * from the GIN index `task_search_words` through `taskwire_search`, in proportion to the workspace's matches (before,
 * `@@` not being LEAKPROOF, every row of the workspace was read), and a workspace never sees another's rows, whatever
 * the other holds and whatever the caller sets `taskwire.workspace` to. Results (totals, order, scores, snippets) are
 * those of `@@` and `ts_rank_cd` on `tasks.search` read directly. Same server and skip switch as postgres.test.ts.
 */
const { skip, admin, role } = roleSuite();

/** A connection as the role, on `schema`. */
async function connect(connectionString: string, schema: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString });
  await c.connect();
  await c.query(`SET search_path TO "${schema}"`);
  return c;
}

/** Add tasks `from`..`to` to `ws` by SQL, as a grown database gets them (no ANALYZE); `zephyr` in those `hasWord` picks. */
async function grow(c: pg.Client, ws: string, from: number, to: number, hasWord: string): Promise<void> {
  await c.query('BEGIN');
  await c.query("SELECT set_config('taskwire.workspace', $1, true)", [ws]);
  await c.query('INSERT INTO workspaces (name) VALUES ($1) ON CONFLICT DO NOTHING', [ws]);
  await c.query(
    `INSERT INTO tasks (workspace, id, title, description, status, priority, priority_rank, labels, created_at, updated_at, created_by, updated_by)
     SELECT $1, i, $1 || ' task ' || i, 'about w' || (i % 97) || ' and w' || (i % 89) || CASE WHEN ${hasWord} THEN ' zephyr' ELSE '' END,
            (ARRAY['todo','in_progress','done'])[1 + i % 3], 'medium', 2, ARRAY['l' || (i % 4)], now(), now(), 'seed', 'seed'
       FROM generate_series($2::int, $3::int) i`,
    [ws, from, to],
  );
  await c.query(
    `INSERT INTO task_labels (workspace, task_id, label, status, priority_rank)
                 SELECT workspace, id, labels[1], status, priority_rank FROM tasks WHERE workspace = $1 AND id BETWEEN $2 AND $3`,
    [ws, from, to],
  );
  await c.query('UPDATE workspaces SET next_task_id = $2 WHERE name = $1', [ws, to + 1]);
  await c.query('COMMIT');
}

/**
 * The statement a search sends (the folded BEGIN and workspace setting taken off), with its result. The store must be
 * opened with `preparedStatements: false`, so the statement goes out as text with its parameters inlined (a prepared
 * one goes as `EXECUTE name(…)`); the text is the same either way.
 */
async function captured(store: TaskStore, ws: string, q: SearchQuery) {
  const texts: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    if (text?.includes('taskwire_search(')) texts.push(text);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    const result = await store.read((r) => r.searchTasks(ws, q));
    expect(texts).toHaveLength(1);
    return { result, statement: (texts[0] as string).replace(/^[\s\S]*?set_config\('taskwire\.workspace'[^;]*;/, '') };
  } finally {
    pg.Client.prototype.query = query;
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of `statement` (no parameters left: they are inlined) with `taskwire.workspace` = `ws`. */
async function explain(c: pg.Client, ws: string, statement: string, settings: string[] = []): Promise<string> {
  await c.query('BEGIN');
  try {
    await c.query("SELECT set_config('taskwire.workspace', $1, true)", [ws]);
    for (const s of settings) await c.query(`SET LOCAL ${s}`);
    const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${statement}`);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await c.query('ROLLBACK');
  }
}

/**
 * `taskwire_search`'s own query (its body from pg_proc, its SET options applied) explained for tsquery `q`: the plan
 * the function runs, which the caller's EXPLAIN shows only as a Function Scan.
 */
async function explainSearchFunction(c: pg.Client, ws: string, q: string): Promise<string> {
  const { rows } = await c.query(`SELECT prosrc, proconfig, prosecdef FROM pg_proc WHERE oid = 'taskwire_search(tsquery, bigint)'::regprocedure`);
  expect(rows).toHaveLength(1);
  expect(rows[0].prosecdef).toBe(true);
  const config = (rows[0].proconfig as string[]).map((s) => s.replace('=', ' = '));
  expect(config.find((s) => s.startsWith('search_path'))).toMatch(/^search_path = pg_catalog, .*pg_temp$/);
  const body = (rows[0].prosrc as string).replaceAll(/\bq\b/g, `to_tsquery('simple', ${pg.escapeLiteral(q)})`).replace(/\blim\b/, 'NULL');
  return explain(
    c,
    ws,
    body,
    config.filter((s) => !s.startsWith('search_path')),
  );
}

/** Rows read from `relation` by a plan's scans (rows returned and rows removed, per loop). */
function rowsRead(plan: string, relation: string): number {
  let total = 0;
  const lines = plan.split('\n');
  lines.forEach((line, i) => {
    const scan = new RegExp(`Scan.* on ${relation}\\b.*actual rows=(\\d+) loops=(\\d+)`).exec(line);
    if (!scan) return;
    const loops = Number(scan[2]);
    let read = Number(scan[1]);
    for (const next of lines.slice(i + 1, i + 4)) {
      const removed = /Rows Removed by (?:Filter|Index Recheck): (\d+)/.exec(next);
      if (removed) read += Number(removed[1]);
    }
    total += read * loops;
  });
  return total;
}

describe.skipIf(skip)('PostgreSQL search as an ordinary role (row-level security)', () => {
  it('reads a word from the GIN index in proportion to the workspace matches, grown and analyzed', async () => {
    const { schema, connectionString } = await role.schema();
    const store = await openPostgresStore({ connectionString, schema, preparedStatements: false });
    const c = await connect(connectionString, schema);
    try {
      // a: 4,000 tasks, 4 with the word; b: 4,000 tasks, 2,000 with it
      await grow(c, 'a', 1, 4000, 'i % 1000 = 7');
      await grow(c, 'b', 1, 4000, 'i % 2 = 0');
      for (const state of ['grown', 'analyzed']) {
        if (state === 'analyzed') for (const t of ['tasks', 'task_search', 'task_counts', 'task_labels']) await admin.query(`ANALYZE "${schema}".${t}`);
        const { result, statement } = await captured(store, 'a', { text: 'zephyr', offset: 0, limit: 10 });
        expect(result.total).toBe(4);
        expect(result.items.map((h) => h.task.id).sort((x, y) => x - y)).toEqual([7, 1007, 2007, 3007]);
        const outer = await explain(c, 'a', statement);
        expect(outer, state).toContain('Function Scan on taskwire_search');
        expect(outer, state).not.toMatch(/Seq Scan on task|Bitmap Heap Scan on tasks /);
        expect(rowsRead(outer, 'tasks'), `${state}\n${outer}`).toBeLessThanOrEqual(20); // the 4 matches: ranked, then the page
        const inner = await explainSearchFunction(c, 'a', "'zephyr':*");
        expect(inner, state).toContain('Bitmap Index Scan on task_search_words');
        expect(rowsRead(inner, 'task_search'), `${state}\n${inner}`).toBe(4); // not b's 2,000, not a's 4,000
        // with filters (few matches: each checked by primary key), and with a common word (over 1 in 40: the rows)
        const filtered = await captured(store, 'a', { text: 'zephyr', status: ['in_progress'], label: 'l3', offset: 0, limit: 10 });
        expect(filtered.result.items.map((h) => h.task.id).sort((x, y) => x - y)).toEqual([7, 3007]);
        const filteredPlan = await explain(c, 'a', filtered.statement);
        expect(rowsRead(filteredPlan, 'tasks'), `${state}\n${filteredPlan}`).toBeLessThanOrEqual(20);
        const common = await captured(store, 'b', { text: 'zephyr', status: ['todo'], offset: 0, limit: 10 });
        expect(common.result.total).toBe(666); // even ids, status todo (i % 3 = 0)
      }
    } finally {
      await c.end();
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }, 60_000);

  it("never returns another workspace's rows, whatever the caller sets taskwire.workspace to", async () => {
    const { schema, connectionString } = await role.schema();
    const store = await openPostgresStore({ connectionString, schema, preparedStatements: true }); // the searches also as prepared statements
    const c = await connect(connectionString, schema);
    try {
      await store.write(async (w) => {
        for (const n of [1, 2, 3]) await w.insertTask('a', newTask({ title: `a zephyr ${n}` }), actor, now);
        await w.insertTask('a', newTask({ title: 'a other' }), actor, now);
      });
      await grow(c, 'b', 1, 3000, 'true'); // b: 3,000 matches, and a word a never has
      await c.query("UPDATE workspaces SET next_task_id = 3001 WHERE name = 'b'");
      const titles = async (ws: string, q: Partial<SearchQuery> & { text: string }) => {
        const r = await store.read((x) => x.searchTasks(ws, { offset: 0, limit: 50, ...q }));
        return { total: r.total, titles: r.items.map((h) => h.task.title) };
      };
      for (const text of ['zephyr', 'zeph', 'task zephyr', 'b', 'w1']) {
        const r = await titles('a', { text });
        expect(
          r.titles.every((t) => t.startsWith('a ')),
          text,
        ).toBe(true);
        expect(r.total, text).toBe(text.startsWith('zeph') ? 3 : 0);
      }
      expect((await titles('b', { text: 'zephyr' })).total).toBe(3000);
      // search text that reads like SQL or settings is words only (never reaches the setting)
      const sneaky = await titles('a', { text: "zephyr'); SELECT set_config('taskwire.workspace', 'b', true); --" });
      expect(sneaky).toEqual({ total: 0, titles: [] });

      // The store's statement for a, run with the setting naming b (a caller or a bug desynchronizing them): no rows of
      // either. taskwire_search answers for the setting's workspace only, and the rest is under the tasks policy.
      const textStore = await openPostgresStore({ connectionString, schema, preparedStatements: false });
      const { statement } = await captured(textStore, 'a', { text: 'zephyr', offset: 0, limit: 50 }).finally(() => textStore.close());
      const run = async (ws: string | null, sql: string) => {
        await c.query('BEGIN');
        try {
          if (ws !== null) await c.query("SELECT set_config('taskwire.workspace', $1, true)", [ws]);
          return (await c.query(sql)).rows;
        } finally {
          await c.query('ROLLBACK');
        }
      };
      expect(await run('a', statement)).toHaveLength(3);
      expect(await run('b', statement)).toEqual([]);
      expect(await run(null, statement)).toEqual([]);
      // taskwire_search itself: the setting's workspace, never another
      const ids = async (ws: string | null) => (await run(ws, "SELECT id FROM taskwire_search(to_tsquery('simple', 'zephyr:*'), NULL) AS f(id)")).length;
      expect([await ids('a'), await ids('b'), await ids(null), await ids('c')]).toEqual([3, 3000, 0, 0]);
      // task_search under its policy for any role but its owner; the owner reads it through taskwire_search only
      const { rows } = await admin.query(
        `SELECT c.relrowsecurity, c.relforcerowsecurity, has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
           FROM pg_class c, pg_proc p WHERE c.oid = '"${schema}".task_search'::regclass AND p.oid = '"${schema}".taskwire_search(tsquery, bigint)'::regprocedure`,
      );
      expect(rows[0]).toEqual({ relrowsecurity: true, relforcerowsecurity: false, public_execute: false });
    } finally {
      await c.end();
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }, 60_000);

  it('answers as @@ and ts_rank_cd on tasks.search: totals, order, scores, snippets, also across writes', async () => {
    const { schema, connectionString } = await role.schema();
    const store = await openPostgresStore({ connectionString, schema });
    try {
      const texts = [
        ['foo_bar baz', 'naïve café'],
        ['foo bar', 'ÜBER straße 東京 tower'],
        ['bar foo', 'emoji 𝔘nicode x1e5 42'],
        ['zephyr zephyr', 'zephyr in the description'],
        ['other', 'zephyr once'],
        ['Zephyrs', ''],
      ];
      const ids = await store.write(async (w) => {
        const out: number[] = [];
        for (const ws of ['a', 'b']) for (const [title, description] of texts) out.push((await w.insertTask(ws, newTask({ title, description }), actor, now)).id);
        await w.insertComment('a', 5, 'a comment with zephyr and foo', actor, now);
        return out;
      });
      expect(ids).toHaveLength(12);
      await store.write(async (w) => {
        await w.updateTask('a', 2, { description: 'no longer the city' }, actor, now);
        await w.deleteTask('a', 3);
        await w.updateTask('b', 1, { status: 'done' }, actor, now); // not a search column: task_search untouched
      });
      const queries = [
        'zephyr',
        'zeph',
        'foo',
        'foo_bar',
        'foo bar',
        'bar foo',
        'fo ba',
        'naï',
        'NAÏVE',
        'über',
        'stra',
        '東',
        '𝔘',
        'x1',
        '42',
        'city',
        'tower',
        'comment',
        '___',
        'foo ___',
        'nothing',
      ];
      for (const text of queries) {
        const words = searchWords(text);
        const tsquery = words.map((w) => `'${w}':*`).join(' & ');
        const truth = await admin.query(
          `SELECT id, round((ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', search, q) * 1000)::numeric) / 1000 AS score
             FROM "${schema}".tasks, to_tsquery('simple', $2) q WHERE workspace = $1 AND search @@ q ORDER BY 2 DESC, id`,
          ['a', tsquery],
        );
        const got = await store.read((r) => r.searchTasks('a', { text, offset: 0, limit: 50 }));
        expect(got.total, text).toBe(truth.rows.length);
        expect(
          got.items.map((h) => [h.task.id, h.score]),
          text,
        ).toEqual(truth.rows.map((r) => [r.id, Number(r.score)]));
        for (const h of got.items) expect(h.snippet, text).toMatch(/\*\*/);
      }
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }, 60_000);
});
