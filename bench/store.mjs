// Store figures on SQLite and PostgreSQL: create_tasks throughput in batches of 50, and list_tasks (filtered,
// sorted, paged) and search_tasks latency at growing sizes, through the domain service (the code tools run).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../dist/store/postgres/index.js';
import { openSqliteStore } from '../dist/store/sqlite/index.js';
import { TaskService } from '../dist/toolsets/tasks/service.js';
import { ASSIGNEES, LABELS, makeTask, rng, VOCAB } from './dataset.mjs';
import { round, stats } from './lib.mjs';

export const CALLER = { workspace: 'bench', actor: { principal: 'bench', client: 'bench' } };
const BATCH = 50;
/** Tasks created through the service on top of a bulk-seeded size, for its create_tasks figure. */
const ON_TOP = 5000;

/** Grow the database at `path` to `target` tasks; returns tasks/s of this growth step. */
export async function populate(service, from, target, seed = 7) {
  const r = rng(seed + from);
  const started = performance.now();
  for (let n = from; n < target; n += BATCH) {
    const size = Math.min(BATCH, target - n);
    await service.createTasks(
      CALLER,
      Array.from({ length: size }, () => makeTask(r)),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  return (target - from) / seconds;
}

async function timeQueries(count, fn) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  const s = stats(times);
  return { p50_ms: round(s.p50, 3), p95_ms: round(s.p95, 3), p99_ms: round(s.p99, 3), n: s.n };
}

/**
 * The list_tasks and search_tasks mix of the store figures, timed after an untimed warm-up of one query per
 * label (the first query of a label after opening reads its index pages from the OS: 10-20 ms at 1M tasks).
 * @returns p50/p95/p99 in ms of each
 */
export async function timeStoreQueries(service, queries) {
  const r = rng(99);
  const listQuery = async (i) => {
    const filter = {
      status: ['todo', 'in_progress'],
      label: LABELS[i % LABELS.length],
      ...(i % 3 === 0 ? { assignee: ASSIGNEES[i % ASSIGNEES.length] } : {}),
      sort: 'priority',
      limit: 20,
    };
    const page = await service.listTasks(CALLER, filter);
    if (i % 4 === 0 && page.next_cursor) await service.listTasks(CALLER, { ...filter, cursor: page.next_cursor });
  };
  const searchQuery = async () => {
    const words = r() < 0.5 ? VOCAB[Math.floor(r() * VOCAB.length)] : `${VOCAB[Math.floor(r() * VOCAB.length)]} ${VOCAB[Math.floor(r() * VOCAB.length)].slice(0, 4)}`;
    await service.searchTasks(CALLER, { query: words, limit: 10 });
  };
  for (let i = 0; i < LABELS.length; i++) await listQuery(i);
  for (let i = 0; i < LABELS.length; i++) await searchQuery();
  return { list: await timeQueries(queries, listQuery), search: await timeQueries(queries, searchQuery) };
}

/**
 * Bulk-seed through the store port (1,000 tasks per transaction, the same SQL as the service path) to
 * reach large sizes within the time budget; its rate is not reported as create_tasks throughput.
 */
export async function seed(store, from, target, seed = 11) {
  const r = rng(seed + from);
  const now = new Date().toISOString();
  for (let n = from; n < target; n += 1000) {
    const size = Math.min(1000, target - n);
    await store.write(async (w) => {
      for (let i = 0; i < size; i++) {
        const t = makeTask(r);
        await w.insertTask(CALLER.workspace, { ...t, assignee: t.assignee ?? null, due_date: t.due_date ?? null, parent_id: null }, CALLER.actor, now);
      }
    });
  }
}

/**
 * Open an empty store of `engine`: SQLite in `dir` (synchronous=FULL, the default), or PostgreSQL at
 * `databaseUrl` in a fresh schema that `cleanup` drops.
 */
async function openBenchStore(engine, dir, databaseUrl) {
  if (engine === 'sqlite') {
    const path = join(dir, 'store-bench.db');
    rmSync(path, { force: true });
    return { store: openSqliteStore({ path }), cleanup: async () => undefined, analyze: async () => undefined };
  }
  const schema = `tw_bench_${process.pid}_${Date.now().toString(36)}`;
  const store = await openPostgresStore({ connectionString: databaseUrl, schema, statementTimeoutMs: 0 });
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  // Planner statistics as autovacuum would gather them: it is off on test servers (and lags a bulk
  // load on others), and without statistics PostgreSQL picks plans thousands of times slower.
  const analyze = () => admin(`ANALYZE "${schema}".tasks, "${schema}".task_labels, "${schema}".task_deps, "${schema}".comments`);
  return { store, cleanup: () => admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`), analyze };
}

/**
 * Statements sent to PostgreSQL per service call (each one a round trip), counted at the driver
 * (`pg.Client#query`) on a warm pool: get_task, a filtered list_tasks page, search_tasks, a one-task create_tasks.
 */
async function roundTrips(service) {
  const original = pg.Client.prototype.query;
  let n = 0;
  pg.Client.prototype.query = function (...args) {
    n++;
    return original.apply(this, args);
  };
  const count = async (fn) => {
    n = 0;
    await fn();
    return n;
  };
  try {
    return {
      get_task: await count(() => service.getTask(CALLER, 42)),
      list_tasks: await count(() => service.listTasks(CALLER, { status: ['todo', 'in_progress'], label: LABELS[3], sort: 'priority', limit: 20 })),
      search_tasks: await count(() => service.searchTasks(CALLER, { query: VOCAB[7], limit: 10 })),
      create_tasks: await count(() => service.createTasks(CALLER, [{ title: 'round trip probe' }])),
    };
  } finally {
    pg.Client.prototype.query = original;
  }
}

/**
 * Sizes up to 100k are grown through the domain service in batches of 50 (that growth is the reported
 * create_tasks throughput); larger sizes are bulk-seeded (see seed()), then 5,000 more tasks are created
 * through the service in batches of 50 for the create_tasks figure at that size.
 * @param {{ sizes: number[], dir: string, queries: number, engine?: 'sqlite' | 'postgres', databaseUrl?: string, log?: (...a: unknown[]) => void }} opts
 * @returns per size: create throughput (tasks/s), list and search latency (ms)
 */
export async function benchStore({ sizes, dir, queries, engine = 'sqlite', databaseUrl, log = () => {} }) {
  const { store, cleanup, analyze } = await openBenchStore(engine, dir, databaseUrl);
  const service = new TaskService(store);
  const results = [];
  let have = 0;
  try {
    for (const size of sizes) {
      let createPerSec = null;
      const t0 = performance.now();
      if (size <= 100_000) {
        createPerSec = await populate(service, have, size);
        have = size;
      } else {
        // Bulk-seed to the size, then measure create_tasks on top of it: 5,000 tasks in batches of 50.
        await seed(store, have, size);
        createPerSec = await populate(service, size, size + ON_TOP);
        have = size + ON_TOP;
      }
      log(`  ${engine}: grown to ${have} tasks in ${round((performance.now() - t0) / 1000, 1)} s`);
      await analyze();
      const { list, search } = await timeStoreQueries(service, queries);
      const row = { engine, tasks: size, create_tasks_per_s: createPerSec === null ? null : Math.round(createPerSec), list_tasks: list, search_tasks: search };
      if (engine === 'postgres') row.round_trips = await roundTrips(service);
      log('  ', JSON.stringify(row));
      results.push(row);
    }
  } finally {
    await store.close();
    await cleanup();
  }
  return { results };
}
