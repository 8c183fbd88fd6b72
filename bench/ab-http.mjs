// A/B micro-bench for issue 17 on a shared machine: the same load against each build root given, interleaved, medians of REPS runs.
//   node bench/ab-http.mjs /path/to/build-a [/path/to/build-b ...]   (REPS, SECS/CALLS env; each root needs dist/ built)
import { seedPerBuild } from './ab-seed.mjs';

const ROOTS = process.argv.slice(2);
const ROOT = ROOTS[0];
const { legacyRequest, load, modernRequest, startServer } = await import(`${ROOT}/bench/http.mjs`);
const { NEVER_REFUSE } = await import(`${ROOT}/bench/lib.mjs`);
const { dbFor, CALLER } = await seedPerBuild(ROOTS, 'cost-ab-');
const tw = (root) => [
  `${root}/dist/cli/main.js`,
  'serve',
  '--port',
  '0',
  '--db',
  dbFor(root),
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
