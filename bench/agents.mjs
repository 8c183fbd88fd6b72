// Agents figures (issue 11): claim_task throughput across two servers sharing one store, and what the change
// log costs create_tasks.
//   1. two stdio processes on one SQLite file, K claimers per process, claim_task with no id until nothing
//      is actionable: claims/s, p50/p95 per claim, error counts;
//   2. the same with two `taskwire serve` replicas on one PostgreSQL schema, 2026-era clients over
//      Streamable HTTP, half the claimers on each replica;
//   3. create_tasks tasks/s through the domain service with the change log and with a store decorator whose
//      writer's appendChanges does nothing (everything else real), on a SQLite file and on PostgreSQL.
// Each claims run throws unless every claimed id is distinct and every seeded task was claimed.
// Loopback only; every loop is bounded by a count and a deadline. `node bench/run.mjs --agents-only`.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import pg from 'pg';
import { openPostgresStore } from '../dist/store/postgres/index.js';
import { openSqliteStore } from '../dist/store/sqlite/index.js';
import { TaskService } from '../dist/toolsets/tasks/service.js';
import { startServer } from './http.mjs';
import { round, sleep, stats } from './lib.mjs';
import { populate } from './store.mjs';

export const PG_DEFAULT_URL = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Server flags of the claims runs: no write rate limit, room for every claimer of a principal at once. */
const ROOMY = ['--rate-limit-writes', '0', '--max-concurrent-per-principal', '64'];
const BATCH = 50;
const LEASE_S = 3600; // longer than any run: no lease expires while claiming
const MODERN = { versionNegotiation: { mode: { pin: '2026-07-28' } } };

/** Whether PostgreSQL answers at `url` (bounded: 3 s). */
export async function postgresReachable(url) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  const up = await c.connect().then(
    () => true,
    () => false,
  );
  await c.end().catch(() => undefined);
  return up;
}

async function adminQuery(url, sql) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const analyze = (url, schema) => adminQuery(url, `ANALYZE "${schema}".tasks, "${schema}".task_deps, "${schema}".task_labels`);

const freshSchema = (prefix) => `${prefix}_${randomBytes(5).toString('hex')}`;

async function callTool(client, name, args) {
  const r = await client.callTool({ name, arguments: args });
  if (!r.isError) return { ok: true, structured: r.structuredContent ?? {} };
  const text = r.content?.find((c) => c.type === 'text')?.text ?? '';
  let error;
  try {
    error = JSON.parse(text).error;
  } catch {
    error = { code: 'unparsed', message: text.slice(0, 200) };
  }
  return { ok: false, error };
}

/** create_tasks in batches of 50 through `client`; returns the created ids. */
async function seedTasks(client, count, deadline) {
  const ids = [];
  for (let n = 0; n < count; n += BATCH) {
    if (performance.now() > deadline) throw new Error(`seeding did not finish in time (${ids.length}/${count})`);
    const size = Math.min(BATCH, count - n);
    const r = await callTool(client, 'create_tasks', { tasks: Array.from({ length: size }, (_, i) => ({ title: `claim bench ${n + i}`, labels: ['claims'] })) });
    if (!r.ok) throw new Error(`create_tasks failed: ${JSON.stringify(r.error)}`);
    for (const t of r.structured.created ?? r.structured.tasks ?? []) ids.push(t.id);
  }
  if (ids.length !== count) throw new Error(`seeded ${ids.length} tasks, expected ${count} (create_tasks answer shape changed?)`);
  return ids;
}

/**
 * Every claimer calls claim_task (no id) until it gets "nothing actionable". A retryable error (unavailable,
 * rate_limited) is counted and retried after a short pause; any other error, a deadline or the attempt bound
 * ends the run with an exception. Then checks the claimed ids: distinct, and exactly the seeded ones.
 * @param claimers [{ server: index, client }]
 */
