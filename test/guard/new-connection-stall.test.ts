import { fork } from 'node:child_process';
import { type Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Served, startHttp } from '../e2e/cli-process.js';
import { tempDir } from '../harness.js';

/**
 * Issue 13 item 6, the new-connection stall, against the built CLI: while one
 * principal floods from its own process with a new TCP connection per request
 * (64 loops; bench/flood-client.mjs, the flood of `npm run bench`'s
 * "new-connection stall" row), another principal's first call on a fresh
 * connection must not wait behind the flood's queued connections. Before the
 * fix (src/guard/turns.ts) it waited 1-5 s here (libuv accepts one connection
 * per loop iteration, first in, first out); the fence is generous (1 s for the
 * slowest of 30 calls) because this machine is shared and loaded.
 */
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'stall-test', version: '1' },
};
const FLOOD_CLIENT = resolve(import.meta.dirname, '..', '..', 'bench', 'flood-client.mjs');

describe('a quiet principal during a new-connection flood', () => {
  const tmp = tempDir('taskwire-stall-');
  let served: Served;
  let alice = '';
  let mallory = '';
  const call = (token: string, tool: string, args: unknown, agent: Agent | false) =>
    new Promise<{ status: number; ms: number }>((done, reject) => {
      const t = performance.now();
      const req = request(
        served.url,
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
          res.on('end', () => done({ status: res.statusCode ?? 0, ms: performance.now() - t }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args, _meta: ENVELOPE } }));
    });

  beforeAll(async () => {
    const db = join(tmp.dir, 'http.db');
    const key = async (workspace: string) => {
      const made = await runCli(['token', 'create', '--db', db, '--workspace', workspace, '--scopes', 'tasks:read,tasks:write', '--name', workspace]);
      if (made.code !== 0) throw new Error(made.stderr);
      return made.stdout.trim().split('\n')[0] ?? '';
    };
    alice = await key('alice');
    mallory = await key('mallory');
    served = await startHttp(tmp.dir, ['--auth', 'api-key', '--sqlite-synchronous', 'NORMAL', '--audit', 'off', '--metrics', 'off'], { TASKWIRE_LOG_LEVEL: 'warn' });
    for (let b = 0; b < 20; b++) {
      const tasks = Array.from({ length: 50 }, (_, i) => ({ title: `Task ${b * 50 + i} of the bench`, labels: ['bench'] }));
      expect((await call(mallory, 'create_tasks', { tasks }, false)).status).toBe(200);
    }
  }, 60_000);
  afterAll(async () => {
    await served?.stop();
    tmp.cleanup();
  });

  it("answers the quiet principal's calls on new connections within 1 s each while 64 loops flood", async () => {
    // Alice's first call (her workspace's handler, prepared statements) before the flood: only the flood is measured.
    expect((await call(alice, 'list_tasks', { limit: 20 }, false)).status).toBe(200);
    const flood = fork(FLOOD_CLIENT, [served.url, mallory, '64', '1'], { stdio: 'ignore' });
    const floodCodes = new Promise<Record<string, number>>((done) => flood.once('message', (m) => done(m as Record<string, number>)));
    try {
      // The flood's first seconds (its process starting, 64 connections at once) are not the steady state measured here:
      // wait, and let one unmeasured call through.
      await new Promise((r) => setTimeout(r, 2000));
      await call(alice, 'list_tasks', { limit: 20 }, false);
      const fresh: number[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await call(alice, 'list_tasks', { limit: 20 }, false);
        expect(r.status).toBe(200);
        fresh.push(r.ms);
      }
      expect(Math.max(...fresh), `new-connection latencies in order (ms): ${fresh.map(Math.round).join(' ')}`).toBeLessThan(1000);
    } finally {
      flood.send('stop');
    }
    // The flood was served too (not refused wholesale), and the quiet calls above competed with it.
    expect((await floodCodes)['200'] ?? 0).toBeGreaterThan(10);
  }, 120_000);
});
