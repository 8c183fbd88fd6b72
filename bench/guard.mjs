// Guardrail figures: a well-behaved principal's latency while another principal floods, with the
// guardrails on (defaults) and off. In process (one app, two real SDK clients over the in-memory
// transport, 2025 era), so the flood competes for the same event loop as on a real server. Bounded:
// a fixed number of calls from the well-behaved principal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { round, stats } from './lib.mjs';

async function connect(app, principal) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = app.factory({ era: 'legacy', workspace: app.config.workspace, principal, longLived: true });
  await server.connect(serverSide);
  const client = new Client({ name: principal, version: '1' });
  await client.connect(clientSide);
  return { client, close: () => Promise.all([client.close(), server.close()]) };
}

/**
 * @param {{ root: string, calls: number, flooders: number }} p
 * @returns alice's list_tasks latency (ms) alone and under a flood, and what happened to the flood.
 */
export async function fairness({ root, calls, flooders }) {
  const { loadConfig } = await import(`${root}/dist/config/load.js`);
  const { createApp } = await import(`${root}/dist/server/app.js`);
  const { silentLogger } = await import(`${root}/dist/telemetry/logger.js`);
  const out = {};
  for (const guardrails of ['on', 'off']) {
    const dir = mkdtempSync(join(tmpdir(), 'taskwire-guard-bench-'));
    const app = createApp(loadConfig({ db: join(dir, 'db'), guardrails, 'sqlite-synchronous': 'NORMAL' }, {}), silentLogger, undefined, 'bench');
    const alice = await connect(app, 'alice');
    const mallory = await connect(app, 'mallory');
    // 2,000 tasks: the flood's search (every task matches) is real work, alice's page is cheap.
    for (let b = 0; b < 40; b++) {
      const tasks = Array.from({ length: 50 }, (_, i) => ({ title: `Task ${b * 50 + i} of the bench`, labels: ['bench'] }));
      await alice.client.callTool({ name: 'create_tasks', arguments: { tasks } });
    }
    const measure = async () => {
      const ms = [];
      for (let i = 0; i < calls; i++) {
        const t = performance.now();
        await alice.client.callTool({ name: 'list_tasks', arguments: { limit: 20, sort: i % 2 ? 'id' : 'priority' } });
        ms.push(performance.now() - t);
      }
      return stats(ms);
    };
    const alone = await measure();
    let stop = false;
    let served = 0;
    let refused = 0;
    const flood = Array.from({ length: flooders }, async () => {
      while (!stop) {
        const r = await mallory.client.callTool({ name: 'search_tasks', arguments: { query: 'task bench', limit: 50 } });
        if (r.isError) refused++;
        else served++;
      }
    });
    const flooded = await measure();
    stop = true;
    await Promise.all(flood);
    out[guardrails] = {
      alone_p50_ms: round(alone.p50, 2),
      alone_p99_ms: round(alone.p99, 2),
      flooded_p50_ms: round(flooded.p50, 2),
      flooded_p99_ms: round(flooded.p99, 2),
      flood_served: served,
      flood_refused: refused,
    };
    await alice.close();
    await mallory.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