async function claimAll(claimers, seeded, { seconds }) {
  const deadline = performance.now() + seconds * 1000;
  const maxAttempts = seeded.length * 3 + claimers.length * 20;
  let attempts = 0;
  const ids = [];
  const latencies = [];
  const perServer = Array.from({ length: Math.max(...claimers.map((c) => c.server)) + 1 }, () => []);
  const errors = {};
  let thrown = 0;
  const started = performance.now();
  await Promise.all(
    claimers.map(async ({ server, client }) => {
      for (;;) {
        if (performance.now() > deadline) throw new Error(`claims did not finish in ${seconds} s (${ids.length}/${seeded.length} claimed)`);
        if (++attempts > maxAttempts)
          throw new Error(`claims exceeded ${maxAttempts} attempts (${ids.length}/${seeded.length} claimed; errors ${JSON.stringify(errors)})`);
        const t0 = performance.now();
        let r;
        try {
          r = await callTool(client, 'claim_task', { lease_s: LEASE_S });
        } catch (e) {
          thrown++;
          if (thrown > 20) throw e;
          await sleep(50);
          continue;
        }
        const ms = performance.now() - t0;
        if (!r.ok) {
          const code = r.error?.code ?? 'unknown';
          errors[code] = (errors[code] ?? 0) + 1;
          if (r.error?.retryable !== true) throw new Error(`claim_task failed: ${JSON.stringify(r.error)}`);
          await sleep(Math.min(200, r.error?.retryAfterMs ?? 20));
          continue;
        }
        const id = r.structured.task?.id ?? null;
        if (id === null) return; // nothing actionable
        ids.push(id);
        latencies.push(ms);
        perServer[server].push(ms);
      }
    }),
  );
  const wall = (performance.now() - started) / 1000;
  // The correctness check of the figure: one task, one claimer.
  const distinct = new Set(ids);
  if (distinct.size !== ids.length) throw new Error(`claims: ${ids.length - distinct.size} task(s) claimed twice`);
  const missing = seeded.filter((id) => !distinct.has(id));
  if (missing.length > 0 || ids.length !== seeded.length) throw new Error(`claims: ${missing.length} seeded task(s) never claimed (${ids.length}/${seeded.length})`);
  const s = stats(latencies);
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0) + thrown;
  return {
    tasks: seeded.length,
    claimers: claimers.length,
    claimed: ids.length,
    seconds: round(wall, 2),
    claims_per_s: Math.round(ids.length / wall),
    p50_ms: round(s.p50, 2),
    p95_ms: round(s.p95, 2),
    p99_ms: round(s.p99, 2),
    max_ms: round(s.max, 1),
    // claims won by each server and their latency: on SQLite one process can starve the other
    per_server: perServer.map((t) => {
      const x = stats(t);
      return { claims: t.length, p50_ms: round(x.p50 ?? Number.NaN, 2), max_ms: round(x.max ?? Number.NaN, 1) };
    }),
    errors,
    exceptions: thrown,
    error_rate: round(errorCount / (ids.length + errorCount + claimers.length), 4),
  };
}

/** Figure 1: two stdio processes on one SQLite file. */
async function claimsSqlite({ root, dir, tasks, perProcess, seconds }) {
  const db = join(dir, 'claims.db');
  rmSync(db, { force: true });
  const clients = [];
  try {
    for (const name of ['agent-a', 'agent-b']) {
      const client = new Client({ name, version: '1.0.0' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [join(root, 'dist', 'cli', 'main.js'), '--db', db, ...ROOMY],
          env: { ...process.env, TASKWIRE_LOG_LEVEL: 'warn' },
          stderr: 'ignore',
        }),
      );
      clients.push(client);
    }
    const deadline = performance.now() + seconds * 1000;
    const t0 = performance.now();
    const seeded = await seedTasks(clients[0], tasks, deadline);
    const seedS = (performance.now() - t0) / 1000;
    // One stdio connection per process; its K claimers share it (calls are concurrent on the pipe).
    const claimers = clients.flatMap((client, server) => Array.from({ length: perProcess }, () => ({ server, client })));
    const r = await claimAll(claimers, seeded, { seconds });
    return { setup: '2 stdio processes, 1 SQLite file', ...r, seed_tasks_per_s: Math.round(tasks / seedS) };
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    rmSync(db, { force: true });
    for (const suffix of ['-wal', '-shm']) rmSync(db + suffix, { force: true });
  }
}

