#!/usr/bin/env node
/**
 * The long fuzz run: test/fuzz with more inputs, then a summary of inputs
 * tried and failures by kind (with examples).
 *
 *   npm run fuzz -- --runs 100000 [--seed N] [--only tool-calls-legacy|tool-calls-modern|http-frames|stdio-frames]
 *
 * --runs is the number of inputs in all, shared out as in `npm test` (tool
 * calls half, split by era; raw frames half, HTTP and stdio). Needs the build
 * (npm run build): the frame fuzzers drive dist/cli/main.js. Exit status 1 when
 * any input failed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '100000' }, seed: { type: 'string' }, only: { type: 'string' } },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 10) {
  console.error('--runs must be a whole number of at least 10');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'taskwire-fuzz-report-'));
const report = join(dir, 'report.jsonl');
const files = values.only
  ? [`test/fuzz/${values.only}.test.ts`]
  : ['test/fuzz/tool-calls-legacy.test.ts', 'test/fuzz/tool-calls-modern.test.ts', 'test/fuzz/http-frames.test.ts', 'test/fuzz/stdio-frames.test.ts'];
const started = Date.now();
const env = { ...process.env, FUZZ_RUNS: String(runs), FUZZ_REPORT: report, ...(values.seed ? { FUZZ_SEED: values.seed } : {}) };
const vitest = spawnSync('npx', ['vitest', 'run', ...files], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const seconds = Math.round((Date.now() - started) / 1000);

let lines = [];
try {
  lines = readFileSync(report, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
} catch {
  // no property finished: the vitest output above says why
}
rmSync(dir, { recursive: true, force: true });

let tried = 0;
const failures = {};
console.log(`\nFuzz run: --runs ${runs}, seed ${values.seed ?? 'default (20261201)'}, ${seconds} s`);
for (const p of lines) {
  tried += p.tried;
  const failed = Object.values(p.failures).reduce((n, f) => n + f.count, 0);
  const answered = Object.entries(p.outcomes)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  console.log(`- ${p.property}: ${p.tried} inputs, ${failed} failures; answered: ${answered}; slowest ${p.slowest[0]?.[0] ?? '-'} ms`);
  for (const [kind, f] of Object.entries(p.failures)) {
    failures[kind] = (failures[kind] ?? 0) + f.count;
    for (const example of f.examples) console.log(`    ${kind}: ${example}`);
  }
}
const kinds = Object.entries(failures);
console.log(
  `Total: ${tried} inputs tried, ${kinds.reduce((n, [, c]) => n + c, 0)} failures${kinds.length ? ` (${kinds.map(([k, c]) => `${k} ${c}`).join(', ')})` : ''}.`,
);
process.exit(vitest.status === 0 && kinds.length === 0 ? 0 : 1);
