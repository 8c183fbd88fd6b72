// PostgreSQL prepared statements A/B (not part of `npm run bench`): the same calls through TaskService on one schema,
// with the store's prepared statements on and off (src/store/postgres/prepared-statements.ts), alternating, plus a raw
// `SELECT 1` round trip for the floor. Grows the schema inside the running store first (no ANALYZE).
//   node bench/pg-prepared.mjs [--tasks 5000] [--calls 1000] [--database-url postgres://…]
// Prints p50/p95 ms per call and this process's CPU µs per call. Loopback only; every loop bounded by count.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPostgresStore } from '../dist/store/postgres/index.js';
import { TaskService } from '../dist/toolsets/tasks/service.js';
import { rng } from './dataset.mjs';
import { round, stats } from './lib.mjs';
import { DEFAULT_PG_URL } from './scale.mjs';
import { baseTask, callerOf } from './shapes.mjs';

const { values } = parseArgs({
  options: { tasks: { type: 'string', default: '5000' }, calls: { type: 'string', default: '1000' }, 'database-url': { type: 'string', default: DEFAULT_PG_URL } },
});
const url = values['database-url'];
const calls = Number(values.calls);
const schema = `tw_prepared_${process.pid}`;
const caller = callerOf('bench');

async function timeCalls(fn) {
  for (let i = 0; i < Math.min(200, calls); i++) await fn(i);
  const times = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  const s = stats(times);
  return { p50_ms: round(s.p50, 3), p95_ms: round(s.p95, 3), cpu_us: Math.round((used.user + used.system) / calls) };
}

const grower = await openPostgresStore({ connectionString: url, schema, preparedStatements: false });
const r = rng(5);
const ids = [];
for (let have = 0; have < Number(values.tasks); ) {
  const { created } = await new TaskService(grower).createTasks(
    caller,
    Array.from({ length: 50 }, (_, k) => baseTask(r, have + k)),
  );
  have += created.length;
  ids.push(...created.filter((t) => t.status === 'todo').map((t) => t.id));
}
await grower.close();

const raw = new pg.Client(url);
await raw.connect();
console.log('raw SELECT 1', JSON.stringify(await timeCalls(() => raw.query('SELECT 1'))));
const paths = {
  get_task: (svc, i) => svc.getTask(caller, ids[i % ids.length]),
  'list_tasks default': (svc) => svc.listTasks(caller, { sort: 'priority', limit: 20 }),
  'list_tasks label': (svc) => svc.listTasks(caller, { sort: 'priority', limit: 20, label: 'label-3' }),
  next_task: (svc) => svc.nextTask(caller, {}),
  'search_tasks common word': (svc) => svc.searchTasks(caller, { query: 'zephyr', limit: 10 }),
};
for (const round_ of [1, 2]) {
  for (const prepared of [false, true]) {
    const store = await openPostgresStore({ connectionString: url, schema, preparedStatements: prepared });
    const svc = new TaskService(store);
    for (const [name, fn] of Object.entries(paths)) {
      console.log(`round ${round_} prepared ${prepared ? 'on ' : 'off'} ${name.padEnd(20)}`, JSON.stringify(await timeCalls((i) => fn(svc, i))));
    }
    await store.close();
  }
}
await raw.query(`DROP SCHEMA "${schema}" CASCADE`);
await raw.end();
