// The scale section of `npm run bench` (issue 12): every read path an agent or a person uses, at 10k and 100k tasks
// (1M with --huge), on SQLite and PostgreSQL, in each state a real database is in:
// - grown: the workspace grew inside this running TaskService/store (no reopen, no ANALYZE);
// - reopened: the store closed and opened again (SQLite runs PRAGMA optimize on close and on open);
// - analyzed (PostgreSQL only): after ANALYZE (autovacuum is off on the test server, so nothing else gathers statistics).
// Plus writes (create_tasks tasks/s in batches of 50, update_task and complete_task p95) and the many-workspaces ratio
// (a small workspace's calls in a file holding one big workspace and 49 small ones, vs. the same calls alone).
// Calls go through the domain service (the code every tool runs) and, for tasks://board, tasks://stats, tasks://{id} and
// tasks://changes, through the resources' own read functions. Each path: one warm-up call (its statements recorded),
// then up to `calls` timed calls within a per-path time cap; a warm-up over 1 s is the only sample (marked "1 call");
// a path whose time at the previous size, scaled quadratically, would pass `maxCallS` is skipped and says so.
// For every path that misses its target, the slowest statement of its warm-up call and that statement's plan
// (EXPLAIN QUERY PLAN / EXPLAIN) are saved and printed. Loopback only; every loop bounded by count and time.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { sqliteDriver } from '../dist/store/sqlite/driver.js';
import { boardResource, changesResource, statsResource, taskResource } from '../dist/toolsets/tasks/resources.js';
import { TaskService } from '../dist/toolsets/tasks/service.js';
import { ASSIGNEES, LABELS, rng, VOCAB } from './dataset.mjs';
import { round, stats, timeSqliteStatements } from './lib.mjs';
import { baseTask, CHAIN_LABEL, COMMON_WORD, callerOf, growBlocked, growMain, growSmall, RARE_WORD, SUB_LABEL } from './shapes.mjs';

/** better-sqlite3 13 or 12, whichever Taskwire loads on this Node (src/store/sqlite/driver.ts). */
const { Database } = sqliteDriver();

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const SMALL_WORKSPACES = 49;
const CATALOGS = [
  'pg_class',
  'pg_attribute',
  'pg_attrdef',
  'pg_depend',
  'pg_index',
  'pg_type',
  'pg_trigger',
  'pg_constraint',
  'pg_policy',
  'pg_proc',
  'pg_namespace',
  'pg_statistic',
];
const SORTS = ['priority', 'due_date', 'created_at', 'updated_at', 'id'];

// ---- statement capture (on only during a path's warm-up call) ----

const capture = { on: false, list: [] };
let instrumented = false;

/** Time every better-sqlite3 statement and pg query while `capture.on`; a flag check otherwise. */
function instrument() {
  if (instrumented) return;
  instrumented = true;
  timeSqliteStatements(
    Database,
    () => capture.on,
    (stmt, params, ms) => capture.list.push({ engine: 'sqlite', db: stmt.database, sql: stmt.source, params, ms }),
  );
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (...args) {
    if (!capture.on) return query.apply(this, args);
    const dispatched = performance.now();
    const sql = typeof args[0] === 'string' ? args[0] : args[0]?.text;
    const params = Array.isArray(args[1]) ? args[1] : args[0]?.values;
    const result = query.apply(this, args);
    if (!result || typeof result.then !== 'function') return result;
    return result.then((value) => {
      // A pg client runs its queries one after another: time each from when the previous one finished.
      const now = performance.now();
      const start = Math.max(dispatched, this.__scaleLastDone ?? 0);
      this.__scaleLastDone = now;
      capture.list.push({ engine: 'postgres', sql, params, ms: now - start });
      return value;
    });
  };
}

const ms = (x) => (x === undefined || x === null ? x : round(x, x < 10 ? 2 : x < 100 ? 1 : 0));

/**
 * Time one path: a warm-up call with statement capture, then up to `calls` calls until `capMs` has passed (at least
 * 5 unless the warm-up alone took over `slowMs`, which then is the only sample).
 */
