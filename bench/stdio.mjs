// stdio figures: cold start (spawn → first answered request, both eras), idle RSS, and for sequential
// tool calls the server's CPU time per call (from /proc, so the load generator does not count) and the
// client-observed p50/p99 latency.
import { callParams, cpuMicros, ENVELOPE, LEGACY_INIT, NEVER_REFUSE, openEra, round, rssKiB, settle, sleep, spread, stats, stdioServer } from './lib.mjs';

const NODE = process.execPath;

/** The servers measured over stdio. `call` is the tool call each one answers in the CPU figure. */
export function stdioServers({ taskwireDb, root }) {
  return [
    { id: 'floor', args: [`${root}/bench/references/floor.mjs`], eras: ['legacy', 'modern'], call: ['add', { a: 1, b: 2 }] },
    { id: 'sdk', args: [`${root}/bench/references/sdk.mjs`, 'stdio'], eras: ['legacy', 'modern'], call: ['add', { a: 1, b: 2 }] },
    { id: 'fastmcp', args: [`${root}/bench/references/fastmcp.mjs`, 'stdio'], eras: ['legacy'], call: ['add', { a: 1, b: 2 }] },
    {
      id: 'taskwire',
      // Guardrails on, with rate limits high enough that a benchmark loop is never refused (they still count).
      args: [`${root}/dist/cli/main.js`, '--db', taskwireDb, '--log-level', 'warn', ...NEVER_REFUSE],
      eras: ['legacy', 'modern'],
      call: ['get_task', { id: 4242 }],
    },
  ];
}

/** One spawn → first answer: `initialize` (2025 era) or `server/discover` (2026 era); then its idle RSS. */
async function coldStartOnce(server, era) {
  const started = performance.now();
  const s = stdioServer(NODE, server.args);
  if (era === 'legacy') await s.request('initialize', LEGACY_INIT);
  else await s.request('server/discover', { _meta: ENVELOPE });
  const ms = performance.now() - started;
  if (era === 'legacy') s.notify('notifications/initialized');
  await sleep(300);
  const kib = rssKiB(s.child.pid);
  await s.stop();
  return { ms, kib };
}

/**
 * Cold start of every server in every era of its own, `reps` rounds, **interleaved**: each round starts each
 * server once, so a slow spell of a shared host lands on all of them alike instead of on whichever was measured
 * then (the ratios to the SDK are what the figures are read by). Keyed `id/era`.
 */
export async function coldStarts(servers, reps) {
  const samples = {};
  for (let i = 0; i < reps; i++) {
    for (const server of servers) {
      for (const era of server.eras) {
        const { ms, kib } = await coldStartOnce(server, era);
        const key = `${server.id}/${era}`;
        samples[key] ??= { times: [], rss: [] };
        samples[key].times.push(ms);
        samples[key].rss.push(kib / 1024);
      }
    }
  }
  return Object.fromEntries(
    Object.entries(samples).map(([key, { times, rss }]) => [key, { cold_start_ms: mapSpread(spread(times), 1), idle_rss_mib: mapSpread(spread(rss), 1) }]),
  );
}

/** Sequential calls on one connection (`server`: {id, args, env?, call: [tool, args]}): server CPU µs per call and client latency. */
export async function perCall(server, era, calls, reps) {
  const cpu = [];
  const p50 = [];
  const p99 = [];
  for (let r = 0; r < reps; r++) {
    const s = stdioServer(NODE, server.args, server.env);
    await openEra(s, era);
    const params = callParams(era, server.call[0], server.call[1]);
    for (let i = 0; i < 200; i++) await s.request('tools/call', params); // warm up (JIT, caches)
    await settle(s.child.pid);
    const cpu0 = cpuMicros(s.child.pid);
    const lat = [];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      const result = await s.request('tools/call', params);
      lat.push(performance.now() - t);
      if (result.isError) throw new Error(`${server.id} ${server.call[0]} failed: ${JSON.stringify(result.content)}`);
    }
    cpu.push((cpuMicros(s.child.pid) - cpu0) / calls);
    const st = stats(lat);
    p50.push(st.p50);
    p99.push(st.p99);
    await s.stop();
  }
  return { cpu_us_per_call: mapSpread(spread(cpu), 1), p50_ms: round(spread(p50).median, 3), p99_ms: round(spread(p99).median, 3) };
}

function mapSpread(s, d) {
  return { min: round(s.min, d), median: round(s.median, d), max: round(s.max, d), runs: s.runs };
}
