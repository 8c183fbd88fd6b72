// Instructions per stdio `get_task` under valgrind's callgrind (not part of `npm run bench`): instruction counts are
// repeatable on a shared host where CPU time is not. Per call = (Ir after N2 calls − Ir after N1) / (N2 − N1), so
// start-up cancels out; N1 = 1000 lets V8 finish tiering the hot code up first (from N1 = 200 the figure was ~50 %
// higher: background compilation landed between the two counts, and differently for each configuration). Spans
// (config `tracing`) go to a loopback OTLP sink in batches of 512 (schedule delay 10 min), so the export's share does
// not depend on valgrind's slowdown.
// `sdk` counts the SDK's own no-op `add` server (bench/references/sdk.mjs), the stdio ratio's yardstick.
//   node bench/callgrind.mjs [root=.] [off|on|tracing|sdk] [N1=1000] [N2=2024]   (each run takes minutes; needs dist/ built)

import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { seedWithBuild } from './ab-seed.mjs';
import { otlpSink } from './guardrails.mjs';

const [rootArg = '.', config = 'on', n1Arg = '1000', n2Arg = '2024'] = process.argv.slice(2);
const root = resolve(rootArg);
const { stdioServer, callParams, LEGACY_INIT } = await import(`${root}/bench/lib.mjs`);
const { GUARDRAILS_OFF, GUARDRAILS_ON } = await import(`${root}/bench/guardrails.mjs`);
const { db, CALLER } = await seedWithBuild(root, 'callgrind-');
const sink = await otlpSink();
const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_BSP_SCHEDULE_DELAY: '600000' };
const configs = { off: [GUARDRAILS_OFF, {}], on: [GUARDRAILS_ON, {}], tracing: [GUARDRAILS_ON, tracing], sdk: [[], {}] };
if (!configs[config]) throw new Error(`config: off, on, tracing or sdk, not ${config}`);
const [flags, env] = configs[config];
const server =
  config === 'sdk'
    ? { argv: [`${root}/bench/references/sdk.mjs`, 'stdio'], tool: 'add', args: { a: 1, b: 2 } }
    : { argv: [`${root}/dist/cli/main.js`, '--db', db, '--workspace', CALLER.workspace, ...flags], tool: 'get_task', args: { id: 4242 } };

/** Total instructions of one server process that answered `calls` sequential tool calls, then exited. */
async function instructions(calls) {
  const out = `${db}.callgrind.${calls}`;
  const args = ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, ...server.argv];
  const s = stdioServer('valgrind', args, env);
  await s.request('initialize', LEGACY_INIT, 600_000);
  s.notify('notifications/initialized');
  const params = callParams('legacy', server.tool, server.args);
  for (let i = 0; i < calls; i++) await s.request('tools/call', params, 600_000);
  await s.stop();
  for (let waited = 0; waited < 60_000; waited += 500) {
    const total = readFileSync(out, { encoding: 'utf8', flag: 'a+' }).match(/^(?:summary|totals): (\d+)/m);
    if (total) {
      rmSync(out);
      return Number(total[1]);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`callgrind wrote no totals to ${out}`);
}

const [n1, n2] = [Number(n1Arg), Number(n2Arg)];
const perCall = ((await instructions(n2)) - (await instructions(n1))) / (n2 - n1);
await sink.close();
console.log(JSON.stringify({ root, config, calls: [n1, n2], instructions_per_call: Math.round(perCall) }));