async function timePath(fn, { calls, capMs, slowMs = 1000 }) {
  capture.list = [];
  capture.on = true;
  const t0 = performance.now();
  try {
    await fn(0);
  } finally {
    capture.on = false;
  }
  const warm = performance.now() - t0;
  const statements = capture.list.sort((a, b) => b.ms - a.ms);
  capture.list = [];
  const times = [];
  if (warm > slowMs) times.push(warm);
  else {
    const deadline = performance.now() + capMs;
    for (let i = 1; i <= calls && (times.length < 5 || performance.now() < deadline); i++) {
      const t = performance.now();
      await fn(i);
      times.push(performance.now() - t);
    }
  }
  const s = stats(times);
  return { p50_ms: ms(s.p50), p95_ms: ms(s.p95), max_ms: ms(s.max), n: s.n, capped: warm > slowMs, warm_ms: ms(warm), statements };
}

// ---- engines ----

async function pgReachable(url) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    const { rows } = await c.query('SHOW autovacuum');
    return { ok: true, autovacuum: rows[0]?.autovacuum };
  } catch (error) {
    return { ok: false, error: error.message };
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function adminQuery(url, sql, params) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/** An empty store of `engine` named `name`, with reopen (close + open), analyze (PostgreSQL) and cleanup. */
async function openEngine(engine, name, { dir, databaseUrl }) {
  if (engine === 'sqlite') {
    const path = join(dir, `scale-${name}.db`);
    const remove = () => {
      for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
    };
    remove();
    const { openSqliteStore } = await import('../dist/store/sqlite/index.js');
    const h = { engine, path, store: openSqliteStore({ path }) };
    h.reopen = async () => {
      await h.store.close();
      h.store = openSqliteStore({ path });
    };
    h.analyze = async () => undefined;
    h.cleanup = async () => {
      await h.store.close().catch(() => undefined);
      remove();
    };
    h.explain = async (st) => {
      const rows = st.db.prepare(`EXPLAIN QUERY PLAN ${st.sql}`).all(...st.params);
      const depth = new Map([[0, -1]]);
      return rows.map((r) => {
        const d = (depth.get(r.parent) ?? -1) + 1;
        depth.set(r.id, d);
        return `${'  '.repeat(d)}${r.detail}`;
      });
    };
    return h;
  }
  const { openPostgresStore } = await import('../dist/store/postgres/index.js');
  // The test server runs with autovacuum off and the test suite creates and drops hundreds of schemas, so the system
  // catalogs can hold 20x their live rows as dead ones, which slows every plan: vacuum them (never the bench's tables).
  await adminQuery(databaseUrl, `VACUUM ${CATALOGS.map((t) => `pg_catalog.${t}`).join(', ')}`);
  const schema = `tw_scale_${name}_${process.pid}_${Date.now().toString(36)}`;
  const open = () => openPostgresStore({ connectionString: databaseUrl, schema, statementTimeoutMs: 30_000 });
  const h = { engine, schema, store: await open() };
  h.reopen = async () => {
    await h.store.close();
    h.store = await open();
  };
  h.analyze = async () => {
    const { rows } = await adminQuery(databaseUrl, 'SELECT tablename FROM pg_tables WHERE schemaname = $1', [schema]);
    for (const r of rows) await adminQuery(databaseUrl, `ANALYZE "${schema}"."${r.tablename}"`);
  };
  h.cleanup = async () => {
    await h.store.close().catch(() => undefined);
    await adminQuery(databaseUrl, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  };
  h.explain = async (st, workspace) => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      await c.query(`SET search_path TO "${schema}"`);
      await c.query('BEGIN');
      await c.query("SELECT set_config('taskwire.workspace', $1, true), set_config('statement_timeout', '10000', true)", [workspace]);
      const how = st.ms < 2000 ? '(ANALYZE, BUFFERS) ' : '';
      const { rows } = await c.query(`EXPLAIN ${how}${st.sql}`, st.params);
      return rows.map((r) => r['QUERY PLAN']);
    } finally {
      await c.query('ROLLBACK').catch(() => undefined);
      await c.end();
    }
  };
  return h;
}

// ---- paths ----

/** Untimed set-up a state's paths need: cursors of later pages (a cursor is an offset bound to the filters). */
async function cursors(svc, c) {
  const pageCursor = async (input, page) => {
    let cursor;
    for (let p = 1; p < page; p++) {
      const r = await svc.listTasks(c, { ...input, ...(cursor ? { cursor } : {}) });
      cursor = r.next_cursor;
      if (!cursor) return undefined;
    }
    return cursor;
  };
  return {
    page2: await pageCursor({ sort: 'priority', limit: 20 }, 2),
    page10: await pageCursor({ sort: 'priority', limit: 20 }, 10),
    assigneePage2: await pageCursor({ sort: 'priority', limit: 20, assignee: ASSIGNEES[0] }, 2),
  };
}

