// A/B micro-bench for issue 17 on a shared machine: the same load against each build root given, interleaved, medians of REPS runs.
//   node bench/ab-http.mjs /path/to/build-a [/path/to/build-b ...]   (REPS, SECS/CALLS env; each root needs dist/ built)
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOTS = process.argv.slice(2);
const ROOT = ROOTS[0];
const { legacyRequest, load, modernRequest, startServer } = await import(`${ROOT}/bench/http.mjs`);
const { NEVER_REFUSE } = await import(`${ROOT}/bench/lib.mjs`);
const { CALLER, populate } = await import(`${ROOT}/bench/store.mjs`);
const tmp = mkdtempSync(join(tmpdir(), 'cost-ab-'));
const db = join(tmp, 't.db');
// Builds from before the SQLite engine was split into files (issue 15) have sqlite-store.js, not index.js.
const sqliteEntry = existsSync(`${ROOT}/dist/store/sqlite/index.js`) ? 'index.js' : 'sqlite-store.js';
const { openSqliteStore } = await import(`${ROOT}/dist/store/sqlite/${sqliteEntry}`);
const { TaskService } = await import(`${ROOT}/dist/toolsets/tasks/service.js`);
const store = openSqliteStore({ path: db, synchronous: 'NORMAL' });
await populate(new TaskService(store), 0, 10000);
await store.close();
const tw = (root) => [
  `${root}/dist/cli/main.js`,
  'serve',
  '--port',
  '0',
  '--db',
  db,
  '--workspace',
  CALLER.workspace,
  '--log-level',
  'warn',
  '--max-sessions',
  '100000',
  ...NEVER_REFUSE,
];
const targets = [
  { id: 'sdk sessions add', args: [`${ROOT}/bench/references/sdk.mjs`, 'sessions', '0'], req: legacyRequest('add', { a: 1, b: 2 }), sessions: true },
  ...ROOTS.map((r) => ({ id: `tw 2026 get_task ${r}`, args: tw(r), req: modernRequest('get_task', { id: 4242 }) })),
];
const res = {};
for (let rep = 0; rep < Number(process.env.REPS ?? 3); rep++) {
  for (const t of targets) {
    const server = await startServer(t.args);
    try {
      const r = await load(server, { connections: 16, seconds: Number(process.env.SECS ?? 3), req: t.req, sessions: t.sessions });
      res[t.id] ??= [];
      res[t.id].push(r.server_cpu_us_per_req);
      console.error(t.id, JSON.stringify(r));
    } finally {
      await server.stop();
    }
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = med(res['sdk sessions add']);
for (const [k, v] of Object.entries(res)) console.log(k, 'median µs', med(v), 'ratio', (med(v) / base).toFixed(2), v.join(','));
