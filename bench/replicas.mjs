// Scale-out figures (loopback, this machine): the same client load against
//   - SQLite, one node                      (taskwire serve --db)
//   - PostgreSQL, one node                  (taskwire serve --database-url)
//   - PostgreSQL, 1 replica behind nginx    (deploy/nginx.conf, to separate nginx's own cost)
//   - PostgreSQL, 2 replicas behind nginx   (round robin)
// for a read (get_task) and a write (create_tasks, one task per call), 2026-era stateless requests
// driven by autocannon. Prints calls/s and p50/p99 latency; writes bench/results/replicas-<time>.json.
//   node bench/replicas.mjs [--connections 32] [--seconds 5] [--database-url postgres://...]
// Needs the build (npm run build), nginx (scripts/ensure-nginx.sh) and PostgreSQL.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { load, modernRequest, startServer } from './http.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: { connections: { type: 'string', default: '32' }, seconds: { type: 'string', default: '5' }, 'database-url': { type: 'string' } },
});
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
const PG_URL = values['database-url'] ?? process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NGINX = process.env.TASKWIRE_TEST_NGINX ?? '/usr/sbin/nginx';
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'taskwire-bench-replicas-'));
const log = (...a) => console.error(...a);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.once('exit', (code) => resolve({ code, err }));
  });
}

/** nginx running deploy/nginx.conf with its upstream ports rewritten; `ports` has 1 or 2 replicas. */
async function startNginx(ports) {
  const dir = mkdtempSync(join(tmp, 'nginx-'));
  const listen = await freePort();
  let conf = readFileSync(join(ROOT, 'deploy', 'nginx.conf'), 'utf8')
    .replace('listen 8080;', `listen 127.0.0.1:${listen};`)
    .replace('worker_processes auto;', 'worker_processes 1;')
    .replace(/access_log [^;]+;/, 'access_log off;')
    .replaceAll('127.0.0.1:8001', `127.0.0.1:${ports[0]}`)
    .replaceAll('127.0.0.1:8002', `127.0.0.1:${ports[1] ?? ports[0]}`);
  if (ports.length === 1) conf = conf.replace(/\n\s*server 127\.0\.0\.1:\d+ max_fails=1 fail_timeout=2s;(?=\n\s*keepalive 32;)/, '');
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf);
  const g = `pid ${join(dir, 'nginx.pid')}; daemon on;`;
  const r = await run(NGINX, ['-p', dir, '-c', path, '-e', join(dir, 'error.log'), '-g', g]);
  if (r.code !== 0) throw new Error(`nginx: ${r.err}`);
  return { url: `http://127.0.0.1:${listen}/mcp`, stop: () => run(NGINX, ['-p', dir, '-c', path, '-e', join(dir, 'error.log'), '-g', g, '-s', 'stop']) };
}

const serve = (extra) => startServer([CLI, 'serve', '--port', '0', '--log-level', 'silent', ...extra]);

// Write first: it creates task 1, which the read fetches.
const WORKLOADS = {
  write: modernRequest('create_tasks', { tasks: [{ title: 'Bench task', labels: ['bench'] }] }),
  read: modernRequest('get_task', { id: 1 }),
};

async function measure(name, target, child) {
  const rows = {};
  for (const [w, req] of Object.entries(WORKLOADS)) {
    // load() samples the CPU of `child` (the first replica) as a side figure.
    const r = await load({ url: target, child }, { connections: CONNECTIONS, seconds: SECONDS, req });
    rows[w] = { calls_per_s: r.req_per_s, p50_ms: r.p50_ms, p99_ms: r.p99_ms, non_2xx: r.non_2xx, errors: r.errors };
    log(`  ${name} ${w}: ${r.req_per_s} calls/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms${r.non_2xx || r.errors ? ` (non-2xx ${r.non_2xx}, errors ${r.errors})` : ''}`);
  }
  return rows;
}

const out = { when: new Date().toISOString(), node: process.version, connections: CONNECTIONS, seconds: SECONDS, results: {} };
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
const schemas = [];
const pgArgs = () => {
  const schema = `tw_bench_${randomBytes(5).toString('hex')}`;
  schemas.push(schema);
  return ['--database-url', PG_URL, '--database-schema', schema];
};
try {
  log(`replicas bench: ${CONNECTIONS} connections, ${SECONDS} s per workload, 2026-era stateless calls`);
  for (const [name, args] of [
    ['sqlite, 1 node', ['--db', join(tmp, 'bench.db')]],
    ['postgres, 1 node', pgArgs()],
  ]) {
    const s = await serve(args);
    try {
      out.results[name] = await measure(name, s.url, s.child);
    } finally {
      await s.stop();
    }
  }
  for (const n of [1, 2]) {
    const args = pgArgs();
    const replicas = [];
    let lb;
    try {
      for (let i = 0; i < n; i++) replicas.push(await serve([...args, '--replica-id', `r${i + 1}`]));
      lb = await startNginx(replicas.map((r) => Number(new URL(r.url).port)));
      const name = `postgres, ${n} replica${n > 1 ? 's' : ''} behind nginx`;
      out.results[name] = await measure(name, lb.url, replicas[0].child);
    } finally {
      await lb?.stop();
      await Promise.all(replicas.map((r) => r.stop()));
    }
  }
} finally {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
  await admin.end();
  rmSync(tmp, { recursive: true, force: true });
}

mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
const file = join(ROOT, 'bench', 'results', `replicas-${out.when.replace(/[:.]/g, '-').slice(0, 19)}.json`);
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log('| setup | workload | calls/s | p50 ms | p99 ms |\n|---|---|---|---|---|');
for (const [setup, rows] of Object.entries(out.results)) {
  for (const [w, r] of Object.entries(rows)) console.log(`| ${setup} | ${w} | ${r.calls_per_s} | ${r.p50_ms} | ${r.p99_ms} |`);
}
log(`written to ${file}`);