function mainPaths(svc, c, meta, cur) {
  const r = rng(5);
  const word = () => VOCAB[Math.floor(r() * VOCAB.length)];
  const ctx = { deps: { tasks: { service: svc } }, caller: c };
  const L = (input) => (i) => svc.listTasks(c, { sort: 'priority', limit: 20, ...input(i) });
  const S = (input) => (i) => svc.searchTasks(c, { limit: 10, ...input(i) });
  const paths = [
    ['next_task', () => svc.nextTask(c, {})],
    ['next_task assignee', (i) => svc.nextTask(c, { assignee: ASSIGNEES[i % ASSIGNEES.length] })],
    ['next_task label', (i) => svc.nextTask(c, { label: LABELS[i % LABELS.length] })],
    ['next_task chains 50 deep (label chain)', () => svc.nextTask(c, { label: CHAIN_LABEL })],
    ['next_task 100 subtasks (label sub)', () => svc.nextTask(c, { label: SUB_LABEL })],
    ['list_tasks default (no args)', L(() => ({}))],
    ['list_tasks status todo', L(() => ({ status: ['todo'] }))],
    ['list_tasks status done', L(() => ({ status: ['done'] }))],
    ['list_tasks priority high', L(() => ({ priority: ['high'] }))],
    ['list_tasks label', L((i) => ({ label: LABELS[i % LABELS.length] }))],
    ['list_tasks assignee', L((i) => ({ assignee: ASSIGNEES[i % ASSIGNEES.length] }))],
    ['list_tasks parent_id (100 subtasks)', L((i) => ({ parent_id: meta.epics[i % meta.epics.length] }))],
    ['list_tasks parent_id null', L(() => ({ parent_id: null }))],
    ['list_tasks due_before', L(() => ({ due_before: '2026-03-01' }))],
    ['list_tasks due_after', L(() => ({ due_after: '2027-03-01' }))],
    ['list_tasks overdue', L(() => ({ overdue: true }))],
    ...SORTS.flatMap((sort) => ['asc', 'desc'].map((order) => [`list_tasks sort ${sort} ${order}`, L(() => ({ sort, order }))])),
    ['list_tasks label+status', L((i) => ({ label: LABELS[i % LABELS.length], status: ['todo'] }))],
    ['list_tasks page 2 (cursor)', L(() => ({ cursor: cur.page2 }))],
    ['list_tasks page 10 (cursor)', L(() => ({ cursor: cur.page10 }))],
    ['list_tasks assignee page 2 (cursor)', L(() => ({ assignee: ASSIGNEES[0], cursor: cur.assigneePage2 }))],
    ['search_tasks rare word', S(() => ({ query: RARE_WORD }))],
    ['search_tasks common word (12%)', S(() => ({ query: COMMON_WORD }))],
    ['search_tasks word', S(() => ({ query: word() }))],
    ['search_tasks word + prefix', S(() => ({ query: `${word()} ${word().slice(0, 4)}` }))],
    ['search_tasks common word + status', S(() => ({ query: COMMON_WORD, status: ['todo'] }))],
    ['search_tasks word + label', S((i) => ({ query: word(), label: LABELS[i % LABELS.length] }))],
    ['search_tasks common word + assignee', S((i) => ({ query: COMMON_WORD, assignee: ASSIGNEES[i % ASSIGNEES.length] }))],
    ['get_task hot (500 comments, 200 dependents)', () => svc.getTask(c, meta.hot)],
    ['get_task epic (100 subtasks)', (i) => svc.getTask(c, meta.epics[i % meta.epics.length])],
    ['get_task plain', (i) => svc.getTask(c, meta.plain[i % meta.plain.length])],
    ['get_task_stats', () => svc.stats(c)],
    ['tasks://board', () => boardResource.read('tasks://board', {}, ctx)],
    ['tasks://stats', () => statsResource.read('tasks://stats', {}, ctx)],
    ['tasks://{id} hot', () => taskResource.read(`tasks://${meta.hot}`, { id: String(meta.hot) }, ctx)],
    ['tasks://changes (feed tail)', () => changesResource.read('tasks://changes', {}, ctx)],
    ['completion ids "1".."9"', (i) => svc.completeIds(c, String(1 + (i % 9)))],
    ['completion ids "42"', () => svc.completeIds(c, '42')],
    ['completion assignee "agent"', () => svc.completeValues(c, 'assignee', 'agent')],
    ['completion label "label-1"', () => svc.completeValues(c, 'label', 'label-1')],
    ['list_changes from start', () => svc.listChanges(c, { limit: 50 })],
    ['list_changes task_id hot', () => svc.listChanges(c, { task_id: meta.hot, limit: 50 })],
    ['list_changes principal reviewer (rare)', () => svc.listChanges(c, { principal: 'reviewer', limit: 50 })],
    ['list_changes principal bench (all)', () => svc.listChanges(c, { principal: 'bench', limit: 50 })],
    ['list_changes since (last tenth of growth)', () => svc.listChanges(c, { since: meta.since_90, limit: 50 })],
  ];
  return paths.map(([id, fn]) => ({ id, fn }));
}

