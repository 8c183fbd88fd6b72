// Each guardrail step's own cost, in process and without I/O: the real middleware onion (dist/middleware/pipeline.js)
// around a handler that returns a constant get_task-sized result, with one step at a time in place and the other three
// passing straight through. Figures are wall µs per call (median of rounds), measured two ways:
// - hot: calls back to back, as a tight loop sees them (code and data in the CPU caches);
// - cold: a 16 MiB buffer is swept between calls, evicting the caches, as a stdio server sees them (the client and the
//   kernel run between two calls). The stdio on/off gap is close to the cold figure, not the hot one.
import { NEVER_REFUSE, round, spread } from './lib.mjs';

const EVICT_BYTES = 16 << 20;
const STEPS = ['rateLimit', 'timeout', 'loopDetect', 'resultBudget'];

/** µs per call of every configuration: `off` (no steps), `passthrough` (four no-op steps), each step alone, `all`. */
export async function guardrailSteps({ root, calls = 1000, reps = 3 }) {
  const dist = (path) => import(`${root}/dist/${path}`);
  const [{ loadConfig }, { createGuardrails }, { createPipeline }, { toolOperation }, { silentLogger }, { TOOLSETS }] = await Promise.all([
    dist('config/load.js'),
    dist('guard/index.js'),
    dist('middleware/pipeline.js'),
    dist('middleware/operation.js'),
    dist('telemetry/logger.js'),
    dist('toolsets/index.js'),
  ]);
  const tool = TOOLSETS.find((t) => t.id === 'tasks').tools.find((t) => t.name === 'get_task');
  const structured = {
    task: { id: 4242, title: 'Task 4242', description: 'lorem ipsum '.repeat(20), status: 'todo', priority: 'high', labels: ['a', 'b'], version: 3 },
    comments: [],
    comments_total: 0,
  };
  const handler = async () => ({ content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured });
  const flags = Object.fromEntries(NEVER_REFUSE.flatMap((v, i, a) => (i % 2 === 0 ? [[v.slice(2), a[i + 1]]] : [])));
  const guardrails = createGuardrails(loadConfig({ db: ':memory:', ...flags }, {}), silentLogger);
  await guardrails.ready;
  const onion = (steps) => createPipeline({ logger: silentLogger, traceContent: false, guardrails: steps }).tool(handler);
  const pass = (call, next) => next(call);
  const passthrough = Object.fromEntries(STEPS.map((s) => [s, pass]));
  const configs = {
    off: onion(undefined),
    passthrough: onion(passthrough),
    ...Object.fromEntries(STEPS.map((s) => [s, onion({ ...passthrough, [s]: guardrails.steps[s] })])),
    all: onion(guardrails.steps),
  };
  const op = toolOperation(tool);
  const ctx = { caller: { workspace: 'bench', actor: { principal: 'bench', client: 'bench' } }, deps: {}, signal: new AbortController().signal };
  const evict = new Uint8Array(EVICT_BYTES);
  let sink = 0;
  const sweep = () => {
    for (let i = 0; i < evict.length; i += 64) sink += evict[i]++;
  };
  const samples = { hot: {}, cold: {} };
  for (const mode of ['hot', 'cold']) {
    for (let r = 0; r < reps; r++) {
      for (const [id, run] of Object.entries(configs)) {
        let ms = 0;
        const n = mode === 'cold' ? calls : calls * 10; // a sweep costs ~1 ms: cold rounds are ten times shorter
        for (let i = 0; i < n; i++) {
          if (mode === 'cold') sweep();
          const t = performance.now();
          await run({ op, tool, args: { id: 4242 }, ctx, requestId: i });
          ms += performance.now() - t;
        }
        samples[mode][id] = [...(samples[mode][id] ?? []), (ms * 1000) / n];
      }
    }
  }
  await guardrails.close();
  const out = { cold_calls: calls, hot_calls: calls * 10, reps, swept: sink > 0 };
  for (const [mode, byId] of Object.entries(samples)) {
    const med = Object.fromEntries(Object.entries(byId).map(([id, v]) => [id, spread(v).median]));
    out[mode] = {
      us_per_call: Object.fromEntries(Object.entries(med).map(([id, v]) => [id, round(v, 2)])),
      // A step's own share: with it in place minus the four pass-through steps.
      step_us: Object.fromEntries(STEPS.map((s) => [s, round(med[s] - med.passthrough, 2)])),
      all_minus_off_us: round(med.all - med.off, 2),
    };
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { resolve } = await import('node:path');
  console.log(JSON.stringify(await guardrailSteps({ root: resolve(import.meta.dirname, '..') }), null, 2));
  process.exit(0);
}
