#!/usr/bin/env node
// `node bench/pg-search-rls.mjs [repo] [tasks]`: PostgreSQL search_tasks as an ordinary role (row-level security on),
// judged by EXPLAIN (ANALYZE, BUFFERS) of every statement one call sends. Creates a role (NOSUPERUSER NOBYPASSRLS)
// and a schema it owns, opens `repo`'s built store (default: this checkout's dist/) as that role (so the role runs the
// migrations and owns the tables, as deploy/postgres-init.sh sets it up), grows workspace "big" to `tasks` tasks
// (default 100,000) and "small" to 1,000 by SQL as the role (no ANALYZE, autovacuum off on the test server: the grown
// state), then prints each search's statements' buffers and plans, searching as the role and as the server's
// superuser (as `npm run bench` connects: no row-level security); ANALYZE; again. Drops schema and role at the end.
// Words: 12% of tasks have "zephyr" (common), every 5,000th "quokka" (rare), the rest from 2,000 "w<n>" words.
// Env: PLANS=off prints buffers only; KEEP=1 keeps the schema and role; ATTACH=<name> measures a kept one (no growth);
// SKIP_MEASURE=1 only grows. Buffers are shared hit + read of each statement's top plan node, summed per call.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

const [repo = '.', tasksArg = '100000'] = process.argv.slice(2);
const TASKS = Number(tasksArg);
const url = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const { openPostgresStore } = await import(pathToFileURL(resolve(repo, 'dist/store/postgres/index.js')).href);

// ATTACH=<name>: measure a schema (and role, of the same name) an earlier run kept (KEEP=1), without growing it
const attach = process.env.ATTACH;
const role = attach ?? `tw_bench_rls_${randomBytes(4).toString('hex')}`;
const schema = role;
const admin = new pg.Client({ connectionString: url });
await admin.connect();
if (!attach) {
  await admin.query(`CREATE ROLE "${role}" NOLOGIN NOSUPERUSER NOBYPASSRLS`);
  await admin.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${role}"`);
}
const asRole = new URL(url);
asRole.searchParams.set('options', `-c role=${role}`);

const capture = { on: false, list: [] };
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (...args) {
  if (capture.on) capture.list.push({ sql: typeof args[0] === 'string' ? args[0] : args[0]?.text, params: Array.isArray(args[1]) ? args[1] : args[0]?.values });
  return query.apply(this, args);
};

/** Grow one workspace by SQL as the role, in transactions of 10,000 (the workspace setting set, as the store does). */
async function grow(c, ws, n) {
  for (let from = 1; from <= n; from += 10_000) {
    const to = Math.min(n, from + 9_999);
    await c.query('BEGIN');
    await c.query("SELECT set_config('taskwire.workspace', $1, true)", [ws]);
    await c.query(
      `INSERT INTO tasks (workspace, id, title, description, status, priority, priority_rank, labels, created_at, updated_at, created_by, updated_by)
       SELECT $1, i,
              (SELECT string_agg('w' || floor(random() * 2000)::int, ' ') FROM generate_series(1, 3 + (i % 5)) g WHERE g > 0 * i)
                || CASE WHEN i % 5000 = 17 THEN ' quokka' ELSE '' END,
              (SELECT string_agg('w' || floor(random() * 2000)::int, ' ') FROM generate_series(1, 15 + (i % 25)) g WHERE g > 0 * i)
                || CASE WHEN random() < 0.12 THEN ' zephyr' ELSE '' END,
              (ARRAY['todo','todo','todo','in_progress','blocked','done','done','cancelled'])[1 + i % 8],
              'medium', 2, ARRAY['label-' || (i % 20)], now(), now(), 'bench', 'bench'
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
}

const SEARCHES = [
  ['rare word', { text: 'quokka' }],
  ['common word (12%)', { text: 'zephyr' }],
  ['word + prefix', { text: 'zephyr w12' }],
  ['common word + status + label', { text: 'zephyr', status: ['todo'], label: 'label-4' }],
  ['small workspace (1,000 tasks), common word', { text: 'zephyr' }, 'small'],
];

async function measure(store, searchUrl, state) {
  const c = new pg.Client({ connectionString: searchUrl });
  await c.connect();
  await c.query(`SET search_path TO "${schema}"`);
  for (const [name, q, ws = 'big'] of SEARCHES) {
    capture.list = [];
    capture.on = true;
    let result;
    try {
      result = await store.read((r) => r.searchTasks(ws, { offset: 0, limit: 20, ...q }));
    } finally {
      capture.on = false;
    }
    const statements = capture.list.filter((s) => /taskwire_match|taskwire_search|ts_rank_cd/.test(s.sql ?? ''));
    let buffers = 0;
    const plans = [];
    for (const st of statements) {
      const body = st.sql.replace(/^[\s\S]*?set_config\('taskwire\.workspace'[^;]*;/, ''); // a folded BEGIN + set_config prefix
      await c.query('BEGIN');
      await c.query("SELECT set_config('taskwire.workspace', $1, true)", [ws]);
      const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${body}`, st.params);
      const { rows: text } = await c.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${body}`, st.params);
      await c.query('ROLLBACK');
      const top = rows[0]['QUERY PLAN'][0];
      buffers += (top.Plan['Shared Hit Blocks'] ?? 0) + (top.Plan['Shared Read Blocks'] ?? 0);
      plans.push(text.map((r) => r['QUERY PLAN']).join('\n'));
      // taskwire_match (migration 8) and taskwire_search (migration 12) run a query of their own: its plan, with the
      // function's settings (its buffers are in the Function Scan's above)
      const fn = /taskwire_match\(/.test(body) ? 'taskwire_match(text)' : /taskwire_search\(/.test(body) ? 'taskwire_search(tsquery, bigint)' : undefined;
      if (fn) {
        const { rows: proc } = await c.query('SELECT prosrc, proconfig FROM pg_proc WHERE oid = $1::regprocedure', [fn]);
        const settings = proc[0].proconfig.filter((x) => !x.startsWith('search_path'));
        let own;
        if (fn.startsWith('taskwire_match')) {
          const inner = /taskwire_match\((E?'(?:[^']|'')*')\)/.exec(body);
          own = (await c.query(`SELECT ${inner[1]}::text AS q`)).rows[0].q;
        } else {
          const words = /taskwire_search\((to_tsquery\('simple', E?'(?:[^']|'')*'\))/.exec(body);
          own = proc[0].prosrc.replaceAll(/\bq\b/g, words[1]).replace(/\blim\b/, 'NULL');
        }
        await c.query('BEGIN');
        await c.query("SELECT set_config('taskwire.workspace', $1, true)", [ws]);
        for (const x of settings) await c.query(`SET LOCAL ${x.replace('=', ' = ')}`);
        const { rows: plan } = await c.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${own}`);
        await c.query('ROLLBACK');
        plans.push(`(${fn}'s own query)\n${plan.map((r) => r['QUERY PLAN']).join('\n')}`);
      }
    }
    console.log(
      `\n=== ${state} · ${name}: total ${result.total}, ${result.items.length} hits, first ids ${result.items.slice(0, 3).map((h) => h.task.id)}, buffers ${buffers} (${statements.length} statement(s))`,
    );
    if (process.env.PLANS !== 'off') console.log(plans.join('\n---\n'));
  }
  await c.end();
}