function blockedPaths(svc, c) {
  return [
    ['next_task blocked-heavy', () => svc.nextTask(c, {})],
    ['next_task blocked-heavy assignee', (i) => svc.nextTask(c, { assignee: ASSIGNEES[i % ASSIGNEES.length] })],
    ['next_task blocked-heavy label', (i) => svc.nextTask(c, { label: LABELS[i % LABELS.length] })],
    ['list_tasks blocked-heavy default', () => svc.listTasks(c, { sort: 'priority', limit: 20 })],
  ].map(([id, fn]) => ({ id, fn }));
}

/** The calls of a small workspace (many-workspaces ratio). */
function smallPaths(svc, c, meta) {
  const ctx = { deps: { tasks: { service: svc } }, caller: c };
  return [
    ['next_task', () => svc.nextTask(c, {})],
    ['list_tasks default', () => svc.listTasks(c, { sort: 'priority', limit: 20 })],
    ['list_tasks label', (i) => svc.listTasks(c, { sort: 'priority', limit: 20, label: LABELS[i % LABELS.length] })],
    ['search_tasks word', (i) => svc.searchTasks(c, { query: VOCAB[(i * 7) % VOCAB.length], limit: 10 })],
    ['get_task', (i) => svc.getTask(c, meta.ids[i % meta.ids.length])],
    ['get_task_stats', () => svc.stats(c)],
    ['tasks://board', () => boardResource.read('tasks://board', {}, ctx)],
    ['completion ids', (i) => svc.completeIds(c, String(1 + (i % 9)))],
    ['list_changes', () => svc.listChanges(c, { limit: 50 })],
  ].map(([id, fn]) => ({ id, fn }));
}

// ---- targets ----

const sqliteTarget = (size) => (size >= 1_000_000 ? 25 : 10);
const sizeLabel = (n) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);
/** The SQLite state a PostgreSQL state is compared with. */
const sqliteStateOf = (state) => (state === 'analyzed' ? 'reopened' : state);

/**
 * @param {{ engines: string[], sizes: number[], dir: string, databaseUrl?: string, calls?: number, capS?: number,
 *   maxCallS?: number, bulkAbove?: number, log?: (...a: unknown[]) => void }} opts
 */
