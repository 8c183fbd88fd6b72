// SQLite migration 11 (the child tables' foreign keys, issue 15) timed on a large file:
//   npm run build && node bench/fk-migration.mjs [--size 100000] [--runs 3]
// 1. Builds a file at schema version 10 in bulk SQL with the triggers live (so the counters are right): `size` tasks,
//    2 label rows, 1 comment and 1 dependency edge each, plus 100 orphan rows of each kind (children of missing tasks).
// 2. Per run: copies it, opens the copy with the store (which applies migration 11), and opens it again (nothing left
//    to migrate); prints the wall and process-CPU time of both and their difference (the migration), and the rows kept.
// 3. The write cost of the keys: on the migrated copy, inserts of 20,000 label rows and 20,000 edges (rolled back),
//    rounds interleaved with `foreign_keys` ON and OFF on one connection; CPU µs per row, medians of the rounds.
// Wall figures on the shared 2-core machine are noisy: read the CPU column, and the medians.
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { sqliteDriver } from '../dist/store/sqlite/driver.js';
import { childForeignKeys } from '../dist/store/sqlite/foreign-keys.js';
import { openSqliteStore } from '../dist/store/sqlite/index.js';
import { SQLITE_MIGRATIONS } from '../dist/store/sqlite/migrations.js';
import { round, stats } from './lib.mjs';

/** better-sqlite3 13 or 12, whichever Taskwire loads on this Node (src/store/sqlite/driver.ts). */
const { Database } = sqliteDriver();

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const size = Number(arg('size', 100_000));
const runs = Number(arg('runs', 3));
const seedFile = `/tmp/taskwire-fk-v10-${size}.db`;
const log = (...a) => console.error(...a);
const files = (path) => [path, `${path}-wal`, `${path}-shm`];

