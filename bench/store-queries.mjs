#!/usr/bin/env node
// `node bench/store-queries.mjs <path.db> [queries]`: the store figures' list_tasks and search_tasks mix
// (see store.mjs) on an existing SQLite database grown by the bench (workspace "bench"), without regrowing
// it: for re-measuring queries at 1M tasks in seconds instead of the minutes the seeding takes.
import { openSqliteStore } from '../dist/store/sqlite/index.js';
import { TaskService } from '../dist/toolsets/tasks/service.js';
import { CALLER, timeStoreQueries } from './store.mjs';

const [path, queries = '300'] = process.argv.slice(2);
if (!path) {
  console.error('usage: node bench/store-queries.mjs <path.db> [queries]');
  process.exit(2);
}
const store = openSqliteStore({ path });
try {
  const service = new TaskService(store);
  const tasks = (await service.stats(CALLER)).total;
  console.log(JSON.stringify({ tasks, ...(await timeStoreQueries(service, Number(queries))) }));
} finally {
  await store.close();
}
