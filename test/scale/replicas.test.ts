import type { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type Served } from '../e2e/cli-process.js';
import { eventually, ok, tempDir } from '../harness.js';
import {
  type Balancer,
  DEPLOY_NGINX_CONF,
  dropSchema,
  freshSchema,
  httpClient,
  NGINX,
  PG_SKIP,
  portOf,
  requireNginx,
  requirePostgres,
  startNginx,
  startReplica,
} from './cluster.js';

/**
 * Two `taskwire serve` replicas on one PostgreSQL schema behind a real nginx
 * running the reference deploy/nginx.conf (round robin; 2025 sessions routed
 * back to their replica by the session id's prefix), driven by real SDK
 * clients of both protocol eras.
 */
await requirePostgres();
requireNginx();

const sessionOf = (client: Client) => (client.transport as StreamableHTTPClientTransport).sessionId ?? '';

describe.skipIf(PG_SKIP)('replicas behind nginx on PostgreSQL', () => {
  const tmp = tempDir('taskwire-replicas-');
  const schema = freshSchema();
  let r1: Served;
  let r2: Served;
  let lb: Balancer;
  const clients: Client[] = [];
  const client = async (url: string, era: 'legacy' | 'modern', name?: string) => {
    const c = await httpClient(url, era, name);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    // The idempotency burst below is 100 concurrent calls of one principal: the guardrails' per-principal cap (8
    // at once, the rest refused at once) is tested in test/guard/; here every call must reach the store.
    const queue = ['--max-concurrent-per-principal', '100', '--max-concurrent-calls', '100', '--queue-wait-ms', '30000'];
    [r1, r2] = await Promise.all([startReplica(tmp.dir, schema, 'r1', queue), startReplica(tmp.dir, schema, 'r2', queue)]);
    lb = await startNginx(tmp.dir, [portOf(r1.url), portOf(r2.url)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await lb?.stop();
    // r1 is SIGKILLed by the last test: only stop what still runs.
    await Promise.allSettled([r1, r2].filter((r) => r && r.child.exitCode === null && r.child.signalCode === null).map((r) => r.stop()));
    await dropSchema(schema);
    tmp.cleanup();
  }, 30_000);

  it('the reference deploy/nginx.conf passes nginx -t as shipped', async () => {
    const t = await run(NGINX, ['-t', '-p', tmp.dir, '-c', DEPLOY_NGINX_CONF, '-e', `${tmp.dir}/t-error.log`, '-g', `pid ${tmp.dir}/t.pid;`]);
    expect(t.stderr).toContain('syntax is ok');
    expect(t.code).toBe(0);
  });

  it('reports the PostgreSQL store and a healthy change bus on /readyz', async () => {
    for (const r of [r1, r2]) {
      const ready = await fetch(r.url.replace(/\/mcp$/, '/readyz'));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', store: 'postgres', bus: { kind: 'postgres', healthy: true } });
    }
  });

  it('spreads 2025 sessions over both replicas and routes every request of a session back to its replica', async () => {
    const legacy = await Promise.all(Array.from({ length: 6 }, (_, i) => client(lb.url, 'legacy', `legacy-${i}`)));
    const ids = legacy.map(sessionOf);
    expect(ids.filter((id) => id.startsWith('r1.')).length).toBeGreaterThan(0);
    expect(ids.filter((id) => id.startsWith('r2.')).length).toBeGreaterThan(0);
    for (const [i, c] of legacy.entries()) {
      await ok(c, 'create_tasks', { tasks: [{ title: `Session task ${i}` }] });
      await ok(c, 'list_tasks', {});
    }
    // Every request that carried a session id reached the replica named by its prefix.
    const byReplica = { r1: String(portOf(r1.url)), r2: String(portOf(r2.url)) };
    const routed = lb.accessLog().filter((l) => /sid=r[12]\./.test(l));
    expect(routed.length).toBeGreaterThanOrEqual(legacy.length * 2);
    for (const line of routed) {
      const replica = /sid=(r[12])\./.exec(line)?.[1] as 'r1' | 'r2';
      expect(line).toContain(`127.0.0.1:${byReplica[replica]} `);
      expect(line).not.toMatch(/" 404 /);
    }
  });

  it('delivers a change made through replica B to subscribers of both eras on replica A', async () => {
    const writer = await client(r2.url, 'modern', 'writer-on-b');
    const { created } = await ok<{ created: Array<{ id: number }> }>(writer, 'create_tasks', { tasks: [{ title: 'Watched across replicas' }] });
    const id = created[0]?.id as number;
    const uri = `tasks://${id}`;
    const legacy = await client(r1.url, 'legacy', 'legacy-on-a');
    const modern = await client(r1.url, 'modern', 'modern-on-a');
    // and a 2025 session opened through the balancer, wherever it landed
    const viaLb = await client(lb.url, 'legacy', 'legacy-via-nginx');
    // and a 2026 listen stream through the balancer (server-sent events through nginx)
    const modernViaLb = await client(lb.url, 'modern', 'modern-via-nginx');
    const got = { legacy: [] as string[], modern: [] as string[], viaLb: [] as string[], modernViaLb: [] as string[] };
    for (const [c, list] of [
      [legacy, got.legacy],
      [modern, got.modern],
      [viaLb, got.viaLb],
      [modernViaLb, got.modernViaLb],
    ] as const) {
      c.setNotificationHandler('notifications/resources/updated', async (n) => {
        list.push(n.params.uri);
      });
    }
    await legacy.subscribeResource({ uri });
    await viaLb.subscribeResource({ uri });
    const listen = await modern.listen({ resourceSubscriptions: [uri] });
    const listenViaLb = await modernViaLb.listen({ resourceSubscriptions: [uri] });
    // The writer on B must be the other replica of the balancer session too.
    const other = sessionOf(viaLb).startsWith('r1.') ? r2 : r1;
    const writerForLb = other === r2 ? writer : await client(r1.url, 'modern', 'writer-on-a');
    const all = () => Object.values(got).every((list) => list.length > 0);
    // 2025 clients open their GET stream in the background after initialize: repeat the change, bounded.
    const priorities = ['high', 'low'] as const;
    for (let i = 0; i < 20 && !all(); i++) {
      await ok(writer, 'update_task', { id, priority: priorities[i % 2] });
      if (writerForLb !== writer) await ok(writerForLb, 'update_task', { id, title: `Watched ${i}` });
      await eventually(all, 500, 'updates from the other replica').catch(() => undefined);
    }
    expect(new Set(got.legacy)).toEqual(new Set([uri]));
    expect(new Set(got.modern)).toEqual(new Set([uri]));
    expect(new Set(got.viaLb)).toEqual(new Set([uri]));
    expect(new Set(got.modernViaLb)).toEqual(new Set([uri]));
    await listen.close();
    await listenViaLb.close();
  });

  it('100 concurrent create_tasks with one idempotency key, spread over both replicas, create exactly one set', async () => {
    const callers = await Promise.all(Array.from({ length: 4 }, (_, i) => client(lb.url, 'modern', `retrier-${i}`)));
    const before = lb.accessLog().length;
    const args = {
      idempotency_key: `plan-${schema}`,
      tasks: [
        { ref: 'a', title: 'Idempotent A' },
        { ref: 'b', title: 'Idempotent B', depends_on: ['a'] },
        { title: 'Idempotent C', parent_id: 'b' },
      ],
    };
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => ok<{ created: Array<{ id: number; title: string }> }>(callers[i % callers.length] as Client, 'create_tasks', args)),
    );
    const sets = new Set(results.map((r) => JSON.stringify(r.created.map((t) => [t.id, t.title]))));
    expect(sets.size).toBe(1);
    const reader = callers[0] as Client;
    const found = await ok<{ total: number }>(reader, 'search_tasks', { query: 'Idempotent' });
    expect(found.total).toBe(3);
    // Both replicas served some of the 100 calls.
    const upstreams = lb
      .accessLog()
      .slice(before)
      .filter((l) => l.includes('"POST /mcp'))
      .map((l) => /(127\.0\.0\.1:\d+) sid=/.exec(l)?.[1]);
    expect(new Set(upstreams)).toEqual(new Set([`127.0.0.1:${portOf(r1.url)}`, `127.0.0.1:${portOf(r2.url)}`]));
  }, 60_000);

  it('when a replica dies, its 2025 sessions get 404 (re-initialize) and everything else goes on through the survivor', async () => {
    const onR1 = [] as Client[];
    for (let i = 0; i < 8 && onR1.length === 0; i++) {
      const c = await client(lb.url, 'legacy', `doomed-${i}`);
      if (sessionOf(c).startsWith('r1.')) onR1.push(c);
    }
    const doomed = sessionOf(onR1[0] as Client);
    expect(doomed).toMatch(/^r1\./);
    r1.child.kill('SIGKILL');
    await new Promise((r) => r1.child.once('exit', r));
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };
    const stale = await fetch(lb.url, {
      method: 'POST',
      headers: { ...headers, 'mcp-session-id': doomed },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
    });
    expect(stale.status).toBe(404); // not a 502: the spec tells the client to start a new session
    // New sessions and 2026 calls keep working on the surviving replica.
    for (let i = 0; i < 3; i++) {
      const fresh = await client(lb.url, 'legacy', `survivor-${i}`);
      expect(sessionOf(fresh)).toMatch(/^r2\./);
      await ok(fresh, 'list_tasks', {});
      await ok(await client(lb.url, 'modern', `modern-survivor-${i}`), 'get_task_stats', {});
    }
  }, 30_000);
});
