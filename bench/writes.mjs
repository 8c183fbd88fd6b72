// Targeted SQLite write bench at one large workspace (issue 12 item 2), quicker than the scale section:
//   npm run build && node bench/writes.mjs [--size 1000000] [--seed-file /tmp/taskwire-writes-1m.db] [--batches 40] [--profile]
// 1. Seeds `size` base-mix tasks (bench/shapes.mjs baseTask) into --seed-file through the store port, once (1,000
//    per transaction, synchronous=NORMAL: seeding speed is not what is measured); kept for later runs.
// 2. Copies the seed to a scratch file and opens it as shipped (WAL, synchronous=FULL; the copy is migrated to this
//    build's schema on open, so the seed survives schema changes), then, through TaskService:
//    create_tasks: --batches batches of 50 (tasks/s over all of them, and per-batch p50/p95 ms);
//    update_task (priority change) and complete_task: 100 calls each on open / todo tasks, p50/p95 ms;
//    completions: completeIds("1".."9", "42"), completeValues(assignee "agent", label "label-1"), p50/p95 ms.
// --sql "…": SQL run on the scratch copy before opening (experiments, e.g. dropping an index to price it).
// --depends-on N: each created task depends on N existing tasks (random ids of the seed), so create_tasks also writes
//   edges (each a foreign-key lookup of both ends since SQLite migration 11). CPU per batch is given as a mean over the
//   loop and as per-batch p50/p95 (process CPU, user + system: less noisy than wall time on a loaded machine).
// --frames: WAL frames (pages) written per create_tasks batch, update_task and complete_task, with the store's
//   automatic checkpoints off (a diagnostic: counts, not times; the machine's noise does not move them).
// --profile: every SQL statement of the timed calls, summed by phase and statement (ms and count), printed, and the
//   transactions' BEGIN and COMMIT (db.exec, listed as `exec COMMIT`: the WAL write, its fsync, FTS5's segment
//   writes and any automatic checkpoint).
// Figures on this shared 2-core machine are noisy: run twice and compare.
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, rmSync, statSync } from 'node:fs';
import { sqliteDriver } from '../dist/store/sqlite/driver.js';
import { openSqliteStore } from '../dist/store/sqlite/index.js';
import { TaskService } from '../dist/toolsets/tasks/service.js';
import { rng } from './dataset.mjs';
import { round, stats, timeSqliteStatements } from './lib.mjs';
import { baseTask, callerOf } from './shapes.mjs';

/** better-sqlite3 13 or 12, whichever Taskwire loads on this Node (src/store/sqlite/driver.ts). */
const { Database } = sqliteDriver();

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const size = Number(arg('size', 1_000_000));
const seedFile = arg('seed-file', `/tmp/taskwire-writes-${size}.db`);
const batches = Number(arg('batches', 40));
const profile = process.argv.includes('--profile');
const framesMode = process.argv.includes('--frames');
const dependsOn = Number(arg('depends-on', 0));
const cacheMiB = Number(arg('cache-mib', 0)); // experiments: page cache per connection instead of the store's
const log = (...a) => console.error(...a);
const caller = callerOf('main');

const files = (path) => [path, `${path}-wal`, `${path}-shm`];

async function seed() {
  if (existsSync(seedFile)) return;
  log(`seeding ${size} tasks into ${seedFile}…`);
  const tmp = `${seedFile}.partial`;
  for (const f of files(tmp)) rmSync(f, { force: true });
  const store = openSqliteStore({ path: tmp, synchronous: 'NORMAL' });
  const r = rng(12);
  const now = new Date().toISOString();
  const t0 = performance.now();
  for (let n = 0; n < size; n += 1000) {
    const count = Math.min(1000, size - n);
    await store.write(async (w) => {
      for (let i = 0; i < count; i++) {
        const t = baseTask(r, n + i);
        await w.insertTask(caller.workspace, { assignee: null, due_date: null, parent_id: null, ...t }, caller.actor, now);
      }
    });
    if ((n + count) % 100_000 === 0) log(`  ${n + count} tasks, ${round((performance.now() - t0) / 1000, 1)} s`);
  }
  await store.close();
  const db = new Database(tmp);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  copyFileSync(tmp, seedFile);
  for (const f of files(tmp)) rmSync(f, { force: true });
}

/** Per-statement timing of better-sqlite3 while `on`. */
const prof = { on: false, phase: 'create', by: new Map() };
function instrument() {
  const exec = Database.prototype.exec;
  Database.prototype.exec = function (source) {
    if (!prof.on) return exec.call(this, source);
    const t = performance.now();
    try {
      return exec.call(this, source);
    } finally {
      const key = `${prof.phase}: exec ${source}`;
      const e = prof.by.get(key) ?? { ms: 0, n: 0 };
      e.ms += performance.now() - t;
      e.n++;
      prof.by.set(key, e);
    }
  };
  timeSqliteStatements(
    Database,
    () => prof.on,
    (stmt, _args, ms) => {
      const key = `${prof.phase}: ${stmt.source.replace(/\s+/g, ' ').trim().slice(0, 130)}`;
      const e = prof.by.get(key) ?? { ms: 0, n: 0 };
      e.ms += ms;
      e.n++;
      prof.by.set(key, e);
    },
  );
}

const summary = (times) => {
  const s = stats(times);
  return { n: s.n, p50_ms: round(s.p50, 2), p95_ms: round(s.p95, 2), max_ms: round(s.max, 1) };
};

