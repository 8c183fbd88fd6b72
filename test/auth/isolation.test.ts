import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../harness.js';
import { type AuthServed, bearerClient, serveWithAuth } from './served.js';

/**
 * Tenant isolation over HTTP with real credentials: three workspaces, each
 * holding tasks whose ids the others lack (ws i keeps ids ≡ i+… mod 3, the
 * rest deleted), titled, labelled and assigned with its own name. For every
 * tool, resource, template, completion, prompt and subscription that takes an
 * id, each workspace tries {its own id, another workspace's id, a nonexistent
 * id}: it never sees another workspace's data, never changes it, and the
 * foreign id answers exactly like the nonexistent one.
 */
const WS = ['acme', 'globex', 'initech'] as const;
const NONE = 999;
let s: AuthServed;
const clients: Record<string, { modern: Client; legacy: Client }> = {};
/** Ids each workspace keeps: acme {3,6}, globex {1,4}, initech {2,5}. */
const kept = (i: number) => [1, 2, 3, 4, 5, 6].filter((id) => id % 3 === (i + 1) % 3);
const own = (i: number) => kept(i)[0] as number;
const foreign = (i: number) => own((i + 1) % 3);

type Outcome = { ok: boolean; body: string };

async function tool(c: Client, name: string, args: Record<string, unknown>): Promise<Outcome> {
  const r = (await c.callTool({ name, arguments: args })) as { isError?: boolean; content: Array<{ text?: string }>; structuredContent?: unknown };
  return { ok: !r.isError, body: JSON.stringify(r.isError ? r.content : (r.structuredContent ?? r.content)) };
}

async function settle<T>(p: Promise<T>): Promise<Outcome> {
  try {
    const { _meta, ...result } = (await p) as Record<string, unknown>;
    return { ok: true, body: JSON.stringify(result) };
  } catch (error) {
    const e = error as { code?: number; message?: string; data?: unknown };
    return { ok: false, body: JSON.stringify({ code: e.code, message: e.message, data: e.data }) };
  }
}

/** The same outcome with one id number replaced, for "foreign looks exactly like nonexistent". */
const normalized = (o: Outcome, id: number) => ({ ok: o.ok, body: o.body.replace(new RegExp(`(?<![0-9])${id}(?![0-9])`, 'g'), 'N') });

const snapshot = () =>
  Promise.all(
    WS.map((w) =>
      s.app.store.read((r) => r.listTasks(w, { sort: 'id', order: 'asc', offset: 0, limit: 100, status: ['todo', 'in_progress', 'blocked', 'done', 'cancelled'] })),
    ),
  );

beforeAll(async () => {
  s = await serveWithAuth([...WS]);
  for (const [i, w] of WS.entries()) {
    const key = (await s.apiKey(w, ['tasks:read', 'tasks:write', 'tasks:admin'])).token;
    const modern = (await bearerClient(s.http.url, key, 'modern', `iso-${w}`)).client;
    const legacy = (await bearerClient(s.http.url, key, 'legacy', `iso-${w}`)).client;
    clients[w] = { modern, legacy };
    const tasks = [1, 2, 3, 4, 5, 6].map((n) => ({ title: `secret-${w}-${n}`, labels: [`lbl-${w}`], assignee: `agent-${w}`, description: `about ${w}` }));
    expect((await tool(modern, 'create_tasks', { tasks })).ok).toBe(true);
    const gone = [1, 2, 3, 4, 5, 6].filter((id) => !kept(i).includes(id));
    for (const id of gone) expect((await tool(modern, 'delete_task', { id })).ok).toBe(true);
    // Past the trash retention: those ids are simply absent here (a trashed id answers with a way back instead).
    await s.app.store.write((tx) => tx.removeTrash(w, gone));
    expect((await tool(modern, 'add_comment', { task_id: own(i), body: `comment-${w}` })).ok).toBe(true);
  }
});
afterAll(async () => {
  for (const c of Object.values(clients)) {
    await c.modern.close();
    await c.legacy.close();
  }
  await s?.close();
});

