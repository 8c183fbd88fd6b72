// HTTP figures on loopback: throughput and latency at 1/16/64 concurrent connections with autocannon
// (pre-built JSON-RPC bodies, so the load generator is not the bottleneck), server CPU per request
// from /proc, for 2026-era stateless requests and 2025-era sessions; and RSS per idle 2025 session.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import autocannon from 'autocannon';
import { cpuMicros, ENVELOPE, LEGACY_INIT, round, rssKiB, settle, sleep, stopChild } from './lib.mjs';

/** Seconds of the same load before the measured run (not counted). */
const WARM_UP_S = 1;

const NODE = process.execPath;

/** Start a server process and wait for "listening PORT" or Taskwire's banner on stderr. */
export async function startServer(args, env = {}) {
  const child = spawn(NODE, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port from ${args.join(' ')}:\n${err}`)), 20_000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening (\d+)/.exec(err) ?? /127\.0\.0\.1:(\d+)\/mcp/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return {
    child,
    url: `http://127.0.0.1:${port}/mcp`,
    stop: () => stopChild(child),
  };
}

function post(url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

/** Open a 2025-era session with raw POSTs; returns its Mcp-Session-Id. */
export async function openSession(url) {
  const init = await post(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: LEGACY_INIT });
  const sid = init.headers['mcp-session-id'];
  if (init.status !== 200 || !sid) throw new Error(`initialize failed: ${init.status} ${init.text.slice(0, 200)}`);
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
  return sid;
}

export function modernRequest(tool, args) {
  return {
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-method': 'tools/call',
      'mcp-name': tool,
      'mcp-protocol-version': '2026-07-28',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args, _meta: ENVELOPE } }),
  };
}

export function legacyRequest(tool, args) {
  return {
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args } }),
  };
}

/**
 * Run autocannon against one server at one concurrency. With `sessions`, each connection gets its own
 * 2025-era session id header. Returns req/s, latency p50/p99 (ms), server CPU µs per request, errors.
 */
export async function load(server, { connections, seconds, req, sessions = false }) {
  const sessionIds = sessions ? await Promise.all(Array.from({ length: connections }, () => openSession(server.url))) : [];
  // Sanity: one request must succeed before we measure.
  const probe = await post(server.url, req.body, { ...req.headers, ...(sessions ? { 'mcp-session-id': sessionIds[0] } : {}) });
  if (probe.status !== 200 || /"isError":true|"error":/.test(probe.text)) throw new Error(`probe failed ${probe.status}: ${probe.text.slice(0, 300)}`);
  let next = 0;
  const run = (duration) =>
    autocannon({
      url: server.url,
      method: 'POST',
      headers: req.headers,
      body: req.body,
      connections,
      duration,
      pipelining: 1,
      setupClient: sessions
        ? (client) => {
            client.setHeaders({ ...req.headers, 'mcp-session-id': sessionIds[next++ % sessionIds.length] });
          }
        : undefined,
    });
  // Every server gets the same warm-up under load (JIT tiers, pools, caches), then settles, before the measured run.
  await run(WARM_UP_S);
  await settle(server.child.pid);
  const cpu0 = cpuMicros(server.child.pid);
  const result = await run(seconds);
  const cpu = cpuMicros(server.child.pid) - cpu0;
  const total = result.requests.total;
  return {
    connections,
    req_per_s: round(result.requests.average, 0),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    server_cpu_us_per_req: round(cpu / Math.max(1, total), 1),
    non_2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** RSS growth per 1,000 idle 2025-era sessions (KiB per session). */
export async function sessionMemory(server, count) {
  for (let i = 0; i < 50; i++) await openSession(server.url); // warm up allocators and JIT
  // Settled first: work a server defers past start-up must not land inside the measured window.
  await settle(server.child.pid);
  const before = rssKiB(server.child.pid);
  const batch = 50;
  for (let i = 0; i < count; i += batch) await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => openSession(server.url)));
  await sleep(1000);
  const after = rssKiB(server.child.pid);
  return { sessions: count, rss_growth_kib_per_session: round((after - before) / count, 1), rss_after_mib: round(after / 1024, 1) };
}
