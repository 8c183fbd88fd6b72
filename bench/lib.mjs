// Shared measurement helpers for `npm run bench`: processes, JSON-RPC over stdio, /proc readings, statistics.
// Loopback only; every loop is bounded by a count or a deadline.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat times are in these ticks

/** Server CPU time (user + system) in microseconds, read from /proc without the server's cooperation. */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK; // utime, stime
}

/** Resident set size in KiB. */
export function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Wait until a server process is idle: its CPU over 250 ms under 1% of a core (at most `maxMs`). Run after a
 * warm-up, before a CPU-per-call measurement, so work a server does once (JIT tiers, deferred start-up work) is
 * not charged to the calls measured. Returns the ms waited.
 */
export async function settle(pid, maxMs = 10_000) {
  const started = performance.now();
  for (;;) {
    const before = cpuMicros(pid);
    await sleep(250);
    if (cpuMicros(pid) - before < 2_500 || performance.now() - started > maxMs) return performance.now() - started;
  }
}

/** SIGTERM a child and wait for it to exit; SIGKILL after 3 s. */
export function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, min: s[0], p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s[s.length - 1] };
}

/** min/median/max of repeated measurements. */
export function spread(values) {
  const s = [...values].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1], runs: s.length };
}

export const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

/** Spawn a stdio JSON-RPC server and talk NDJSON to it. */
export function stdioServer(command, args, env = {}) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, ...env } });
  const pending = new Map();
  let buffer = '';
  let nextId = 1;
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
      if (!line.trim()) continue;
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      if (msg.id !== undefined && pending.has(msg.id)) {
        pending.get(msg.id)(msg);
        pending.delete(msg.id);
      }
    }
  });
  const request = (method, params, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method} timed out`));
      }, timeoutMs);
      pending.set(id, (msg) => {
        clearTimeout(timer);
        if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
        else resolve(msg.result);
      });
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) })}\n`);
    });
  const notify = (method, params) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}) })}\n`);
  const stop = () => {
    child.stdin.end();
    return stopChild(child);
  };
  return { child, request, notify, stop };
}

export const LEGACY_INIT = {
  protocolVersion: '2025-11-25',
  capabilities: {},
  clientInfo: { name: 'taskwire-bench', version: '1.0.0' },
};

/** The 2026-07-28 per-request `_meta` envelope. */
export const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'taskwire-bench', version: '1.0.0' },
};

/** Open a stdio connection in an era: legacy = initialize handshake; modern = nothing to open. */
export async function openEra(server, era) {
  if (era === 'legacy') {
    await server.request('initialize', LEGACY_INIT);
    server.notify('notifications/initialized');
  }
}

export function callParams(era, name, args) {
  return era === 'modern' ? { name, arguments: args, _meta: ENVELOPE } : { name, arguments: args };
}

/**
 * Taskwire flags that keep every guardrail on (each call still passes the rate limiter, the concurrency gate,
 * the timeout, the loop detector and the result budget) with limits high enough that a benchmark loop is
 * never refused. That includes the loop hint: a benchmark repeats one call by design, so at the default
 * threshold (3) every call after the third would answer a different, longer result (the hint) than the
 * configuration it is compared with. The detector still does all its per-call work (signature, result digest,
 * its map); `bench/guardrails.mjs` measures the hint itself as a configuration of its own.
 */
export const NEVER_REFUSE = [
  '--loop-threshold',
  '1000000',
  '--rate-limit-reads',
  '1000000',
  '--rate-limit-writes',
  '1000000',
  '--http-rate-limit',
  '10000000',
  '--max-concurrent-calls',
  '10000',
  '--max-concurrent-per-principal',
  '10000',
];

/**
 * Time better-sqlite3 statements: wraps `Statement.prototype` `all`, `get` and `run` once, so while `active()` is
 * true each call's wall time in ms goes to `record(statement, args, ms)`; otherwise the cost is one flag check.
 * `Database` is the better-sqlite3 class the caller uses (its statements share one prototype).
 */
export function timeSqliteStatements(Database, active, record) {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1'));
  probe.close();
  for (const m of ['all', 'get', 'run']) {
    const original = proto[m];
    proto[m] = function (...args) {
      if (!active()) return original.apply(this, args);
      const t = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        record(this, args, performance.now() - t);
      }
    };
  }
}