/** --frames: connections open with automatic checkpoints off, so the WAL only grows and its size counts frames. */
function noAutoCheckpoint() {
  const pragma = Database.prototype.pragma;
  Database.prototype.pragma = function (source, options) {
    if (framesMode && /^wal_autocheckpoint/.test(source)) return pragma.call(this, 'wal_autocheckpoint = 0'); // the store's own setting
    const out = pragma.call(this, source, options);
    if (framesMode && /^journal_mode/.test(source)) pragma.call(this, 'wal_autocheckpoint = 0');
    if (cacheMiB && /^cache_size/.test(source)) pragma.call(this, `cache_size = -${cacheMiB * 1024}`);
    return out;
  };
}

const walFrames = (path) => (existsSync(`${path}-wal`) ? Math.max(0, statSync(`${path}-wal`).size - 32) / (4096 + 24) : 0);

async function main() {
  await seed();
  const work = `${seedFile}.work`;
  for (const f of files(work)) rmSync(f, { force: true });
  copyFileSync(seedFile, work);
  // The copy's writeback (1 GB at 1M) competed with the timed COMMITs' fsyncs: flush it before opening.
  const fd = openSync(work, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  const extra = arg('sql', '');
  if (extra) {
    // Experiments only: SQL run on the scratch copy before the store opens it (e.g. "DROP INDEX x").
    const db = new Database(work);
    db.exec(extra);
    db.close();
    log(`ran on the copy: ${extra}`);
  }
  if (profile) instrument();
  if (framesMode || cacheMiB) noAutoCheckpoint();
  const frames = { create: [], update: [], complete: [] };
  const framed = async (list, fn) => {
    const before = walFrames(work);
    const result = await fn();
    list.push(walFrames(work) - before);
    return result;
  };
  const t0 = performance.now();
  const store = openSqliteStore({ path: work });
  log(`opened (and migrated) in ${round((performance.now() - t0) / 1000, 1)} s`);
  const svc = new TaskService(store);
  const ids = await store.read(async (r) => {
    const page = await r.listTasks(caller.workspace, { status: ['todo'], sort: 'id', order: 'asc', limit: 400, offset: 0 });
    const open = await r.listTasks(caller.workspace, { status: ['in_progress', 'blocked'], sort: 'id', order: 'asc', limit: 200, offset: 0 });
    return { todo: page.items.map((t) => t.id), open: open.items.map((t) => t.id) };
  });
  const out = { size, batches };

  // create_tasks first (a cold-ish cache, as after the scale section's reads)
  const r = rng(77);
  const batchTimes = [];
  const batchCpu = [];
  const edges = () => Array.from({ length: dependsOn }, () => 1 + Math.floor(r() * size));
  prof.on = profile;
  const c0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let b = 0; b < batches; b++) {
    const items = Array.from({ length: 50 }, (_, k) => (dependsOn > 0 ? baseTask(r, k, { depends_on: [...new Set(edges())] }) : baseTask(r, k)));
    const t = performance.now();
    const u = process.cpuUsage();
    await framed(frames.create, () => svc.createTasks(caller, items));
    const du = process.cpuUsage(u);
    batchCpu.push((du.user + du.system) / 1000);
    batchTimes.push(performance.now() - t);
  }
  prof.on = false;
  out.create_tasks_per_s = Math.round((batches * 50) / ((performance.now() - c0) / 1000));
  out.create_batch = summary(batchTimes);
  const cpu = process.cpuUsage(cpu0);
  out.create_cpu_ms_per_batch = round((cpu.user + cpu.system) / 1000 / batches, 1);
  const cpuStats = stats(batchCpu);
  out.create_cpu_batch = { p50_ms: round(cpuStats.p50, 2), p95_ms: round(cpuStats.p95, 2) };
  if (dependsOn > 0) out.depends_on = dependsOn;

  const time = async (n, fn, phase) => {
    prof.phase = phase;
    prof.on = profile;
    const times = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await fn(i);
      times.push(performance.now() - t);
    }
    prof.on = false;
    return summary(times);
  };
  out.update_task = await time(
    100,
    (i) => framed(frames.update, () => svc.updateTask(caller, { id: ids.open[i % ids.open.length], priority: ['low', 'medium', 'high', 'critical'][i % 4] })),
    'update',
  );
  out.complete_task = await time(100, (i) => framed(frames.complete, () => svc.completeTask(caller, ids.todo[i])), 'complete');
  out.completion_ids = await time(100, (i) => svc.completeIds(caller, String(1 + (i % 9))), 'completion');
  out.completion_ids_42 = await time(100, () => svc.completeIds(caller, '42'), 'completion');
  out.completion_assignee = await time(100, () => svc.completeValues(caller, 'assignee', 'agent'), 'completion');
  out.completion_label = await time(100, () => svc.completeValues(caller, 'label', 'label-1'), 'completion');
  if (framesMode) {
    const mean = (xs) => round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length), 1);
    out.wal_frames = { create_batch: mean(frames.create), update_task: mean(frames.update), complete_task: mean(frames.complete) };
  }
  await store.close();
  for (const f of files(work)) rmSync(f, { force: true });
  console.log(JSON.stringify(out, null, 1));
  if (profile) {
    const rows = [...prof.by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40);
    const total = [...prof.by.entries()].filter(([k]) => k.startsWith('create') && !k.startsWith('create: exec ')).reduce((s, [, e]) => s + e.ms, 0);
    console.log(
      `statements in create_tasks batches: ${round(total, 0)} ms of ${round(
        batchTimes.reduce((s, x) => s + x, 0),
        0,
      )} ms; by phase and statement:`,
    );
    for (const [sql, e] of rows) console.log(`${round(e.ms, 1).toString().padStart(8)} ms ${String(e.n).padStart(6)}×  ${sql}`);
  }
}

await main();
