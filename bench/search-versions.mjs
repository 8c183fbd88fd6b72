// Search at scale, one build against another on the same file (docs/BENCHMARKS.md, "Search per workspace"):
//   node bench/search-versions.mjs seed <repo> <path.db> <tasks> [--small]   bulk-seed workspace 'bench' through <repo>'s
//        store port (1,000 tasks per write, the scale bench's base mix); --small adds 49 workspaces of 100 tasks
//   node bench/search-versions.mjs time <repo> <path.db> [calls]             open <path.db> with <repo>'s dist (migrating it),
//        time the scale bench's search_tasks calls (p50/p95 ms), then create_tasks 10 batches of 50 (tasks/s)
// <repo> is a checkout with a built dist/ (npm run build). Time a copy of the seeded file per build: timing writes to it.

import { existsSync } from 'node:fs';
import { ASSIGNEES, LABELS, rng, VOCAB } from './dataset.mjs';
import { baseTask, COMMON_WORD, callerOf, RARE_WORD } from './shapes.mjs';

const [mode, repo, path, arg, flag] = process.argv.slice(2);
// Builds from before the SQLite engine was split into files (issue 15) have sqlite-store.js, not index.js.
const sqliteEntry = existsSync(`${repo}/dist/store/sqlite/index.js`) ? 'index.js' : 'sqlite-store.js';
const { openSqliteStore } = await import(`${repo}/dist/store/sqlite/${sqliteEntry}`);
const c = callerOf('bench');

if (mode === 'seed') {
  const store = openSqliteStore({ path, synchronous: 'NORMAL' });
  const n = Number(arg);
  const r = rng(12);
  const now = new Date().toISOString();
  const t0 = performance.now();
  const seed = async (workspace, count, rr) => {
    for (let b = 0; b < count; b += 1000) {
      await store.write(async (w) => {
        for (let i = b; i < Math.min(count, b + 1000); i++)
          await w.insertTask(workspace, { assignee: null, due_date: null, parent_id: null, ...baseTask(rr, i) }, c.actor, now);
      });
    }
  };
  await seed('bench', n, r);
  if (flag === '--small') for (let k = 1; k <= 49; k++) await seed(`small-${k}`, 100, rng(100 + k));
  console.log(`seeded ${n} tasks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await store.close();
} else if (mode === 'time') {
  const { TaskService } = await import(`${repo}/dist/toolsets/tasks/service.js`);
  const t0 = performance.now();
  const store = openSqliteStore({ path });
  console.log(`open (with migrations) ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const svc = new TaskService(store);
  const r = rng(5);
  const word = () => VOCAB[Math.floor(r() * VOCAB.length)];
  const S = (input) => (i) => svc.searchTasks(c, { limit: 10, ...input(i) });
  const paths = [
    ['rare word', S(() => ({ query: RARE_WORD }))],
    ['common word', S(() => ({ query: COMMON_WORD }))],
    ['word', S(() => ({ query: word() }))],
    ['word + prefix', S(() => ({ query: `${word()} ${word().slice(0, 4)}` }))],
    ['common + status', S(() => ({ query: COMMON_WORD, status: ['todo'] }))],
    ['word + label', S((i) => ({ query: word(), label: LABELS[i % LABELS.length] }))],
    ['common + assignee', S((i) => ({ query: COMMON_WORD, assignee: ASSIGNEES[i % ASSIGNEES.length] }))],
  ];
  const calls = Number(arg ?? 30);
  for (const [name, fn] of paths) {
    await fn(0);
    const t = [];
    for (let i = 1; i <= calls; i++) {
      const s = performance.now();
      await fn(i);
      t.push(performance.now() - s);
    }
    t.sort((a, b) => a - b);
    console.log(`${name.padEnd(18)} p50 ${t[Math.floor(t.length / 2)].toFixed(2)} p95 ${t[Math.floor(t.length * 0.95)].toFixed(2)}`);
  }
  const rc = rng(77);
  const tc = performance.now();
  let made = 0;
  for (let b = 0; b < 10; b++)
    made += (
      await svc.createTasks(
        c,
        Array.from({ length: 50 }, (_, k) => baseTask(rc, k)),
      )
    ).created.length;
  console.log(`create_tasks ${Math.round(made / ((performance.now() - tc) / 1000))} tasks/s`);
  await store.close();
} else {
  console.error('usage: node bench/search-versions.mjs seed <repo> <path.db> <tasks> [--small] | time <repo> <path.db> [calls]');
  process.exitCode = 2;
}
