#!/usr/bin/env node
// `node bench/pg-search-writes.mjs [repo]`: what keeping search up to date costs PostgreSQL writes, as an ordinary role
// (row-level security on), counted in WAL bytes, not time. On a fresh schema migrated by `repo`'s build (default: this
// checkout), grown to 20,000 tasks by SQL: WAL of inserting 1,000 more tasks (EXPLAIN (ANALYZE, WAL) of the INSERT,
// which counts its index entries but not AFTER triggers; with migration 12 plus the INSERT of the same rows into
// task_search, the trigger's work; the least of 5 runs, as full-page images after a checkpoint vary), and WAL of the
// UPDATE of a status change of 1,000 tasks (no search trigger fires). Also the pages of the search structures. Drops
// schema and role at the end.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

const [repo = '.'] = process.argv.slice(2);
const url = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const { openPostgresStore } = await import(pathToFileURL(resolve(repo, 'dist/store/postgres/index.js')).href);
const name = `tw_bench_wal_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`CREATE ROLE "${name}" NOLOGIN NOSUPERUSER NOBYPASSRLS`);
await admin.query(`CREATE SCHEMA "${name}" AUTHORIZATION "${name}"`);
const asRole = new URL(url);
asRole.searchParams.set('options', `-c role=${name}`);

const insert = (from, to) => [
  `INSERT INTO tasks (workspace, id, title, description, status, priority, priority_rank, created_at, updated_at, created_by, updated_by)
   SELECT 'w', i, (SELECT string_agg('w' || floor(random() * 2000)::int, ' ') FROM generate_series(1, 3 + (i % 5)) g WHERE g > 0 * i),
          (SELECT string_agg('w' || floor(random() * 2000)::int, ' ') FROM generate_series(1, 15 + (i % 25)) g WHERE g > 0 * i),
          'todo', 'medium', 2, now(), now(), 'bench', 'bench'
     FROM generate_series($1::int, $2::int) i`,
  [from, to],
];

try {
  await (await openPostgresStore({ connectionString: asRole.toString(), schema: name })).close();
  const c = new pg.Client({ connectionString: asRole.toString() });
  await c.connect();
  await c.query(`SET search_path TO "${name}"`);
  const tx = async (fn) => {
    await c.query('BEGIN');
    await c.query("SELECT set_config('taskwire.workspace', 'w', true)");
    const out = await fn();
    await c.query('COMMIT');
    return out;
  };
  await tx(() => c.query("INSERT INTO workspaces (name) VALUES ('w')"));
  await tx(() => c.query(...insert(1, 20_000)));
  let next = 20_001;
  const inserts = [];
  const wal = async (sql, params) => (await c.query(`EXPLAIN (ANALYZE, WAL, FORMAT JSON) ${sql}`, params)).rows[0]['QUERY PLAN'][0].Plan['WAL Bytes'];
  const searchTable = (await c.query("SELECT to_regclass('task_search') IS NOT NULL AS yes")).rows[0].yes;
  for (let run = 0; run < 5; run++) {
    inserts.push(
      await tx(async () => {
        let bytes = await wal(...insert(next, next + 999));
        if (searchTable) {
          // the trigger's part, which EXPLAIN does not count: its rows taken out and inserted again, as it inserts them
          await c.query('DELETE FROM task_search WHERE workspace = $1 AND id BETWEEN $2 AND $3', ['w', next, next + 999]);
          bytes += await wal(
            "INSERT INTO task_search SELECT workspace, id, taskwire_search_vector(workspace, search) FROM tasks WHERE workspace = 'w' AND id BETWEEN $1 AND $2",
            [next, next + 999],
          );
        }
        return bytes;
      }),
    );
    next += 1000;
  }
  const update = await tx(async () => {
    const { rows } = await c.query(
      "EXPLAIN (ANALYZE, WAL, FORMAT JSON) UPDATE tasks SET status = 'in_progress', updated_at = now() WHERE workspace = 'w' AND id BETWEEN 1001 AND 2000",
    );
    return rows[0]['QUERY PLAN'][0].Plan;
  });
  await c.end();
  const sizes = await admin.query(
    `SELECT c.relname, pg_relation_size(c.oid) / 8192 AS pages FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname IN ('tasks', 'tasks_search', 'task_search', 'task_search_pkey', 'task_search_words') ORDER BY 1`,
    [name],
  );
  console.log(
    JSON.stringify({
      repo,
      insertWalBytesPerTask: Math.round(Math.min(...inserts) / 1000),
      insertRuns: inserts,
      statusUpdateWalBytesPerTask: Math.round(update['WAL Bytes'] / 1000),
      statusUpdateWalRecords: update['WAL Records'],
      pages: Object.fromEntries(sizes.rows.map((r) => [r.relname, Number(r.pages)])),
    }),
  );
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  await admin.query(`DROP ROLE IF EXISTS "${name}"`);
  await admin.end();
}
