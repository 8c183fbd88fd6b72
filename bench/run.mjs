#!/usr/bin/env node
// `npm run bench [-- --quick]`: Taskwire side by side with the bare SDK v2, FastMCP-TS and a hand-written
// floor, in one run on this machine, every figure also as a ratio to the bare SDK. Prints a table and
// writes bench/results/<date>.json. Loopback only, bounded in time. See docs/BENCHMARKS.md.
// Flags: --quick, --huge (adds 1M tasks), --store-only (only the store figures), --database-url URL
// (also run the store figures on PostgreSQL, in a fresh schema dropped afterwards), --sizes 10000,100000,
// --engines sqlite,postgres (default: sqlite, and postgres when --database-url is given), --agents-only (only the
// agents figures: claim_task across two servers on one store, create_tasks with vs without the change log; their
// PostgreSQL parts use --database-url, else TASKWIRE_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test,
// and are skipped when it does not answer), --claim-tasks N, --changelog-tasks N (agents sizes).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getEncoding } from 'js-tiktoken';
import { agentRows, benchAgents } from './agents.mjs';
import { fairness, newConnectionStall } from './guard.mjs';
import { guardrailSteps } from './guardrail-steps.mjs';
import { guardrailOverhead } from './guardrails.mjs';
import { legacyRequest, load, modernRequest, sessionMemory, startServer } from './http.mjs';
import { ENVELOPE, LEGACY_INIT, NEVER_REFUSE, round, stdioServer } from './lib.mjs';
import { benchScale, scaleOnly, scaleOptions, scaleReport, scaleRows } from './scale.mjs';
import { coldStarts, perCall, stdioServers } from './stdio.mjs';
import { benchStore, CALLER, populate } from './store.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
// --huge adds the 1M-task store step (bulk-seeded; several more minutes).
const huge = process.argv.includes('--huge');
// --guardrails-only: just the guardrails on/off figure (after populating the database).
const guardrailsOnly = process.argv.includes('--guardrails-only');
const storeOnly = process.argv.includes('--store-only');
const agentsOnly = process.argv.includes('--agents-only');
const flag = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const databaseUrl = flag('--database-url');
const sizesFlag = flag('--sizes');
const P = quick
  ? { reps: 1, coldReps: 1, calls: 300, seconds: 1, conc: [1, 16], sessions: 100, storeSizes: [10_000], queries: 50, taskwireTasks: 10_000 }
  : {
      reps: 3,
      // Cold starts are cheap (~1 s each) and the noisiest figure: more rounds, interleaved (bench/stdio.mjs).
      coldReps: 9,
      calls: 2000,
      seconds: 3,
      conc: [1, 16, 64],
      sessions: 1000,
      storeSizes: [10_000, 100_000, ...(huge ? [1_000_000] : [])],
      queries: 300,
      taskwireTasks: 100_000,
    };
if (sizesFlag) P.storeSizes = sizesFlag.split(',').map(Number);
const tmp = mkdtempSync(join(tmpdir(), 'taskwire-bench-'));
const out = {
  date: new Date().toISOString(),
  mode: `${quick ? 'quick' : 'full'}${storeOnly ? ' store-only' : ''}${agentsOnly ? ' agents-only' : ''}`,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, mem_gib: round(totalmem() / 2 ** 30, 1), node: process.version },
  params: P,
};
const log = (...a) => console.error(...a);
const started = performance.now();

// ---- scale (issue 12, bench/scale.mjs): every read path at 10k/100k (1M with --huge), SQLite and PostgreSQL, grown and
// reopened. `--scale-only` runs only it (flags: --scale-sizes, --engines, --database-url, --scale-calls, --scale-cap-s,
// --scale-max-call-s); a full run (not --quick, --store-only, --agents-only) runs it at the end.
if (process.argv.includes('--scale-only')) {
  await scaleOnly({ out, root: ROOT, argv: process.argv, dir: tmp, log });
  rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
}

