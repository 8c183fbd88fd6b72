// Guardrail overhead: the same Taskwire call with observability and every other guardrail
// off, on, and on with tracing exported over OTLP/HTTP to a loopback sink. Figures: server CPU µs per
// sequential stdio call (from /proc) and client latency, and HTTP 2026-era req/s + CPU per request.
import { createServer } from 'node:http';
import { load, modernRequest, startServer } from './http.mjs';
import { NEVER_REFUSE, round, spread } from './lib.mjs';
import { perCall } from './stdio.mjs';

/**
 * Flags that switch every guardrail off. Observability: metrics, audit trail, per-call info log (tracing is
 * off without OTEL_* variables), and rate limits, timeouts, result budgets and loop hints (`--guardrails off`).
 */
export const GUARDRAILS_OFF = ['--metrics', 'off', '--audit', 'off', '--guardrails', 'off', '--log-level', 'warn'];
/** Defaults: metrics, audit trail and the per-call log line on; every guardrail on, its limits out of reach. */
export const GUARDRAILS_ON = ['--log-level', 'info', ...NEVER_REFUSE];

/**
 * `on` with the loop hint firing: the default threshold, so in a loop of one repeated call every call after the
 * third answers the hint too (an extra text block and `_meta`). Stdio only; compared with `on`, it is the hint's cost.
 */
export const LOOP_HINT_EVERY_CALL = [...GUARDRAILS_ON, '--loop-threshold', '3'];

/**
 * Each part's own share: `on` with just that part switched off (stdio only). Its share is
 * (on − on without it) / off, in units of the all-off call.
 */
export const WITHOUT_ONE = {
  'info log line': ['--log-level', 'warn', ...NEVER_REFUSE],
  audit: [...GUARDRAILS_ON, '--audit', 'off'],
  metrics: [...GUARDRAILS_ON, '--metrics', 'off'],
  'guardrails (rate limits, timeouts, loop hints, result budgets)': ['--log-level', 'info', '--guardrails', 'off'],
};

/** A loopback OTLP/HTTP endpoint that accepts and drops everything (a collector stand-in): `url`, bytes received, `close()`. */
export async function otlpSink() {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (d) => {
      bytes += d.length;
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, bytes: () => bytes, close: () => new Promise((r) => server.close(r)) };
}

/**
 * Server CPU per sequential stdio `get_task` for each configuration (`{id: {args, env}}`), `reps` rounds,
 * **interleaved**: each round runs every configuration once, so a slow spell of a shared host lands on all of them
 * alike (the figures are read as ratios between configurations). Medians over the rounds.
 */
async function stdioPerCallInterleaved(configs, calls, reps) {
  const samples = {};
  for (let r = 0; r < reps; r++) {
    for (const [id, { args, env }] of Object.entries(configs)) {
      const one = await perCall({ id: 'taskwire', args, env, call: ['get_task', { id: 4242 }] }, 'legacy', calls, 1);
      samples[id] ??= { cpu: [], p50: [] };
      samples[id].cpu.push(one.cpu_us_per_call.median);
      samples[id].p50.push(one.p50_ms);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([id, s]) => [id, { cpu_us_per_call: round(spread(s.cpu).median, 1), p50_ms: round(spread(s.p50).median, 3) }]));
}

/** Measure every configuration; returns figures per configuration and overhead ratios vs `off`. */
export async function guardrailOverhead({ root, taskwireDb, workspace, P, log = () => {} }) {
  const sink = await otlpSink();
  const base = ['--db', taskwireDb, '--workspace', workspace];
  const tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
  const configs = [
    { id: 'off', flags: GUARDRAILS_OFF, env: {} },
    { id: 'on', flags: GUARDRAILS_ON, env: {} },
    { id: 'on+tracing', flags: GUARDRAILS_ON, env: tracingEnv },
  ];
  const out = {};
  const cli = `${root}/dist/cli/main.js`;
  let stdio;
  try {
    // Every stdio configuration, the parts switched off one at a time (`WITHOUT_ONE`) too, in the same interleaved rounds.
    stdio = await stdioPerCallInterleaved(
      Object.fromEntries([
        ...configs.map((c) => [c.id, { args: [cli, ...base, ...c.flags], env: c.env }]),
        ['on, loop hint every call', { args: [cli, ...base, ...LOOP_HINT_EVERY_CALL], env: {} }],
        ...Object.entries(WITHOUT_ONE).map(([part, flags]) => [`without ${part}`, { args: [cli, ...base, ...flags], env: {} }]),
      ]),
      P.calls,
      P.reps,
    );
    for (const c of configs) {
      const server = await startServer([cli, 'serve', '--port', '0', ...base, ...c.flags], c.env);
      let http;
      try {
        http = await load(server, { connections: 16, seconds: P.seconds, req: modernRequest('get_task', { id: 4242 }) });
      } finally {
        await server.stop();
      }
      out[c.id] = { stdio: stdio[c.id], http_2026_c16: { req_per_s: http.req_per_s, p99_ms: http.p99_ms, server_cpu_us_per_req: http.server_cpu_us_per_req } };
      log(`  guardrails ${c.id}`, JSON.stringify(out[c.id]));
    }
  } finally {
    await sink.close();
  }
  const ratio = (a, b) => (a && b ? round(a / b, 2) : null);
  out.shares = {};
  for (const part of Object.keys(WITHOUT_ONE)) {
    const without = stdio[`without ${part}`];
    out.shares[part] = {
      stdio_cpu_us_without: without.cpu_us_per_call,
      share_of_off_call: ratio(out.on.stdio.cpu_us_per_call - without.cpu_us_per_call, out.off.stdio.cpu_us_per_call),
    };
    log(`  guardrails on without ${part}`, JSON.stringify(out.shares[part]));
  }
  out.loop_hint_every_call = { stdio: stdio['on, loop hint every call'] };
  out.otlp_bytes_received = sink.bytes();
  out.ratios = {};
  for (const id of ['on', 'on+tracing']) {
    out.ratios[`${id}_vs_off_stdio_cpu`] = ratio(out[id].stdio.cpu_us_per_call, out.off.stdio.cpu_us_per_call);
    out.ratios[`${id}_vs_off_http_cpu`] = ratio(out[id].http_2026_c16.server_cpu_us_per_req, out.off.http_2026_c16.server_cpu_us_per_req);
    out.ratios[`${id}_vs_off_http_req_per_s`] = ratio(out[id].http_2026_c16.req_per_s, out.off.http_2026_c16.req_per_s);
  }
  out.ratios.on_loop_hint_every_call_vs_on_stdio_cpu = ratio(out.loop_hint_every_call.stdio.cpu_us_per_call, out.on.stdio.cpu_us_per_call);
  // Tracing's own cost (issue 17, "tracing on vs off"): the same configuration with and without the OTLP exporter.
  out.ratios['on+tracing_vs_on_stdio_cpu'] = ratio(out['on+tracing'].stdio.cpu_us_per_call, out.on.stdio.cpu_us_per_call);
  out.ratios['on+tracing_vs_on_http_cpu'] = ratio(out['on+tracing'].http_2026_c16.server_cpu_us_per_req, out.on.http_2026_c16.server_cpu_us_per_req);
  return out;
}
