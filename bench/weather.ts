// `npm run bench:weather` (vite-node): get_forecast and get_alerts through a real MCP client (2025 era, in memory)
// against a fake NWS on loopback replaying the recorded responses in test/fixtures/nws. Prints p50/p95 per call
// with the cache as NWS's headers allow (max-age 300) and with no-store, and the cache hit ratio of the mixed run.
// Flags: --calls N (default 300).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../src/server/app.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { TOOLSETS } from '../src/toolsets/index.js';
import { connect, tempDir, testConfig } from '../test/harness.js';
import { startFakeNws } from '../test/weather/fake-nws.js';

const calls = Number(process.argv[process.argv.indexOf('--calls') + 1]) || 300;
const POINTS = [
  { latitude: 35.7054, longitude: -78.7963 },
  { latitude: 39.7456, longitude: -97.0892 },
];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0) * 100) / 100;
};

async function run(cacheControl: string) {
  const fake = await startFakeNws();
  fake.cacheControl = cacheControl;
  const tmp = tempDir();
  const app = createApp(
    TOOLSETS,
    testConfig({ toolsets: 'tasks,weather', 'weather-api-url': fake.url, 'weather-user-agent': 'taskwire-bench/1 (ops@example.com)', guardrails: 'off' }, tmp.dir),
    silentLogger,
  );
  const { client, close } = await connect(app, 'legacy');
  const times: Record<string, number[]> = { get_forecast: [], get_alerts: [] };
  for (let i = 0; i < calls; i++) {
    const forecast = i % 2 === 0;
    const name = forecast ? 'get_forecast' : 'get_alerts';
    const args = forecast ? POINTS[(i / 2) % POINTS.length] : { state: 'CA' };
    const t0 = performance.now();
    const r = await client.callTool({ name, arguments: args });
    times[name]?.push(performance.now() - t0);
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
  }
  const config = JSON.parse(((await client.readResource({ uri: 'weather://config' })).contents[0] as { text: string }).text);
  await close();
  await app.close();
  await fake.close();
  tmp.cleanup();
  const hits = config.cache?.hits ?? 0;
  const misses = config.cache?.misses ?? 0;
  return {
    cacheControl,
    calls,
    upstream_requests: fake.requests.length,
    cache_hit_ratio: hits + misses ? Math.round((hits / (hits + misses)) * 1000) / 1000 : 0,
    get_forecast_ms: { p50: pct(times.get_forecast ?? [], 50), p95: pct(times.get_forecast ?? [], 95) },
    get_alerts_ms: { p50: pct(times.get_alerts ?? [], 50), p95: pct(times.get_alerts ?? [], 95) },
  };
}

const rows = [await run('public, max-age=300, s-maxage=300'), await run('no-store')];
console.log('| upstream Cache-Control | calls | upstream requests | cache hit ratio | get_forecast p50/p95 ms | get_alerts p50/p95 ms |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.cacheControl} | ${r.calls} | ${r.upstream_requests} | ${r.cache_hit_ratio} | ${r.get_forecast_ms.p50}/${r.get_forecast_ms.p95} | ${r.get_alerts_ms.p50}/${r.get_alerts_ms.p95} |`,
  );
}
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}-weather.json`);
writeFileSync(file, `${JSON.stringify({ node: process.version, rows }, null, 2)}\n`);
console.log(`written: ${file}`);
