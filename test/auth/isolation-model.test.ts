import type { Client } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthServed, bearerClient, serveWithAuth } from './served.js';

/**
 * Property: random operations by three workspaces (each through its own API
 * key over HTTP, ids from a small shared range so they collide) behave
 * exactly like a model that keeps one separate task map per workspace. Any
 * cross-workspace read or write shows up as a divergence.
 */
type Model = Map<number, { title: string; status: string }>;
type Cmd =
  | { op: 'create'; ws: number; title: string }
  | { op: 'update'; ws: number; id: number; title: string }
  | { op: 'complete'; ws: number; id: number }
  | { op: 'delete'; ws: number; id: number }
  | { op: 'get'; ws: number; id: number };

const ws = fc.integer({ min: 0, max: 2 });
const id = fc.integer({ min: 1, max: 6 });
const title = fc.constantFrom('alpha', 'beta', 'gamma', 'delta');
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), ws, title }),
  fc.record({ op: fc.constant('update' as const), ws, id, title }),
  fc.record({ op: fc.constant('complete' as const), ws, id }),
  fc.record({ op: fc.constant('delete' as const), ws, id }),
  fc.record({ op: fc.constant('get' as const), ws, id }),
);

let s: AuthServed;
let run = 0;
beforeAll(async () => {
  s = await serveWithAuth(['unused']);
});
afterAll(async () => {
  await s?.close();
});

async function call(c: Client, name: string, args: Record<string, unknown>) {
  const r = (await c.callTool({ name, arguments: args })) as { isError?: boolean; content: Array<{ text?: string }>; structuredContent?: Record<string, unknown> };
  return r.isError ? { error: JSON.parse(r.content[0]?.text ?? '{}').error as { code: string } } : { ok: r.structuredContent as Record<string, unknown> };
}

describe('tenant isolation property (fast-check, 3 workspaces against a model)', () => {
  it('matches a per-workspace model after every operation', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 25 }), async (cmds) => {
        run++;
        const names = [0, 1, 2].map((i) => `prop${run}-w${i}`);
        const conns: Client[] = [];
        for (const name of names) {
          const key = await s.apiKey(name, ['tasks:read', 'tasks:write', 'tasks:admin']);
          conns.push((await bearerClient(s.http.url, key.token, 'modern')).client);
        }
        const models: Model[] = [new Map(), new Map(), new Map()];
        const nextId = [1, 1, 1];
        try {
          for (const c of cmds) {
            const client = conns[c.ws] as Client;
            const model = models[c.ws] as Model;
            if (c.op === 'create') {
              const r = await call(client, 'create_tasks', { tasks: [{ title: c.title }] });
              const newId = nextId[c.ws] as number;
              nextId[c.ws] = newId + 1;
              expect((r.ok?.created as Array<{ id: number }> | undefined)?.[0]?.id).toBe(newId);
              model.set(newId, { title: c.title, status: 'todo' });
              continue;
            }
            const known = model.get(c.id);
            const r =
              c.op === 'update'
                ? await call(client, 'update_task', { id: c.id, title: c.title })
                : c.op === 'complete'
                  ? await call(client, 'complete_task', { id: c.id })
                  : c.op === 'delete'
                    ? await call(client, 'delete_task', { id: c.id, cascade: true })
                    : await call(client, 'get_task', { id: c.id });
            if (!known) {
              expect(r.error?.code, JSON.stringify(c)).toBe('not_found');
              continue;
            }
            expect(r.error, JSON.stringify(c)).toBeUndefined();
            if (c.op === 'update') known.title = c.title;
            if (c.op === 'complete') known.status = 'done';
            if (c.op === 'delete') model.delete(c.id);
          }
          for (const [i, client] of conns.entries()) {
            const r = await call(client, 'list_tasks', { status: ['todo', 'in_progress', 'blocked', 'done', 'cancelled'], sort: 'id', order: 'asc', limit: 100 });
            const seen = ((r.ok?.tasks ?? []) as Array<{ id: number; title: string; status: string }>).map((t) => [t.id, t.title, t.status]);
            const expected = [...(models[i] as Model).entries()].sort(([a], [b]) => a - b).map(([k, v]) => [k, v.title, v.status]);
            expect(seen).toEqual(expected);
          }
        } finally {
          await Promise.all(conns.map((c) => c.close()));
        }
      }),
      { numRuns: 50 },
    );
  });
});
