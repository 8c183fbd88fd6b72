// A/B micro-bench for issue 17 on a shared machine: the same load against each build root given, interleaved, medians of REPS runs.
//   node bench/ab-stdio.mjs /path/to/new-build [/path/to/older-build ...]   (REPS, SECS/CALLS env; each root needs dist/ built)

import { seedPerBuild } from './ab-seed.mjs';
import { otlpSink } from './guardrails.mjs';

const ROOTS = process.argv.slice(2);
const ROOT = ROOTS[0];
const { perCall } = await import(`${ROOT}/bench/stdio.mjs`);
const { GUARDRAILS_OFF, GUARDRAILS_ON } = await import(`${ROOT}/bench/guardrails.mjs`);
const { dbFor, CALLER } = await seedPerBuild(ROOTS, 'cost-g-');
const sink = await otlpSink();
const tracingEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
const configs = [
  { id: 'sdk add', sdk: true },
  { id: 'off', flags: GUARDRAILS_OFF, env: {} },
  { id: 'on', flags: GUARDRAILS_ON, env: {} },
  { id: 'on+tracing', flags: GUARDRAILS_ON, env: tracingEnv },
];
const res = {};
const calls = Number(process.env.CALLS ?? 1000);
for (let rep = 0; rep < Number(process.env.REPS ?? 3); rep++) {
  for (const root of ROOTS)
    for (const c of configs) {
      if (c.sdk && root !== ROOT) continue;
      const server = c.sdk
        ? { id: 'sdk', args: [`${ROOT}/bench/references/sdk.mjs`, 'stdio'], call: ['add', { a: 1, b: 2 }] }
        : {
            id: 'taskwire',
            args: [`${root}/dist/cli/main.js`, '--db', dbFor(root), '--workspace', CALLER.workspace, ...c.flags],
            env: c.env,
            call: ['get_task', { id: 4242 }],
          };
      const r = await perCall(server, 'legacy', calls, 1);
      const k = c.sdk ? c.id : `${c.id} ${root}`;
      res[k] ??= [];
      res[k].push(r.cpu_us_per_call.median);
    }
}
await sink.close();
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = med(res['sdk add']);
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(40), 'median µs', med(v), 'vs sdk', (med(v) / base).toFixed(2), 'runs', v.join(','));
