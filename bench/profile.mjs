// Profiling aid (not part of `npm run bench`): runs the stdio `get_task` loop against the built server
// under `node --cpu-prof` and prints the hottest functions and packages by self time.
//   node bench/profile.mjs [--tasks 10000] [--calls 3000] [--era legacy|modern] [-- extra server flags]
//   node bench/profile.mjs --http [--seconds 5] [--connections 16] [--era modern|legacy] : the same against `serve`
//   under autocannon (2026 stateless requests, or 2025 sessions with --era legacy).
//   --otlp: tracing on, exported over OTLP/HTTP to a loopback sink that drops everything.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { callParams, NEVER_REFUSE, openEra, stdioServer } from './lib.mjs';
import { CALLER, populate } from './store.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const { values, positionals } = parseArgs({
  options: {
    tasks: { type: 'string', default: '10000' },
    calls: { type: 'string', default: '3000' },
    era: { type: 'string', default: 'legacy' },
    tool: { type: 'string', default: 'get_task' },
    http: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    otlp: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const tmp = mkdtempSync(join(tmpdir(), 'taskwire-prof-'));
const db = join(tmp, 'p.db');
const { openSqliteStore } = await import('../dist/store/sqlite/index.js');
const { TaskService } = await import('../dist/toolsets/tasks/service.js');
const store = openSqliteStore({ path: db, synchronous: 'NORMAL' });
await populate(new TaskService(store), 0, Number(values.tasks));
await store.close();

let sink;
const env = {};
if (values.otlp) {
  const { otlpSink } = await import('./guardrails.mjs');
  sink = await otlpSink();
  Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_BSP_SCHEDULE_DELAY: '200' });
}
const serverArgs = ['--db', db, '--workspace', CALLER.workspace, '--log-level', 'warn', ...NEVER_REFUSE, ...positionals];
const toolArgs = values.tool === 'get_task' ? { id: 4242 } : {};
if (values.http) {
  const { legacyRequest, load, modernRequest, startServer } = await import('./http.mjs');
  const era = values.era === 'legacy' ? 'legacy' : 'modern';
  const server = await startServer(['--cpu-prof', '--cpu-prof-dir', tmp, `${ROOT}/dist/cli/main.js`, 'serve', '--port', '0', ...serverArgs], env);
  const req = era === 'modern' ? modernRequest(values.tool, toolArgs) : legacyRequest(values.tool, toolArgs);
  const r = await load(server, { connections: Number(values.connections), seconds: Number(values.seconds), req, sessions: era === 'legacy' });
  console.log(`http ${era}: ${JSON.stringify(r)}`);
  await server.stop();
} else {
  const s = stdioServer(process.execPath, ['--cpu-prof', '--cpu-prof-dir', tmp, `${ROOT}/dist/cli/main.js`, ...serverArgs], env);
  await openEra(s, values.era);
  const params = callParams(values.era, values.tool, toolArgs);
  for (let i = 0; i < Number(values.calls); i++) await s.request('tools/call', params);
  await s.stop();
}
await new Promise((r) => setTimeout(r, 500));
await sink?.close();
const file = readdirSync(tmp).find((f) => f.endsWith('.cpuprofile'));
const prof = JSON.parse(readFileSync(join(tmp, file), 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
const fn = new Map();
const pkg = new Map();
let total = 0;
for (const [id, t] of self) {
  const cf = byId.get(id).callFrame;
  total += t;
  const where = cf.url.replace(/^file:\/\//, '').replace(ROOT, '');
  const key = `${cf.functionName || '(anon)'} ${where}:${cf.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + t);
  const m = where.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  const p = m ? m[1] : where.startsWith('/dist') ? where.split('/').slice(0, 3).join('/') : where || cf.functionName;
  pkg.set(p, (pkg.get(p) ?? 0) + t);
}
// Inclusive time by function (a function counted once per stack, so recursion does not double it).
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map();
for (const [id, t] of self) {
  const seenKeys = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const cf = byId.get(cur).callFrame;
    const key = `${cf.functionName || '(anon)'} ${cf.url.replace(/^file:\/\//, '').replace(ROOT, '')}:${cf.lineNumber + 1}`;
    if (seenKeys.has(key)) continue;
    seenKeys.add(key);
    incl.set(key, (incl.get(key) ?? 0) + t);
  }
}
const top = (m, n) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
console.log(
  `profile: ${file} in ${tmp}, ${(total / 1000).toFixed(0)} ms sampled\n--- by package/folder ---\n${top(pkg, 25)}\n--- by function ---\n${top(fn, 40)}\n--- inclusive ---\n${top(incl, Number(process.env.INCL ?? 60))}`,
);