export async function benchScale({ engines, sizes, dir, databaseUrl = DEFAULT_PG_URL, calls, capS, maxCallS = 30, bulkAbove = 100_000, log = () => {} }) {
  instrument();
  const out = {
    params: { engines, sizes, calls, cap_s: capS, max_call_s: maxCallS, bulk_above: bulkAbove },
    paths: [],
    writes: [],
    growth: [],
    many: [],
    plans: [],
    skipped: [],
  };
  const sqliteByKey = new Map(); // `${size}|${state}|${path}` -> p95 on SQLite
  const previous = new Map(); // `${engine}|${kind}|${state}|${path}` -> { size, p50 }
  const runEngines = [];
  for (const engine of engines) {
    if (engine !== 'postgres') {
      runEngines.push(engine);
      continue;
    }
    const probe = await pgReachable(databaseUrl);
    if (!probe.ok) {
      log(`scale: PostgreSQL at ${databaseUrl} did not answer (${probe.error}); skipped`);
      out.skipped.push({ engine, reason: probe.error });
      continue;
    }
    out.params.postgres_autovacuum = probe.autovacuum;
    runEngines.push(engine);
  }

  for (const engine of runEngines) {
    const opts = { calls: calls ?? (engine === 'sqlite' ? 100 : 50), capMs: (capS ?? 1) * 1000 };
    for (const size of sizes) {
      const env = { dir, databaseUrl };

      /** Measure `paths` in `state`; explain the slowest statement of each path that misses its target. */
      const measure = async (h, kind, state, paths, workspace) => {
        const t0 = performance.now();
        const missed = [];
        for (const p of paths) {
          const key = `${engine}|${kind}|${state}|${p.id}`;
          const prior = previous.get(key);
          const predicted = prior ? prior.p50 * (size / prior.size) ** 2 : 0;
          let row;
          if (predicted > maxCallS * 1000) {
            row = { skipped: true, predicted_ms: Math.round(predicted), from: `${sizeLabel(prior.size)} p50 ${prior.p50} ms` };
          } else {
            try {
              row = await timePath(p.fn, opts);
            } catch (error) {
              row = { error: String(error.message ?? error).slice(0, 200) };
            }
          }
          const statements = row.statements ?? [];
          delete row.statements;
          const res = { engine, size, state, kind, path: p.id, ...row };
          if (engine === 'sqlite') {
            res.target_p95_ms = sqliteTarget(size);
            res.ok = row.p95_ms !== undefined ? row.p95_ms <= res.target_p95_ms : false;
            if (row.p95_ms !== undefined && kind !== 'small') sqliteByKey.set(`${size}|${state}|${kind}|${p.id}`, row.p95_ms);
          } else {
            const base = sqliteByKey.get(`${size}|${sqliteStateOf(state)}|${kind}|${p.id}`);
            if (base !== undefined && row.p95_ms !== undefined) {
              res.vs_sqlite = round(row.p95_ms / Math.max(base, 0.01), 2);
              res.ok = res.vs_sqlite <= 3;
            } else res.ok = row.p95_ms !== undefined ? row.p95_ms <= 30 : false;
          }
          if (row.p50_ms !== undefined) previous.set(key, { size, p50: row.p50_ms });
          // Plans for every SQLite miss; on PostgreSQL only past 10 ms (below that a ratio miss is the round-trip floor).
          if (!res.ok && statements.length > 0 && (engine === 'sqlite' || (row.p95_ms ?? 0) > 10)) missed.push({ res, statements });
          if (kind === 'main' || kind === 'blocked') out.paths.push(res);
          p.result = res;
        }
        for (const { res, statements } of missed) {
          const top = statements[0];
          const plan = {
            engine,
            size,
            state,
            kind,
            path: res.path,
            call_ms: res.p95_ms,
            statements_in_call: statements.length,
            slowest_ms: ms(top.ms),
            sql: top.sql.replace(/\s+/g, ' ').trim(),
            params: top.params,
          };
          try {
            plan.plan = await h.explain(top, workspace);
          } catch (error) {
            plan.plan = [`(explain failed: ${error.message})`];
          }
          out.plans.push(plan);
        }
        const bad = paths.filter((p) => p.result && !p.result.ok).length;
        log(`  ${engine} ${sizeLabel(size)} ${kind} ${state}: ${paths.length} paths in ${round((performance.now() - t0) / 1000, 1)} s, ${bad} miss their target`);
      };

      const writes = async (_h, svc, c, meta, state) => {
        const taken = new Set([...meta.epics, ...meta.chainHeads]);
        const todo = meta.todo.filter((id) => !taken.has(id));
        const timeWrite = async (fn, n) => {
          const times = [];
          const deadline = performance.now() + 10_000;
          for (let i = 0; i < n && performance.now() < deadline; i++) {
            const t = performance.now();
            await fn(i);
            times.push(performance.now() - t);
          }
          const s = stats(times);
          return { p50_ms: ms(s.p50), p95_ms: ms(s.p95), n: s.n };
        };
        const offset = { grown: 0, reopened: 1, analyzed: 2 }[state] * 50;
        const update = await timeWrite(
          (i) => svc.updateTask(c, { id: meta.open[(offset + i) % meta.open.length], priority: ['low', 'medium', 'high', 'critical'][i % 4] }),
          50,
        );
        const complete = await timeWrite((i) => svc.completeTask(c, todo[(offset + i) % todo.length]), 50);
        const r = rng(77 + offset);
        const t0 = performance.now();
        let made = 0;
        for (let b = 0; b < 10; b++)
          made += (
            await svc.createTasks(
              c,
              Array.from({ length: 50 }, (_, k) => baseTask(r, k)),
            )
          ).created.length;
        const createPerS = made / ((performance.now() - t0) / 1000);
        const row = {
          engine,
          size,
          state,
          create_tasks_per_s: Math.round(createPerS),
          update_task: update,
          complete_task: complete,
          ok: { create: createPerS >= 5000, update: update.p95_ms <= 5, complete: complete.p95_ms <= 5 },
        };
        out.writes.push(row);
        log(`  ${engine} ${sizeLabel(size)} writes ${state}: create ${row.create_tasks_per_s}/s, update p95 ${update.p95_ms} ms, complete p95 ${complete.p95_ms} ms`);
      };

      const states = engine === 'postgres' ? ['grown', 'reopened', 'analyzed'] : ['grown', 'reopened'];

      // ---- main workspace (the shapes), then 49 small workspaces in the same file/database ----
      {
        const h = await openEngine(engine, 'main', env);
        try {
          const c = callerOf('bench');
          log(`  ${engine} ${sizeLabel(size)}: growing the main workspace through the service…`);
          const meta = await growMain(new TaskService(h.store), h.store, c, size, { bulkAbove, log });
          out.growth.push({
            engine,
            size,
            kind: 'main',
            tasks: meta.tasks,
            bulk_seeded: meta.bulk_seeded,
            grow_s: round(meta.grow_s, 1),
            create_tasks_per_s: Math.round(meta.create_tasks_per_s),
            create_tasks_per_s_last_tenth: Math.round(meta.create_tasks_per_s_last_tenth ?? 0),
          });
          log(`  ${engine} ${sizeLabel(size)}: main grown to ${meta.tasks} tasks in ${round(meta.grow_s, 1)} s (${Math.round(meta.create_tasks_per_s)} tasks/s)`);
          for (const state of states) {
            if (state === 'reopened') await h.reopen();
            if (state === 'analyzed') await h.analyze();
            const svc = new TaskService(h.store);
            const cur = await cursors(svc, c);
            await measure(h, 'main', state, mainPaths(svc, c, meta, cur), c.workspace);
            await writes(h, svc, c, meta, state);
          }
          // Many workspaces: 49 small ones join the big one in the same file/database.
          let svc = new TaskService(h.store);
          const smallMeta = [];
          for (let k = 1; k <= SMALL_WORKSPACES; k++) smallMeta.push(await growSmall(svc, callerOf(`small-${String(k).padStart(2, '0')}`), { seed: 1000 + k }));
          for (const state of ['grown', 'reopened']) {
            if (state === 'reopened') {
              await h.reopen();
              svc = new TaskService(h.store);
            }
            const c1 = callerOf('small-01');
            const paths = smallPaths(svc, c1, smallMeta[0]);
            await measure(h, 'small', state, paths, c1.workspace);
            for (const p of paths) out.many.push({ engine, size, state, path: p.id, in_many: pick(p.result) });
          }
        } finally {
          await h.cleanup();
        }
      }

      // ---- the same small workspace alone in its own file/database ----
      {
        const h = await openEngine(engine, 'alone', env);
        try {
          let svc = new TaskService(h.store);
          const c1 = callerOf('small-01');
          const m = await growSmall(svc, c1, { seed: 1001 });
          for (const state of ['grown', 'reopened']) {
            if (state === 'reopened') {
              await h.reopen();
              svc = new TaskService(h.store);
            }
            const paths = smallPaths(svc, c1, m);
            // Alone is the baseline: no quadratic skip and no plans (its own key space).
            await measure(h, 'small-alone', state, paths, c1.workspace);
            for (const p of paths) {
              const row = out.many.find((x) => x.engine === engine && x.size === size && x.state === state && x.path === p.id);
              if (!row) continue;
              row.alone = pick(p.result);
              row.ratio_p50 = row.in_many.p50_ms && row.alone.p50_ms ? round(row.in_many.p50_ms / Math.max(row.alone.p50_ms, 0.01), 2) : null;
              row.ratio_p95 = row.in_many.p95_ms && row.alone.p95_ms ? round(row.in_many.p95_ms / Math.max(row.alone.p95_ms, 0.01), 2) : null;
              row.ok = row.ratio_p50 !== null && row.ratio_p50 <= 1.5;
            }
          }
        } finally {
          await h.cleanup();
        }
      }

      // ---- blocked-heavy workspace ----
      {
        const h = await openEngine(engine, 'blocked', env);
        try {
          const c = callerOf('blocked');
          log(`  ${engine} ${sizeLabel(size)}: growing the blocked-heavy workspace…`);
          const meta = await growBlocked(new TaskService(h.store), h.store, c, size, { bulkAbove, log });
          out.growth.push({
            engine,
            size,
            kind: 'blocked',
            tasks: meta.tasks,
            bulk_seeded: meta.bulk_seeded,
            grow_s: round(meta.grow_s, 1),
            create_tasks_per_s: Math.round(meta.create_tasks_per_s),
          });
          for (const state of states) {
            if (state === 'reopened') await h.reopen();
            if (state === 'analyzed') await h.analyze();
            await measure(h, 'blocked', state, blockedPaths(new TaskService(h.store), c), c.workspace);
          }
        } finally {
          await h.cleanup();
        }
      }
    }
  }
  return out;
}