const taskwireDb = join(tmp, 'taskwire.db');
if (!storeOnly && !agentsOnly) {
  // ---- a populated Taskwire database for the server figures ----
  log(`populating a ${P.taskwireTasks}-task database for the server figures…`);
  const { openSqliteStore } = await import('../dist/store/sqlite/index.js');
  const { TaskService } = await import('../dist/toolsets/tasks/service.js');
  {
    const store = openSqliteStore({ path: taskwireDb, synchronous: 'NORMAL' });
    const service = new TaskService(store);
    await populate(service, 0, P.taskwireTasks);
    await store.close();
  }

  // ---- guardrails on vs off ----
  log('guardrails: overhead of observability (and other guardrails) on vs off…');
  out.guardrails = await guardrailOverhead({ root: ROOT, taskwireDb, workspace: CALLER.workspace, P, log });
  // Each guardrail step's own cost, in process (hot and cache-cold): the stdio shares above are too noisy to split them.
  out.guardrails.steps = await guardrailSteps({ root: ROOT, calls: quick ? 200 : 1000, reps: quick ? 1 : 3 });
  log('  guardrail steps (µs per call, hot / cold)', JSON.stringify({ hot: out.guardrails.steps.hot.step_us, cold: out.guardrails.steps.cold.step_us }));
  if (guardrailsOnly) {
    console.log(JSON.stringify(out.guardrails, null, 2));
    rmSync(tmp, { recursive: true, force: true });
    process.exit(0);
  }

  // ---- stdio ----
  log('stdio: cold start, idle RSS, CPU per call…');
  out.stdio = {};
  const servers = stdioServers({ taskwireDb, root: ROOT });
  for (const server of servers) server.args = server.id.startsWith('taskwire') ? [...server.args, '--workspace', CALLER.workspace] : server.args;
  const starts = await coldStarts(servers, P.coldReps);
  for (const server of servers) {
    for (const era of server.eras) {
      const key = `${server.id}/${era}`;
      out.stdio[key] = { ...starts[key], ...(await perCall(server, era, P.calls, P.reps)) };
      log(`  ${key}`, JSON.stringify(out.stdio[key]));
    }
  }

  // ---- HTTP ----
  log('HTTP: throughput, latency, CPU per request…');
  out.http = {};
  const twArgs = [
    `${ROOT}/dist/cli/main.js`,
    'serve',
    '--port',
    '0',
    '--db',
    taskwireDb,
    '--workspace',
    CALLER.workspace,
    '--log-level',
    'warn',
    '--max-sessions',
    '100000',
    // guardrails on, limits high enough that the load is never refused (they still count every call)
    ...NEVER_REFUSE,
  ];
  const httpTargets = [
    { id: 'floor', args: [`${ROOT}/bench/references/floor.mjs`, 'http', '0'], modern: ['add', { a: 1, b: 2 }], legacySessions: false },
    { id: 'sdk (stateless)', args: [`${ROOT}/bench/references/sdk.mjs`, 'http', '0'], modern: ['add', { a: 1, b: 2 }] },
    { id: 'sdk (sessions)', args: [`${ROOT}/bench/references/sdk.mjs`, 'sessions', '0'], sessions: ['add', { a: 1, b: 2 }] },
    {
      id: 'fastmcp (stateless)',
      args: [`${ROOT}/bench/references/fastmcp.mjs`, 'http', String(30000 + Math.floor(Math.random() * 20000))],
      legacyStateless: ['add', { a: 1, b: 2 }],
    },
    { id: 'taskwire', args: twArgs, modern: ['get_task', { id: 4242 }], sessions: ['get_task', { id: 4242 }] },
  ];
  for (const t of httpTargets) {
    const server = await startServer(t.args);
    try {
      for (const [kind, call] of [
        ['2026 stateless', t.modern],
        ['2025 sessions', t.sessions],
        ['2025 stateless', t.legacyStateless],
      ]) {
        if (!call) continue;
        const req = kind === '2026 stateless' ? modernRequest(...call) : legacyRequest(...call);
        for (const connections of P.conc) {
          const key = `${t.id}/${kind}/c${connections}`;
          out.http[key] = { tool: call[0], ...(await load(server, { connections, seconds: P.seconds, req, sessions: kind === '2025 sessions' })) };
          log(`  ${key}`, JSON.stringify(out.http[key]));
        }
      }
    } finally {
      await server.stop();
    }
  }

  log('HTTP: RSS per idle 2025-era session…');
  out.sessions = {};
  for (const t of [
    { id: 'floor', args: [`${ROOT}/bench/references/floor.mjs`, 'http', '0'] },
    { id: 'sdk (sessions)', args: [`${ROOT}/bench/references/sdk.mjs`, 'sessions', '0'] },
    { id: 'fastmcp (sessions)', args: [`${ROOT}/bench/references/fastmcp.mjs`, 'sessions', String(30000 + Math.floor(Math.random() * 20000))] },
    { id: 'taskwire', args: twArgs },
  ]) {
    const server = await startServer(t.args);
    try {
      out.sessions[t.id] = await sessionMemory(server, P.sessions);
      log(`  ${t.id}`, JSON.stringify(out.sessions[t.id]));
    } finally {
      await server.stop();
    }
  }
}