let store;
let superStore;
try {
  store = await openPostgresStore({ connectionString: asRole.toString(), schema, statementTimeoutMs: 120_000 });
  superStore = await openPostgresStore({ connectionString: url, schema, statementTimeoutMs: 120_000 });
  const c = new pg.Client({ connectionString: asRole.toString() });
  await c.connect();
  await c.query(`SET search_path TO "${schema}"`);
  for (const ws of attach ? [] : ['big', 'small']) {
    await c.query('BEGIN');
    await c.query("SELECT set_config('taskwire.workspace', $1, true)", [ws]);
    await c.query('INSERT INTO workspaces (name) VALUES ($1) ON CONFLICT DO NOTHING', [ws]);
    await c.query('COMMIT');
  }
  const t0 = Date.now();
  if (!attach) {
    await grow(c, 'big', TASKS);
    await grow(c, 'small', 1000);
    console.log(`grew ${TASKS} + 1000 tasks in ${Math.round((Date.now() - t0) / 1000)} s as ${role} (rolbypassrls false)`);
  }
  await c.end();
  const sizes = await admin.query(
    `SELECT c.relname, pg_relation_size(c.oid) / 8192 AS pages FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname IN ('tasks', 'tasks_pkey', 'tasks_search', 'task_search', 'task_search_pkey', 'task_search_words') ORDER BY 1`,
    [schema],
  );
  console.log(`pages: ${sizes.rows.map((r) => `${r.relname} ${r.pages}`).join(', ')}`);
  if (process.env.SKIP_MEASURE === '1') throw new Error('measurements skipped');
  await measure(store, asRole.toString(), 'grown · role');
  await measure(superStore, url, 'grown · superuser');
  const { rows } = await admin.query('SELECT tablename FROM pg_tables WHERE schemaname = $1', [schema]);
  for (const r of rows) await admin.query(`ANALYZE "${schema}"."${r.tablename}"`);
  await measure(store, asRole.toString(), 'analyzed · role');
  await measure(superStore, url, 'analyzed · superuser');
} finally {
  await store?.close().catch(() => undefined);
  await superStore?.close().catch(() => undefined);
  if (process.env.KEEP === '1' || attach) {
    console.log(`kept schema ${schema} and role ${role}`);
    await admin.end();
    process.exit(0);
  }
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.query(`DROP ROLE IF EXISTS "${role}"`);
  await admin.end();
}
