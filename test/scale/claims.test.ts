import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI, type Served } from '../e2e/cli-process.js';
import { call, ok, tempDir } from '../harness.js';
import { dropSchema, freshSchema, httpClient, PG_SKIP, requirePostgres, startReplica } from './cluster.js';

/**
 * 50 concurrent claim_task calls (issue 11, item 1) split across two servers on one store must yield distinct
 * tasks or "nothing actionable", never the same task twice: two stdio processes on one SQLite file, and two
 * HTTP replicas on one PostgreSQL schema.
 */
await requirePostgres();

const CLAIMS = 50;
type Claimed = { task: { id: number } | null };

/** Fire `CLAIMS` claims at once, alternating between the two clients; returns the claimed ids. */
async function claimRace(clients: [Client, Client]): Promise<number[]> {
  const results = await Promise.all(
    Array.from({ length: CLAIMS }, async (_, i) => {
      const r = await call(clients[i % 2] as Client, 'claim_task', { lease_s: 600 });
      if (r.isError) throw new Error(`claim ${i} failed: ${JSON.stringify(r.error)}`);
      return (r.structured as Claimed).task?.id ?? null;
    }),
  );
  return results.filter((id): id is number => id !== null);
}

function expectDistinct(ids: number[], available: number): void {
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(Math.min(available, CLAIMS));
}

describe('concurrent claims from two stdio processes on one SQLite file', () => {
  const tmp = tempDir('taskwire-claims-');
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    tmp.cleanup();
  });

  const stdio = async (name: string) => {
    const client = new Client({ name, version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, '--db', join(tmp.dir, 'shared.db'), '--rate-limit-writes', '0', '--max-concurrent-per-principal', '64'],
        env: { ...(process.env as Record<string, string>), TASKWIRE_LOG_LEVEL: 'warn' },
        stderr: 'ignore',
      }),
    );
    clients.push(client);
    return client;
  };

  it('gives 50 racing claims 30 distinct tasks and 20 "nothing actionable"', async () => {
    assertBuilt();
    const a = await stdio('agent-a');
    const b = await stdio('agent-b');
    await ok(a, 'create_tasks', { tasks: Array.from({ length: 30 }, (_, i) => ({ title: `task ${i}` })) });
    const ids = await claimRace([a, b]);
    expectDistinct(ids, 30);
    const held = await ok<{ total: number }>(b, 'list_tasks', { status: ['in_progress'] });
    expect(held.total).toBe(30);
  }, 60_000);
});

describe.skipIf(PG_SKIP)('concurrent claims from two HTTP replicas on one PostgreSQL', () => {
  const tmp = tempDir('taskwire-claims-pg-');
  const schema = freshSchema('tw_claims');
  let r1: Served;
  let r2: Served;
  const clients: Client[] = [];
  beforeAll(async () => {
    const roomy = ['--rate-limit-writes', '0', '--max-concurrent-per-principal', '64'];
    [r1, r2] = await Promise.all([startReplica(tmp.dir, schema, 'r1', roomy), startReplica(tmp.dir, schema, 'r2', roomy)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled([r1, r2].filter(Boolean).map((r) => r.stop()));
    await dropSchema(schema);
    tmp.cleanup();
  }, 30_000);

  it.each(['legacy', 'modern'] as const)(
    'gives 50 racing claims distinct tasks (%s era)',
    async (era) => {
      const a = await httpClient(r1.url, era, 'agent-a');
      const b = await httpClient(r2.url, era, 'agent-b');
      clients.push(a, b);
      await ok(a, 'create_tasks', { tasks: Array.from({ length: 40 }, (_, i) => ({ title: `${era} task ${i}` })) });
      const ids = await claimRace([a, b]);
      expectDistinct(ids, 40);
      // Release them all for the next era's race (completing releases the lease).
      await ok(a, 'update_tasks', { items: ids.map((id) => ({ id, status: 'done' })), force: true });
    },
    60_000,
  );
});