// ---- store ----
out.store = [];
if (!agentsOnly) {
  log(`store: create/list/search at ${P.storeSizes.join(', ')} tasks…`);
  const engines = (flag('--engines') ?? (databaseUrl ? 'sqlite,postgres' : 'sqlite')).split(',');
  if (engines.includes('sqlite')) out.store = (await benchStore({ sizes: P.storeSizes, dir: tmp, queries: P.queries, log })).results;
  if (databaseUrl && engines.includes('postgres')) {
    // PostgreSQL: 1M only with --huge, like SQLite.
    const sizes = P.storeSizes;
    out.store.push(...(await benchStore({ sizes, dir: tmp, queries: P.queries, engine: 'postgres', databaseUrl, log })).results);
  } else log('store: PostgreSQL skipped (give --database-url postgres://… to include it)');
}

// ---- agents: claim_task across two servers on one store; what the change log costs create_tasks ----
if (!storeOnly) {
  const n = (name) => (flag(name) ? Number(flag(name)) : undefined);
  out.agents = await benchAgents({
    root: ROOT,
    dir: tmp,
    databaseUrl,
    quick,
    claimTasks: n('--claim-tasks'),
    changelogTasks: n('--changelog-tasks'),
    log,
  });
}

if (!storeOnly && !agentsOnly) {
  // ---- guardrails: a well-behaved principal's latency while another floods ----
  log('guardrails: list_tasks latency of one principal alone and while another floods (on vs off)…');
  out.fairness = await fairness({ root: ROOT, calls: quick ? 300 : 1000, flooders: 8 });
  log('  ', JSON.stringify(out.fairness));
  log('guardrails: a quiet principal on a new connection while another floods with a connection per request…');
  out.stall = await newConnectionStall({ root: ROOT, calls: quick ? 30 : 100, flooders: 64 });
  log('  ', JSON.stringify(out.stall));

  // ---- tokens ----
  log('tokens: tools/list and a 20-task page…');
  {
    const enc = getEncoding('o200k_base');
    const s = stdioServer(process.execPath, [`${ROOT}/dist/cli/main.js`, '--db', taskwireDb, '--workspace', CALLER.workspace, '--log-level', 'warn']);
    await s.request('initialize', LEGACY_INIT);
    s.notify('notifications/initialized');
    const list = await s.request('tools/list');
    const page = await s.request('tools/call', { name: 'list_tasks', arguments: { limit: 20 } });
    await s.stop();
    out.tokens = {
      tools_list: enc.encode(JSON.stringify(list)).length,
      list_tasks_20_page: enc.encode(JSON.stringify(page)).length,
      list_tasks_20_page_text_only: enc.encode(page.content[0].text).length,
    };
    log('  ', JSON.stringify(out.tokens));
  }
}
void ENVELOPE;

// ---- scale (see above) ----
if (!quick && !storeOnly && !agentsOnly) out.scale = await benchScale(scaleOptions(process.argv, { dir: tmp, log }));

// ---- ratios and report ----
out.seconds = round((performance.now() - started) / 1000, 0);
const ratio = (a, b) => (a && b ? round(a / b, 2) : null);
const sdkStdio = out.stdio?.['sdk/legacy'];
out.ratios =
  storeOnly || agentsOnly
    ? {}
    : {
        stdio_cpu_get_task_vs_sdk_add: ratio(out.stdio['taskwire/legacy'].cpu_us_per_call.median, sdkStdio.cpu_us_per_call.median),
        stdio_cpu_fastmcp_vs_taskwire: ratio(out.stdio['fastmcp/legacy'].cpu_us_per_call.median, out.stdio['taskwire/legacy'].cpu_us_per_call.median),
        cold_start_vs_sdk: ratio(out.stdio['taskwire/legacy'].cold_start_ms.median, sdkStdio.cold_start_ms.median),
        cold_start_modern_vs_sdk: ratio(out.stdio['taskwire/modern'].cold_start_ms.median, out.stdio['sdk/modern'].cold_start_ms.median),
        idle_rss_vs_sdk: ratio(out.stdio['taskwire/legacy'].idle_rss_mib.median, sdkStdio.idle_rss_mib.median),
        http_2026_cpu_get_task_vs_sdk_sessionful_add: ratio(
          out.http['taskwire/2026 stateless/c1']?.server_cpu_us_per_req,
          out.http['sdk (sessions)/2025 sessions/c1']?.server_cpu_us_per_req,
        ),
        session_rss_vs_sdk: ratio(out.sessions.taskwire.rss_growth_kib_per_session, out.sessions['sdk (sessions)'].rss_growth_kib_per_session),
      };

mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
const file = join(
  ROOT,
  'bench',
  'results',
  `${out.date.slice(0, 19).replace(/[:T]/g, '-')}${quick ? '-quick' : ''}${storeOnly ? '-store' : ''}${agentsOnly ? '-agents' : ''}.json`,
);
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
rmSync(tmp, { recursive: true, force: true });