/** Every operation that takes a task id, as (client, id, ownId) → outcome. */
const BY_ID: Array<[string, (c: Client, id: number, ownId: number) => Promise<Outcome>]> = [
  ['tool get_task', (c, id) => tool(c, 'get_task', { id })],
  ['tool update_task', (c, id) => tool(c, 'update_task', { id, title: 'renamed' })],
  ['tool complete_task', (c, id) => tool(c, 'complete_task', { id })],
  ['tool add_comment', (c, id) => tool(c, 'add_comment', { task_id: id, body: 'probe' })],
  ['tool create_tasks parent_id', (c, id) => tool(c, 'create_tasks', { tasks: [{ title: 'child probe', parent_id: id }] })],
  ['tool create_tasks depends_on', (c, id) => tool(c, 'create_tasks', { tasks: [{ title: 'dep probe', depends_on: [id] }] })],
  ['tool update_task depends_on', (c, id, ownId) => tool(c, 'update_task', { id: ownId, depends_on: id === ownId ? [] : [id] })],
  ['tool list_tasks parent_id', (c, id) => tool(c, 'list_tasks', { parent_id: id, status: ['todo', 'done'] })],
  ['resource tasks://{id}', (c, id) => settle(c.readResource({ uri: `tasks://${id}` }))],
  ['completion tasks://{id}', (c, id) => settle(c.complete({ ref: { type: 'ref/resource', uri: 'tasks://{id}' }, argument: { name: 'id', value: String(id) } }))],
  ['tool delete_task', (c, id) => tool(c, 'delete_task', { id, cascade: true })],
];

describe('tenant isolation matrix: 3 workspaces × every id-taking operation × {own, foreign, nonexistent}', () => {
  for (const [opName, op] of BY_ID) {
    for (const [i, w] of WS.entries()) {
      it(`${opName} from ${w}`, async () => {
        const c = clients[w]?.modern as Client;
        const others = WS.filter((x) => x !== w);
        const before = await snapshot();
        const foreignOut = await op(c, foreign(i), own(i));
        const noneOut = await op(c, NONE, own(i));
        // no foreign data, and nothing of any other workspace changed
        for (const o of [foreignOut, noneOut]) for (const other of others) expect(o.body).not.toContain(other);
        const after = await snapshot();
        for (const [j, other] of WS.entries()) if (other !== w) expect(after[j], `${other} unchanged`).toEqual(before[j]);
        // foreign indistinguishable from nonexistent
        expect(normalized(foreignOut, foreign(i))).toEqual(normalized(noneOut, NONE));
        // own id: works (positive control), still nothing foreign
        const ownOut = await op(c, own(i), own(i));
        for (const other of others) expect(ownOut.body).not.toContain(other);
        if (opName.startsWith('completion')) expect(ownOut.body).toContain(`"${own(i)}"`);
        else expect(ownOut.ok, ownOut.body).toBe(true);
      });
    }
  }
});

describe('tenant isolation: operations without an id', () => {
  const ALL = ['todo', 'in_progress', 'blocked', 'done', 'cancelled'];
  const OPS: Array<[string, (c: Client) => Promise<Outcome>]> = [
    ['list_tasks', (c) => tool(c, 'list_tasks', { status: ALL, limit: 100 })],
    ['search_tasks', (c) => tool(c, 'search_tasks', { query: 'secret' })],
    ['search_tasks for another workspace name', (c) => tool(c, 'search_tasks', { query: 'acme globex initech' })],
    ['get_task_stats', (c) => tool(c, 'get_task_stats', {})],
    ['next_task', (c) => tool(c, 'next_task', {})],
    ['resource tasks://board', (c) => settle(c.readResource({ uri: 'tasks://board' }))],
    ['resource tasks://stats', (c) => settle(c.readResource({ uri: 'tasks://stats' }))],
    ['resources/list and templates', (c) => settle(Promise.all([c.listResources(), c.listResourceTemplates()]))],
    ['prompt daily_standup', (c) => settle(c.getPrompt({ name: 'daily_standup', arguments: {} }))],
    ['prompt review_tasks', (c) => settle(c.getPrompt({ name: 'review_tasks', arguments: {} }))],
    ['prompt plan_project', (c) => settle(c.getPrompt({ name: 'plan_project', arguments: { goal: 'ship' } }))],
    ['completion of prompt assignee', (c) => settle(c.complete({ ref: { type: 'ref/prompt', name: 'review_tasks' }, argument: { name: 'assignee', value: 'agent' } }))],
    ['completion of an id prefix', (c) => settle(c.complete({ ref: { type: 'ref/resource', uri: 'tasks://{id}' }, argument: { name: 'id', value: '' } }))],
  ];
  for (const [name, op] of OPS) {
    it(`${name}: each workspace sees only its own`, async () => {
      for (const w of WS) {
        const out = await op(clients[w]?.modern as Client);
        expect(out.ok, out.body).toBe(true);
        for (const other of WS.filter((x) => x !== w)) expect(out.body, `${w} sees ${other}`).not.toContain(other);
      }
    });
  }

  it('idempotency keys are per workspace: the same key in two workspaces never replays the other one', async () => {
    const a = await tool(clients.acme?.modern as Client, 'create_tasks', { tasks: [{ title: 'idem-acme' }], idempotency_key: 'shared-key-1' });
    const b = await tool(clients.globex?.modern as Client, 'create_tasks', { tasks: [{ title: 'idem-globex' }], idempotency_key: 'shared-key-1' });
    expect(a.body).toContain('idem-acme');
    expect(b.body).toContain('idem-globex');
    expect(b.body).not.toContain('acme');
  });

  it('a cursor from another workspace pages only the caller’s own tasks', async () => {
    const page = JSON.parse((await tool(clients.initech?.modern as Client, 'list_tasks', { status: ALL, limit: 1 })).body) as { next_cursor: string };
    expect(page.next_cursor).toBeTruthy();
    const out = await tool(clients.acme?.modern as Client, 'list_tasks', { status: ALL, limit: 1, cursor: page.next_cursor });
    expect(out.body).not.toContain('initech');
    expect(out.body).not.toContain('globex');
  });
});