function seed() {
  if (existsSync(seedFile)) return;
  log(`building a version-10 file with ${size} tasks at ${seedFile}…`);
  const tmp = `${seedFile}.partial`;
  for (const f of files(tmp)) rmSync(f, { force: true });
  const db = new Database(tmp);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF');
  const step = SQLITE_MIGRATIONS.indexOf(childForeignKeys);
  for (const m of SQLITE_MIGRATIONS.slice(0, step)) db.transaction(() => (typeof m === 'string' ? db.exec(m) : m(db)))();
  db.pragma(`user_version = ${step}`);
  const seq = (n) => `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})`;
  db.transaction(() => {
    db.exec(`${seq(size)}
      INSERT INTO tasks (workspace, id, title, description, status, priority, priority_rank, labels, assignee, due_date,
                         created_at, updated_at, created_by, updated_by)
      SELECT 'main', i, 'task ' || i, 'about task ' || i,
             CASE i % 5 WHEN 0 THEN 'todo' WHEN 1 THEN 'in_progress' WHEN 2 THEN 'blocked' WHEN 3 THEN 'done' ELSE 'cancelled' END,
             CASE i % 4 WHEN 0 THEN 'low' WHEN 1 THEN 'medium' WHEN 2 THEN 'high' ELSE 'critical' END, 1 + i % 4,
             json_array('label-' || (i % 20), 'label-' || ((i + 7) % 20)), 'agent-' || (i % 10),
             CASE WHEN i % 2 = 0 THEN date('2026-01-01', '+' || (i % 700) || ' days') END,
             '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'bench', 'bench'
        FROM s;
      INSERT INTO workspaces (name, next_task_id, next_comment_id) VALUES ('main', ${size + 1}, ${size + 1});
      INSERT INTO task_labels (workspace, task_id, label, status, priority_rank, due_date, assignee)
      SELECT t.workspace, t.id, l.value, t.status, t.priority_rank, t.due_date, t.assignee FROM tasks t, json_each(t.labels) l;
      INSERT INTO task_deps (workspace, task_id, depends_on) SELECT workspace, id, id - 1 FROM tasks WHERE id > 1;
      INSERT INTO comments (workspace, id, task_id, body, author, created_at)
      SELECT workspace, id, id, 'a comment on ' || id, 'bench', '2026-01-01T00:00:00.000Z' FROM tasks;`);
    db.exec(`${seq(100)}
      INSERT INTO task_labels (workspace, task_id, label, status, priority_rank) SELECT 'main', ${size} + i, 'label-1', 'todo', 1 FROM s;
      ${seq(100)} INSERT INTO task_deps (workspace, task_id, depends_on) SELECT 'main', i, ${size} + i FROM s;
      ${seq(100)} INSERT INTO comments (workspace, id, task_id, body, author, created_at)
        SELECT 'main', ${size} + i, ${size} + i, 'orphan', 'bench', '2026-01-01T00:00:00.000Z' FROM s;`);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  copyFileSync(tmp, seedFile);
  for (const f of files(tmp)) rmSync(f, { force: true });
}

let cost;
/** CPU µs per inserted row, foreign keys on vs off, label rows (triggers live) and edges (both ends checked). */
function insertCost(path, rows = 20_000, rounds = 9) {
  const db = new Database(path);
  db.pragma('cache_size = -32768'); // the store's page cache (connection.ts)
  const label = db.prepare("INSERT INTO task_labels (workspace, task_id, label, status, priority_rank) VALUES ('main', ?, 'fk-bench', 'todo', 1)");
  const edge = db.prepare("INSERT INTO task_deps (workspace, task_id, depends_on) VALUES ('main', ?, ?)");
  const us = { label: { on: [], off: [] }, edge: { on: [], off: [] } };
  for (let k = 0; k < rounds * 2; k++) {
    const mode = k % 2 === 0 ? 'on' : 'off';
    db.pragma(`foreign_keys = ${mode.toUpperCase()}`);
    for (const [kind, run] of [
      ['label', (i) => label.run(1 + ((i * 7919) % size))],
      ['edge', (i) => edge.run(1 + ((i * 7919) % size), 1 + ((i * 104_729 + 13) % size))],
    ]) {
      db.exec('BEGIN');
      const c = process.cpuUsage();
      for (let i = 0; i < rows; i++) run(i);
      const d = process.cpuUsage(c);
      db.exec('ROLLBACK');
      us[kind][mode].push(((d.user + d.system) / rows) * 1);
    }
  }
  db.close();
  const p50 = (xs) => round(stats(xs).p50, 2);
  cost = Object.fromEntries(Object.entries(us).map(([kind, m]) => [kind, { fk_on: p50(m.on), fk_off: p50(m.off) }]));
}

const timed = (fn) => {
  const t = performance.now();
  const c = process.cpuUsage();
  const result = fn();
  const cpu = process.cpuUsage(c);
  return { result, wall: performance.now() - t, cpu: (cpu.user + cpu.system) / 1000 };
};

async function main() {
  seed();
  const rows = [];
  let kept;
  for (let i = 0; i < runs; i++) {
    const work = `${seedFile}.work`;
    for (const f of files(work)) rmSync(f, { force: true });
    copyFileSync(seedFile, work);
    const first = timed(() => openSqliteStore({ path: work }));
    await first.result.close();
    const again = timed(() => openSqliteStore({ path: work }));
    await again.result.close();
    rows.push({ wall: first.wall - again.wall, cpu: first.cpu - again.cpu, open_wall: again.wall });
    log(`run ${i + 1}: migrated open ${round(first.wall, 0)} ms (cpu ${round(first.cpu, 0)}), plain open ${round(again.wall, 0)} ms (cpu ${round(again.cpu, 0)})`);
    const db = new Database(work, { readonly: true });
    kept = Object.fromEntries(['task_labels', 'task_deps', 'comments'].map((t) => [t, db.prepare(`SELECT count(*) AS n FROM ${t}`).get().n]));
    db.close();
    if (i === runs - 1) insertCost(work);
    for (const f of files(work)) rmSync(f, { force: true });
  }
  const med = (k) => round(stats(rows.map((r) => r[k])).p50, 0);
  console.log(
    JSON.stringify(
      { size, runs, migration_wall_ms_p50: med('wall'), migration_cpu_ms_p50: med('cpu'), plain_open_wall_ms_p50: med('open_wall'), kept, insert_cpu_us_per_row: cost },
      null,
      1,
    ),
  );
}

await main();
