// Guardrail figures: a well-behaved principal's latency while another principal floods, with the
// guardrails on (defaults) and off. In process (one app, two real SDK clients over the in-memory
// transport, 2025 era), so the flood competes for the same event loop as on a real server. Bounded:
// a fixed number of calls from the well-behaved principal.
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { startServer } from './http.mjs';
import { ENVELOPE, round, stats } from './lib.mjs';

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
  const { TOOLSETS } = await import(`${root}/dist/toolsets/index.js`);
  const { silentLogger } = await import(`${root}/dist/telemetry/logger.js`);
  const out = {};
  for (const guardrails of ['on', 'off']) {
    const dir = mkdtempSync(join(tmpdir(), 'taskwire-guard-bench-'));
    const app = createApp(TOOLSETS, loadConfig({ db: join(dir, 'db'), guardrails, 'sqlite-synchronous': 'NORMAL' }, {}), silentLogger, undefined, 'bench');
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

/**
 * The new-connection stall (issue 13 item 6): a quiet principal's first call on a new TCP connection, and its calls
 * over an open one, while another principal floods from its own process (`flooders` loops, a new connection per
 * request), against `taskwire serve --auth api-key` (the built CLI) with the given extra flags.
 * @param {{ root: string, calls: number, flooders: number, extra?: string[] }} p
 */
export async function newConnectionStall({ root, calls, flooders, extra = [] }) {
  const cli = `${root}/dist/cli/main.js`;
  const dir = mkdtempSync(join(tmpdir(), 'taskwire-stall-bench-'));
  const db = join(dir, 'db');
  const key = (ws) =>
    execFileSync(process.execPath, [cli, 'token', 'create', '--db', db, '--workspace', ws, '--scopes', 'tasks:read,tasks:write', '--name', ws], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .split('\n')[0]
      .trim();
  const alice = key('alice');
  const mallory = key('mallory');
  const server = await startServer([cli, 'serve', '--port', '0', '--db', db, '--auth', 'api-key', '--sqlite-synchronous', 'NORMAL', ...extra]);
  const post = (token, tool, args, agent) =>
    new Promise((resolve, reject) => {
      const t = performance.now();
      const req = request(
        server.url,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-method': 'tools/call',
            'mcp-name': tool,
            'mcp-protocol-version': '2026-07-28',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args, _meta: ENVELOPE } }));
    });
  try {
    // 1,000 tasks in the flooder's workspace: its search (every task matches) is real work.
    for (let b = 0; b < 20; b++) {
      const tasks = Array.from({ length: 50 }, (_, i) => ({ title: `Task ${b * 50 + i} of the bench`, labels: ['bench'] }));
      await post(mallory, 'create_tasks', { tasks }, false);
    }
    const open = new Agent({ keepAlive: true, maxSockets: 1 });
    const flood = fork(join(import.meta.dirname, 'flood-client.mjs'), [server.url, mallory, String(flooders), '1']);
    const floodCodes = new Promise((resolve) => flood.once('message', resolve));
    await new Promise((r) => setTimeout(r, 1000));
    await post(alice, 'list_tasks', { limit: 20 }, open);
    const fresh = [];
    const reused = [];
    for (let i = 0; i < calls; i++) {
      fresh.push((await post(alice, 'list_tasks', { limit: 20 }, false)).ms);
      reused.push((await post(alice, 'list_tasks', { limit: 20 }, open)).ms);
    }
    flood.send('stop');
    const codes = await floodCodes;
    open.destroy();
    const a = stats(fresh);
    const b = stats(reused);
    return {
      new_connection_p50_ms: round(a.p50, 1),
      new_connection_p99_ms: round(a.p99, 1),
      open_connection_p50_ms: round(b.p50, 1),
      open_connection_p99_ms: round(b.p99, 1),
      flood_statuses: codes,
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