/** Figure 2: two HTTP replicas on one PostgreSQL schema, 2026-era clients, half the claimers on each. */
async function claimsPostgres({ root, databaseUrl, tasks, perProcess, seconds }) {
  const schema = freshSchema('tw_bench_claims');
  const cli = join(root, 'dist', 'cli', 'main.js');
  const replicas = [];
  const clients = [];
  try {
    // One after the other: both would run the schema's migrations at once otherwise.
    for (const id of ['r1', 'r2'])
      replicas.push(
        await startServer(
          [cli, 'serve', '--port', '0', '--log-level', 'warn', '--database-url', databaseUrl, '--database-schema', schema, '--replica-id', id, ...ROOMY],
          {
            TASKWIRE_LOG_LEVEL: 'warn',
          },
        ),
      );
    const connect = async (url, name) => {
      const client = new Client({ name, version: '1.0.0' }, MODERN);
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      clients.push(client);
      return client;
    };
    const deadline = performance.now() + seconds * 1000;
    const t0 = performance.now();
    const seeded = await seedTasks(await connect(replicas[0].url, 'seeder'), tasks, deadline);
    const seedS = (performance.now() - t0) / 1000;
    // Planner statistics as autovacuum would gather them (off on test servers): without them PostgreSQL runs
    // claim_task's "no open subtask" check as a nested loop over every task (0.5 s per claim at 2,000 tasks).
    await analyze(databaseUrl, schema);
    // One client per claimer (each an agent), perProcess of them on each replica.
    const claimers = [];
    for (let server = 0; server < 2; server++)
      for (let k = 0; k < perProcess; k++) claimers.push({ server, client: await connect(replicas[server].url, `agent-${server}-${k}`) });
    const r = await claimAll(claimers, seeded, { seconds });
    return { setup: '2 HTTP replicas, 1 PostgreSQL schema, 2026-era clients', ...r, seed_tasks_per_s: Math.round(tasks / seedS), analyzed: true };
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(replicas.map((r) => r.stop()));
    await adminQuery(databaseUrl, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  }
}

/**
 * Side figure: one claimer in process (the domain service, no transport), sequential claims at a small and a
 * large backlog of todo tasks, to show how the cost of one claim grows with the backlog. PostgreSQL is
 * ANALYZEd before each timed set.
 */
async function claimScaling({ engine, dir, databaseUrl, backlogs, claims }) {
  const CALLER = { workspace: 'bench', actor: { principal: 'bench', client: 'bench' } };
  const { store, cleanup, schema } = await openFresh(engine, dir, databaseUrl, 'scaling');
  const service = new TaskService(store);
  const out = { engine, claims_per_step: claims, steps: [] };
  try {
    let todo = 0;
    for (const backlog of backlogs) {
      for (; todo < backlog; todo += BATCH)
        await service.createTasks(
          CALLER,
          Array.from({ length: Math.min(BATCH, backlog - todo) }, (_, i) => ({ title: `backlog ${todo + i}` })),
        );
      todo = backlog;
      if (engine === 'postgres') await analyze(databaseUrl, schema);
      const times = [];
      for (let i = 0; i < claims; i++) {
        const t = performance.now();
        const r = await service.claimTask(CALLER, { lease_s: LEASE_S });
        times.push(performance.now() - t);
        if (!r.task) throw new Error(`claim scaling: nothing to claim at backlog ${backlog}`);
      }
      todo -= claims;
      const st = stats(times);
      out.steps.push({ backlog, p50_ms: round(st.p50, 2), max_ms: round(st.max, 2) });
    }
  } finally {
    await store.close();
    await cleanup();
  }
  return out;
}

/**
 * A bench-only decorator over a real store: `write(fn)` hands `fn` the real writer behind a Proxy; with
 * `drop`, the writer's appendChanges does nothing and returns []. Both variants go through the same Proxy,
 * so the only difference measured is appendChanges. `counted.records` is the change records seen.
 */
function decorate(store, drop) {
  const counted = { calls: 0, records: 0 };
  const bindAll = (target, override) =>
    new Proxy(target, {
      get(t, key) {
        if (key in override) return override[key];
        const v = Reflect.get(t, key, t);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
  const writer = (w) =>
    bindAll(w, {
      appendChanges: async (workspace, actor, at, changes) => {
        counted.calls++;
        counted.records += changes.length;
        return drop ? [] : w.appendChanges(workspace, actor, at, changes);
      },
    });
  return { store: bindAll(store, { write: (fn) => store.write((w) => fn(writer(w))) }), counted };
}

async function openFresh(engine, dir, databaseUrl, i) {
  if (engine === 'sqlite') {
    const path = join(dir, `changelog-${i}.db`);
    rmSync(path, { force: true });
    // As shipped: WAL, synchronous=FULL.
    const store = openSqliteStore({ path });
    const cleanup = async () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    };
    return { store, cleanup };
  }
  const schema = freshSchema('tw_bench_agents');
  const store = await openPostgresStore({ connectionString: databaseUrl, schema, statementTimeoutMs: 0 });
  return { store, schema, cleanup: () => adminQuery(databaseUrl, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`) };
}

/**
 * Figure 3: grow a fresh store to `tasks` through the service in batches of 50 (bench/store.mjs populate),
 * with and without the change log, in the order with, without, without, with (so drift and warm-up weigh on
 * both alike); the rate of each variant is the mean of its two runs.
 */
async function changeLogCost({ engine, dir, databaseUrl, tasks, log }) {
  const order = ['with', 'without', 'without', 'with'];
  const runs = [];
  for (const [i, variant] of order.entries()) {
    const { store, cleanup } = await openFresh(engine, dir, databaseUrl, i);
    try {
      const { store: decorated, counted } = decorate(store, variant === 'without');
      const rate = await populate(new TaskService(decorated), 0, tasks);
      if (counted.records !== tasks) throw new Error(`change log: ${counted.records} records for ${tasks} created tasks`);
      runs.push({ variant, tasks_per_s: Math.round(rate), change_records: variant === 'with' ? counted.records : 0 });
      log(`  ${engine} create_tasks ${variant} change log: ${Math.round(rate)} tasks/s`);
    } finally {
      await store.close();
      await cleanup();
    }
  }
  const mean = (v) => Math.round(runs.filter((r) => r.variant === v).reduce((a, r) => a + r.tasks_per_s, 0) / 2);
  const withLog = mean('with');
  const withoutLog = mean('without');
  return {
    engine,
    tasks,
    batch: BATCH,
    order: order.join(','),
    with_log_tasks_per_s: withLog,
    without_log_tasks_per_s: withoutLog,
    ratio_with_vs_without: round(withLog / withoutLog, 3),
    runs,
  };
}

/**
 * @param {{ root: string, dir: string, databaseUrl?: string, quick?: boolean, log?: (...a: unknown[]) => void }} opts
 */
export async function benchAgents({ root, dir, databaseUrl = PG_DEFAULT_URL, quick = false, claimTasks, changelogTasks, log = () => {} }) {
  const P = quick
    ? { claim_tasks: 200, claimers_per_process: 4, claim_seconds: 60, scaling_backlogs: [250, 1000], scaling_claims: 10, changelog_tasks: 2000 }
    : { claim_tasks: 500, claimers_per_process: 4, claim_seconds: 110, scaling_backlogs: [250, 2000], scaling_claims: 20, changelog_tasks: 20_000 };
  if (claimTasks) P.claim_tasks = claimTasks;
  if (changelogTasks) P.changelog_tasks = changelogTasks;
  const started = performance.now();
  const out = { params: P, claims: {}, claim_scaling: {}, changelog: {} };
  const pgUp = await postgresReachable(databaseUrl);
  if (!pgUp) log(`agents: PostgreSQL not reachable at ${databaseUrl}: its figures are skipped`);
  out.postgres = pgUp ? databaseUrl.replace(/\/\/[^@/]*@/, '//…@') : null;

  log(`agents: ${P.claim_tasks} claims, 2 stdio processes × ${P.claimers_per_process} claimers, one SQLite file…`);
  out.claims.sqlite = await claimsSqlite({ root, dir, tasks: P.claim_tasks, perProcess: P.claimers_per_process, seconds: P.claim_seconds });
  log('  ', JSON.stringify(out.claims.sqlite));
  if (pgUp) {
    log(`agents: ${P.claim_tasks} claims, 2 HTTP replicas × ${P.claimers_per_process} claimers, one PostgreSQL schema…`);
    out.claims.postgres = await claimsPostgres({ root, databaseUrl, tasks: P.claim_tasks, perProcess: P.claimers_per_process, seconds: P.claim_seconds });
    log('  ', JSON.stringify(out.claims.postgres));
  }

  log(`agents: one claim_task in process at a backlog of ${P.scaling_backlogs.join(' and ')} todo tasks…`);
  for (const engine of pgUp ? ['sqlite', 'postgres'] : ['sqlite']) {
    out.claim_scaling[engine] = await claimScaling({ engine, dir, databaseUrl, backlogs: P.scaling_backlogs, claims: P.scaling_claims });
    log('  ', JSON.stringify(out.claim_scaling[engine]));
  }

  log(`agents: create_tasks 0 → ${P.changelog_tasks} tasks with vs without the change log…`);
  out.changelog.sqlite = await changeLogCost({ engine: 'sqlite', dir, tasks: P.changelog_tasks, log });
  if (pgUp) out.changelog.postgres = await changeLogCost({ engine: 'postgres', dir, databaseUrl, tasks: P.changelog_tasks, log });
  out.seconds = round((performance.now() - started) / 1000, 0);
  return out;
}

/** Rows for run.mjs's table. */
export function agentRows(agents) {
  const rows = [];
  for (const [engine, c] of Object.entries(agents.claims)) {
    const errs = Object.entries(c.errors).map(([k, v]) => `${k} ${v}`);
    if (c.exceptions) errs.push(`exceptions ${c.exceptions}`);
    rows.push([
      `agents claim_task ${engine} (${c.setup}, ${c.claimers} claimers, ${c.tasks} tasks): claims/s, p50/p95 ms, errors`,
      `${c.claims_per_s}, ${c.p50_ms}/${c.p95_ms}, ${errs.length ? errs.join(', ') : 'none'} (claims per server ${c.per_server.map((x) => x.claims).join('/')}, max ms ${c.per_server.map((x) => x.max_ms).join('/')})`,
    ]);
  }
  for (const [engine, g] of Object.entries(agents.claim_scaling))
    rows.push([
      `agents claim_task ${engine} in process, one claimer: p50 ms at a backlog of ${g.steps.map((x) => x.backlog).join(' / ')} todo tasks`,
      g.steps.map((x) => x.p50_ms).join(' / '),
    ]);
  for (const [engine, g] of Object.entries(agents.changelog))
    rows.push([
      `agents create_tasks ${engine} 0 → ${g.tasks} tasks: tasks/s with / without change log (ratio)`,
      `${g.with_log_tasks_per_s} / ${g.without_log_tasks_per_s} (${g.ratio_with_vs_without})`,
    ]);
  return rows;
}
