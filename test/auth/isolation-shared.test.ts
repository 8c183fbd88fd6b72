import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/server/build.js';
import { type AuthServed, bearerClient, serveWithAuth } from './served.js';

/**
 * 2026 stateless HTTP serves requests from pooled, long-lived server
 * instances (src/server/pool.ts), one pool per workspace and scope set. Two
 * principals of one workspace with the same scopes therefore share an
 * instance. CVE-2026-25536 is the lesson: nothing about a caller may live on
 * the instance. Here two principals, with different client names, write
 * interleaved through one instance (serially: the same instance every time,
 * counted at the factory; then concurrently), and every row records the
 * principal and client of the request that wrote it. A third principal with
 * fewer scopes is served by another instance and keeps its own, smaller
 * surface in between.
 */
let s: AuthServed;
const builds: Connection[] = [];
let alice: { id: string; client: Client };
let bob: { id: string; client: Client };
let reader: { id: string; client: Client };

async function comment(c: Client, taskId: number, body: string): Promise<void> {
  const r = (await c.callTool({ name: 'add_comment', arguments: { task_id: taskId, body } })) as { isError?: boolean; content: unknown };
  expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
}

beforeAll(async () => {
  s = await serveWithAuth(['acme']);
  const factory = s.app.factory;
  s.app.factory = (connection) => {
    builds.push(connection);
    return factory(connection);
  };
  const open = async (name: string, scopes: Array<'tasks:read' | 'tasks:write'>) => {
    const key = await s.apiKey('acme', scopes);
    return { id: `key:${key.id}`, client: (await bearerClient(s.http.url, key.token, 'modern', name)).client };
  };
  alice = await open('alice-agent', ['tasks:read', 'tasks:write']);
  bob = await open('bob-agent', ['tasks:read', 'tasks:write']);
  reader = await open('reader-agent', ['tasks:read']);
});
afterAll(async () => {
  for (const p of [alice, bob, reader]) await p?.client.close();
  await s?.close();
});

type Card = { id: number; created_by?: { principal: string; client: string | null } };
type Detail = { task: Card; comments: Array<{ body: string; author: { principal: string; client: string | null } }> };

async function detail(c: Client, id: number): Promise<Detail> {
  const r = (await c.callTool({ name: 'get_task', arguments: { id } })) as { structuredContent: Detail };
  return r.structuredContent;
}

describe('two principals on one pooled 2026 instance', () => {
  it('serially interleaved calls reuse one instance and each records its own principal and client', async () => {
    const created = (await alice.client.callTool({ name: 'create_tasks', arguments: { tasks: [{ title: 'shared instance probe' }] } })) as {
      structuredContent: { created: Card[] };
    };
    const id = created.structuredContent.created[0]?.id as number;
    const before = builds.filter((b) => b.shared && b.scopes?.has('tasks:write')).length;
    for (let i = 0; i < 6; i++) {
      await comment(alice.client, id, `alice-${i}`);
      await comment(bob.client, id, `bob-${i}`);
      // The read-only principal in between: another instance, and still no write tool.
      const tools = await reader.client.listTools();
      expect(tools.tools.map((t) => t.name)).not.toContain('add_comment');
    }
    // Twelve writes by two principals, not one instance more: they shared the instance.
    expect(builds.filter((b) => b.shared && b.scopes?.has('tasks:write')).length).toBe(before);
    expect(builds.every((b) => !b.shared || b.principal === '')).toBe(true);
    const d = await detail(bob.client, id);
    expect(d.comments).toHaveLength(12);
    for (const c of d.comments) {
      const who = c.body.startsWith('alice-') ? { principal: alice.id, client: 'alice-agent' } : { principal: bob.id, client: 'bob-agent' };
      expect({ body: c.body, ...c.author }).toMatchObject({ body: c.body, ...who });
    }
  });

  it('concurrent calls of both principals each record their own caller', async () => {
    const created = (await bob.client.callTool({ name: 'create_tasks', arguments: { tasks: [{ title: 'concurrent probe' }] } })) as {
      structuredContent: { created: Card[] };
    };
    const id = created.structuredContent.created[0]?.id as number;
    await Promise.all(Array.from({ length: 10 }, (_, i) => comment(i % 2 ? alice.client : bob.client, id, `${i % 2 ? 'alice' : 'bob'}-${i}`)));
    const d = await detail(alice.client, id);
    expect(d.comments).toHaveLength(10);
    for (const c of d.comments) expect(c.author.principal).toBe(c.body.startsWith('alice-') ? alice.id : bob.id);
    for (const c of d.comments) expect(c.author.client).toBe(c.body.startsWith('alice-') ? 'alice-agent' : 'bob-agent');
  });
});