describe('tenant isolation: subscriptions and change notifications', () => {
  it('a subscriber hears changes of its own workspace only (2025 subscribe and 2026 listen)', async () => {
    // acme and globex both subscribe to one of globex's tasks, the board and the stats; only globex changes.
    const heard: Record<string, string[]> = { acmeLegacy: [], acmeModern: [], globexLegacy: [], globexModern: [] };
    const acme = clients.acme as { modern: Client; legacy: Client };
    const globex = clients.globex as { modern: Client; legacy: Client };
    acme.legacy.setNotificationHandler('notifications/resources/updated', async (n) => void heard.acmeLegacy?.push(n.params.uri));
    acme.modern.setNotificationHandler('notifications/resources/updated', async (n) => void heard.acmeModern?.push(n.params.uri));
    globex.legacy.setNotificationHandler('notifications/resources/updated', async (n) => void heard.globexLegacy?.push(n.params.uri));
    globex.modern.setNotificationHandler('notifications/resources/updated', async (n) => void heard.globexModern?.push(n.params.uri));
    const created = JSON.parse((await tool(globex.modern, 'create_tasks', { tasks: [{ title: 'watched' }] })).body) as { created: Array<{ id: number }> };
    const id = created.created[0]?.id as number;
    const uris = [`tasks://${id}`, 'tasks://board', 'tasks://stats'];
    for (const uri of uris) {
      await acme.legacy.subscribeResource({ uri });
      await globex.legacy.subscribeResource({ uri });
    }
    const acmeListen = await acme.modern.listen({ resourceSubscriptions: uris });
    const globexListen = await globex.modern.listen({ resourceSubscriptions: uris });
    try {
      expect((await tool(globex.modern, 'update_task', { id, title: 'globex change' })).ok).toBe(true);
      await eventually(
        () => (heard.globexLegacy?.includes(`tasks://${id}`) ?? false) && (heard.globexModern?.includes(`tasks://${id}`) ?? false),
        5000,
        'globex notified',
      );
      // the positive control arrived; give any stray cross-workspace delivery the same chance
      await new Promise((r) => setTimeout(r, 200));
      expect(heard.acmeLegacy).toEqual([]);
      expect(heard.acmeModern).toEqual([]);
    } finally {
      await acmeListen.close();
      await globexListen.close();
    }
  });

  it('a 2025 session id used by another principal is answered like an unknown session (404)', async () => {
    const acmeKey = (await s.apiKey('acme', ['tasks:read'])).token;
    const globexKey = (await s.apiKey('globex', ['tasks:read'])).token;
    const opener = await bearerClient(s.http.url, acmeKey, 'legacy');
    const sessionId = (opener.client as unknown as { transport?: { sessionId?: string } }).transport?.sessionId;
    expect(sessionId).toBeTruthy();
    const probe = (token: string, sid: string) =>
      fetch(s.http.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sid,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
      });
    const hijack = await probe(globexKey, sessionId as string);
    const unknown = await probe(globexKey, '00000000-0000-4000-8000-000000000000');
    expect(hijack.status).toBe(404);
    expect(await hijack.text()).toBe(await unknown.text());
    expect((await probe(acmeKey, sessionId as string)).status).toBe(200);
    await opener.client.close();
  });
});

describe('secrets in logs', () => {
  it('no issued token or API key secret appears in any log line of this suite', () => {
    expect(s.logs.length).toBeGreaterThan(0);
    const all = s.logs.join('\n');
    const parts = (t: string) => [t, ...t.split(/[._]/).filter((p) => p.length >= 16)];
    expect(s.as.issued.filter((t) => parts(t).some((p) => all.includes(p)))).toEqual([]);
  });
});