const rows = [];
const row = (...c) => rows.push(c.map(String));
row('figure', 'value', 'vs bare SDK');
for (const [k, v] of Object.entries(out.stdio ?? {})) {
  const sdk = out.stdio[`sdk/${k.split('/')[1]}`];
  row(`stdio ${k} cold start ms (median)`, v.cold_start_ms.median, ratio(v.cold_start_ms.median, sdk?.cold_start_ms.median) ?? '');
  row(`stdio ${k} idle RSS MiB`, v.idle_rss_mib.median, ratio(v.idle_rss_mib.median, sdk?.idle_rss_mib.median) ?? '');
  row(`stdio ${k} server CPU µs/call (median)`, v.cpu_us_per_call.median, ratio(v.cpu_us_per_call.median, sdk?.cpu_us_per_call.median) ?? '');
  row(`stdio ${k} latency p50/p99 ms`, `${v.p50_ms}/${v.p99_ms}`, '');
}
for (const [k, v] of Object.entries(out.http ?? {}))
  row(
    `http ${k} ${v.tool}: req/s, p50/p99 ms, CPU µs/req`,
    `${v.req_per_s}, ${v.p50_ms}/${v.p99_ms}, ${v.server_cpu_us_per_req}${v.non_2xx || v.errors ? ` (${v.non_2xx} non-2xx, ${v.errors} errors)` : ''}`,
    '',
  );
for (const [k, v] of Object.entries(out.sessions ?? {}))
  row(
    `http ${k}: RSS KiB per idle 2025 session`,
    v.rss_growth_kib_per_session,
    ratio(v.rss_growth_kib_per_session, out.sessions['sdk (sessions)'].rss_growth_kib_per_session) ?? '',
  );
for (const r of out.store) {
  if (r.create_tasks_per_s !== null) row(`store ${r.engine} ${r.tasks} tasks: create_tasks tasks/s (service, batches of 50)`, r.create_tasks_per_s, '');
  row(`store ${r.engine} ${r.tasks} tasks: list_tasks p50/p95 ms`, `${r.list_tasks.p50_ms}/${r.list_tasks.p95_ms}`, '');
  row(`store ${r.engine} ${r.tasks} tasks: search_tasks p50/p95 ms`, `${r.search_tasks.p50_ms}/${r.search_tasks.p95_ms}`, '');
  if (r.round_trips) row(`store ${r.engine} ${r.tasks} tasks: round trips get/list/search/create`, Object.values(r.round_trips).join('/'), '');
}
for (const [k, v] of Object.entries(out.fairness ?? {}))
  row(
    `guardrails ${k}: list_tasks p50/p99 ms alone → while another principal floods (flood served/refused)`,
    `${v.alone_p50_ms}/${v.alone_p99_ms} → ${v.flooded_p50_ms}/${v.flooded_p99_ms} (${v.flood_served}/${v.flood_refused})`,
    '',
  );
if (out.stall)
  row(
    'new-connection stall: quiet principal list_tasks p50/p99 ms, new connection | open connection, while 64 loops flood (a connection each)',
    `${out.stall.new_connection_p50_ms}/${out.stall.new_connection_p99_ms} | ${out.stall.open_connection_p50_ms}/${out.stall.open_connection_p99_ms}`,
    '',
  );
for (const [k, v] of out.agents ? agentRows(out.agents) : []) row(k, v, '');
for (const [k, v] of Object.entries(out.tokens ?? {})) row(`tokens ${k}`, v, '');
if (out.guardrails) {
  for (const id of ['off', 'on', 'on+tracing']) {
    const g = out.guardrails[id];
    row(`guardrails ${id}: stdio get_task CPU µs/call, p50 ms`, `${g.stdio.cpu_us_per_call}, ${g.stdio.p50_ms}`, '');
    row(
      `guardrails ${id}: http 2026 c16 req/s, p99 ms, CPU µs/req`,
      `${g.http_2026_c16.req_per_s}, ${g.http_2026_c16.p99_ms}, ${g.http_2026_c16.server_cpu_us_per_req}`,
      '',
    );
  }
  for (const [k, v] of Object.entries(out.guardrails.ratios)) row(`ratio guardrails ${k}`, v, '');
  for (const [k, v] of Object.entries(out.guardrails.shares ?? {})) row(`guardrails share of ${k} (stdio CPU, × the all-off call)`, v.share_of_off_call, '');
}
for (const [k, v] of Object.entries(out.ratios)) row(`ratio ${k}`, v, '');
for (const [k, v] of out.scale ? scaleRows(out.scale) : []) row(k, v, '');
const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
console.log(rows.map((r) => r.map((c, i) => c.padEnd(w[i])).join('  ')).join('\n'));
if (out.scale) console.log(`\n${scaleReport(out.scale)}`);
console.log(`\nwritten ${file} (${out.seconds} s)`);
