// Store figures on SQLite: create_tasks throughput in batches of 50, and list_tasks (filtered, sorted,
// paged) and search_tasks latency at growing sizes, through the domain service (the code tools run).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../dist/store/sqlite/sqlite-store.js';
import { TaskService } from '../dist/toolsets/tasks/service.js';
import { ASSIGNEES, LABELS, makeTask, rng, VOCAB } from './dataset.mjs';
import { round, stats } from './lib.mjs';

export const CALLER = { workspace: 'bench', actor: { principal: 'bench', client: 'bench' } };
const BATCH = 50;

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
 * Sizes up to 100k are grown through the domain service in batches of 50 (that growth is the reported
 * create_tasks throughput); larger sizes are bulk-seeded (see seed()).
 * @param {{ sizes: number[], dir: string, queries: number }} opts
 * @returns per size: create throughput (tasks/s), list and search latency (ms)
 */
export async function benchStore({ sizes, dir, queries }) {
  const path = join(dir, 'store-bench.db');
  rmSync(path, { force: true });
  const store = openSqliteStore({ path });
  const service = new TaskService(store);
  const results = [];
  let have = 0;
  const r = rng(99);
  for (const size of sizes) {
    let createPerSec = null;
    if (size <= 100_000) createPerSec = await populate(service, have, size);
    else await seed(store, have, size);
    have = size;
    const list = await timeQueries(queries, async (i) => {
      const filter = {
        status: ['todo', 'in_progress'],
        label: LABELS[i % LABELS.length],
        ...(i % 3 === 0 ? { assignee: ASSIGNEES[i % ASSIGNEES.length] } : {}),
        sort: 'priority',
        limit: 20,
      };
      const page = await service.listTasks(CALLER, filter);
      if (i % 4 === 0 && page.next_cursor) await service.listTasks(CALLER, { ...filter, cursor: page.next_cursor });
    });
    const search = await timeQueries(queries, async (i) => {
      const words = i % 2 ? VOCAB[Math.floor(r() * VOCAB.length)] : `${VOCAB[Math.floor(r() * VOCAB.length)]} ${VOCAB[Math.floor(r() * VOCAB.length)].slice(0, 4)}`;
      await service.searchTasks(CALLER, { query: words, limit: 10 });
    });
    results.push({ tasks: size, create_tasks_per_s: createPerSec === null ? null : Math.round(createPerSec), list_tasks: list, search_tasks: search });
  }
  await store.close();
  return { results, dbPath: path };
}