const pick = (r) => (r ? { p50_ms: r.p50_ms, p95_ms: r.p95_ms, n: r.n, ...(r.error ? { error: r.error } : {}), ...(r.skipped ? { skipped: true } : {}) } : null);

// ---- report ----

function cell(r) {
  if (!r) return '';
  if (r.skipped) return `skipped (~${Math.round(r.predicted_ms / 1000)} s/call)`;
  if (r.error) return `error: ${r.error.slice(0, 40)}`;
  const flag = r.ok ? '✓' : '✗';
  const ratio = r.vs_sqlite !== undefined ? ` ${r.vs_sqlite}×` : '';
  return `${r.p50_ms}/${r.p95_ms}${r.capped ? ' (1 call)' : ''}${ratio} ${flag}`;
}

function table(header, rows) {
  const w = header.map((_, i) => Math.max(...[header, ...rows].map((r) => String(r[i] ?? '').length)));
  const line = (r) => `| ${r.map((c, i) => String(c ?? '').padEnd(w[i])).join(' | ')} |`;
  return [line(header), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The scale tables as Markdown: read paths (p50/p95 ms, flag), writes, many workspaces, and the plans of misses. */
export function scaleReport(scale) {
  const parts = [];
  const combos = [];
  for (const r of scale.paths) {
    const k = `${r.engine} ${sizeLabel(r.size)} ${r.state}`;
    if (!combos.includes(k)) combos.push(k);
  }
  const pathIds = [];
  for (const r of scale.paths) if (!pathIds.includes(r.path)) pathIds.push(r.path);
  const byKey = new Map(scale.paths.map((r) => [`${r.engine} ${sizeLabel(r.size)} ${r.state}|${r.path}`, r]));
  parts.push(
    'Read paths: p50/p95 ms per engine, size and state; ✓/✗ against the target (SQLite p95 <= 10 ms up to 100k, <= 25 ms at 1M;',
    'PostgreSQL: p95 ratio to SQLite in the same state (analyzed vs reopened) <= 3×).',
    '',
    table(
      ['path', ...combos],
      pathIds.map((p) => [p, ...combos.map((k) => cell(byKey.get(`${k}|${p}`)))]),
    ),
  );
  if (scale.writes.length > 0) {
    parts.push(
      '',
      'Writes: create_tasks tasks/s (10 batches of 50 on top of the size; target >= 5,000 at 1M), update_task and complete_task p50/p95 ms (target p95 <= 5 ms at 1M).',
      '',
      table(
        ['engine size state', 'create_tasks /s', 'update_task', 'complete_task'],
        scale.writes.map((w) => [
          `${w.engine} ${sizeLabel(w.size)} ${w.state}`,
          `${w.create_tasks_per_s} ${w.ok.create ? '✓' : '✗'}`,
          `${w.update_task.p50_ms}/${w.update_task.p95_ms} ${w.ok.update ? '✓' : '✗'}`,
          `${w.complete_task.p50_ms}/${w.complete_task.p95_ms} ${w.ok.complete ? '✓' : '✗'}`,
        ]),
      ),
    );
  }
  if (scale.growth.length > 0) {
    parts.push(
      '',
      'Growth through the service (create_tasks in batches of 50, add_comment for the hot task):',
      '',
      table(
        ['engine size workspace', 'tasks', 'bulk-seeded', 'seconds', 'tasks/s', 'tasks/s last tenth'],
        scale.growth.map((g) => [
          `${g.engine} ${sizeLabel(g.size)} ${g.kind}`,
          g.tasks,
          g.bulk_seeded,
          g.grow_s,
          g.create_tasks_per_s,
          g.create_tasks_per_s_last_tenth ?? '',
        ]),
      ),
    );
  }
  if (scale.many.length > 0) {
    parts.push(
      '',
      'Many workspaces: small-01 (100 tasks) next to one big workspace and 48 other small ones, vs. alone in its own file/database; p50/p95 ms; ✓ when the p50 ratio <= 1.5.',
      '',
      table(
        ['engine size state', 'call', 'alone', 'in many', 'ratio p50/p95'],
        scale.many.map((m) => [
          `${m.engine} ${sizeLabel(m.size)} ${m.state}`,
          m.path,
          m.alone ? `${m.alone.p50_ms}/${m.alone.p95_ms}` : '',
          m.in_many ? `${m.in_many.p50_ms}/${m.in_many.p95_ms}` : '',
          `${m.ratio_p50 ?? ''}/${m.ratio_p95 ?? ''} ${m.ok ? '✓' : '✗'}`,
        ]),
      ),
    );
  }
  if (scale.plans.length > 0) {
    parts.push('', 'Plans of the misses: the slowest statement of the warm-up call, per distinct statement and state.');
    const seen = new Set();
    for (const p of scale.plans) {
      const k = `${p.engine}|${p.size}|${p.state}|${p.sql}`;
      const also = scale.plans.filter((q) => `${q.engine}|${q.size}|${q.state}|${q.sql}` === k).map((q) => q.path);
      if (seen.has(k)) continue;
      seen.add(k);
      parts.push(
        '',
        `### ${p.engine} ${sizeLabel(p.size)} ${p.state}: ${[...new Set(also)].join('; ')}`,
        `slowest statement ${p.slowest_ms} ms of ${p.statements_in_call} in the call (p95 ${p.call_ms} ms):`,
        '```sql',
        p.sql.length > 900 ? `${p.sql.slice(0, 900)} …` : p.sql,
        '```',
        '```',
        ...p.plan.slice(0, 40),
        '```',
      );
    }
  }
  return parts.join('\n');
}

/** Rows for the run's main table: per engine/size/state, how many read paths miss their target. */
export function scaleRows(scale) {
  const rows = [];
  const groups = new Map();
  for (const r of scale.paths) {
    const k = `scale ${r.engine} ${sizeLabel(r.size)} ${r.state}: read paths missing their target`;
    const g = groups.get(k) ?? { miss: [], n: 0 };
    g.n++;
    if (!r.ok) g.miss.push(r.path);
    groups.set(k, g);
  }
  for (const [k, g] of groups) rows.push([k, `${g.miss.length}/${g.n}`]);
  return rows;
}

/** Flags of the scale section: --scale-sizes, --engines, --database-url, --scale-calls, --scale-cap-s, --scale-max-call-s, --huge. */
export function scaleOptions(argv, { dir, log }) {
  const flag = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name) => (flag(name) === undefined ? undefined : Number(flag(name)));
  return {
    engines: (flag('--engines') ?? 'sqlite,postgres').split(','),
    sizes: flag('--scale-sizes') ? flag('--scale-sizes').split(',').map(Number) : [10_000, 100_000, ...(argv.includes('--huge') ? [1_000_000] : [])],
    databaseUrl: flag('--database-url') ?? process.env.TASKWIRE_TEST_DATABASE_URL ?? DEFAULT_PG_URL,
    calls: num('--scale-calls'),
    capS: num('--scale-cap-s'),
    maxCallS: num('--scale-max-call-s') ?? 30,
    bulkAbove: num('--scale-bulk-above') ?? 100_000,
    dir,
    log,
  };
}

/** `npm run bench -- --scale-only`: run the scale section, write bench/results/<date>-scale.json, print its tables. */
export async function scaleOnly({ out, root, argv, dir, log }) {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  out.mode = `scale-only${argv.includes('--huge') ? ' huge' : ''}`;
  const started = performance.now();
  out.scale = await benchScale(scaleOptions(argv, { dir, log }));
  out.seconds = round((performance.now() - started) / 1000, 0);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const file = join(root, 'bench', 'results', `${out.date.slice(0, 19).replace(/[:T]/g, '-')}-scale.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(scaleReport(out.scale));
  console.log(`\nwritten ${file} (${out.seconds} s)`);
}
