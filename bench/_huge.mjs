// seed a 1M db once (kept at /tmp/prof/huge.db), then time search/list/create
import { existsSync } from 'node:fs';

const { openSqliteStore } = await import('../dist/store/sqlite/sqlite-store.js');
const { TaskService } = await import('../dist/toolsets/tasks/service.js');
const { seed, populate, timeStoreQueries, CALLER } = await import('./store.mjs');
const path = '/tmp/prof/huge.db';
const fresh = !existsSync(path);
const extra = process.env.PRAGMAS ? JSON.parse(process.env.PRAGMAS) : [];
const store = openSqliteStore({ path });
if (fresh) {
  const t = performance.now();
  await seed(store, 0, 1_000_000);
  console.log('seeded in', ((performance.now() - t) / 1000).toFixed(0), 's');
}
const service = new TaskService(store);
if (process.env.CREATE) {
  const b = 2_000_000 + Math.floor(Math.random() * 1e6);
  const rate = await populate(service, b, b + 5000);
  console.log('create_tasks/s', rate.toFixed(0));
}
const q = await timeStoreQueries(service, 300);
console.log(JSON.stringify(q));
await store.close();
