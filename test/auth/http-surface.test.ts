import { connect as netConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterTools, SelectionError } from '../../src/server/select.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { harness, RAW_INITIALIZE as INIT, RAW_JSON_HEADERS as JSON_HEADERS } from '../harness.js';
import { type AuthServed, serveWithAuth } from './served.js';

/** The hardened HTTP surface with authentication on: CORS, slow clients, per-principal caps; and tool selection. */

describe('HTTP surface with auth', () => {
  let s: AuthServed;
  let key: string;
  beforeAll(async () => {
    s = await serveWithAuth(['acme'], {
      'cors-origins': 'https://app.example.com',
      'request-timeout-ms': '500',
      'max-sessions-per-principal': '2',
      'max-streams-per-principal': '2',
    });
    key = (await s.apiKey('acme', ['tasks:read'])).token;
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers CORS only for the allowlisted origin, echoing it (never *)', async () => {
    const pre = await fetch(s.http.url, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(pre.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    const unauth = await fetch(s.http.url, { method: 'POST', headers: { origin: 'https://app.example.com', ...JSON_HEADERS }, body: INIT });
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(unauth.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
    const foreign = await fetch(s.http.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example.com' } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a foreign Host (403) before looking at credentials', async () => {
    const res = await new Promise<string>((resolve, reject) => {
      const sock = netConnect(Number(new URL(s.http.url).port), '127.0.0.1', () => {
        sock.write(`POST /mcp HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\nContent-Length: ${INIT.length}\r\nConnection: close\r\n\r\n${INIT}`);
      });
      let data = '';
      sock.on('data', (d) => {
        data += d;
      });
      sock.on('end', () => resolve(data));
      sock.on('error', reject);
      sock.setTimeout(5000, () => sock.destroy(new Error('timeout')));
    });
    expect(res).toMatch(/^HTTP\/1\.1 403/);
  });

  it('caps the body (413) for an authenticated caller', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(1024 * 1024 + 10) } });
    const res = await fetch(s.http.url, { method: 'POST', headers: { ...JSON_HEADERS, authorization: `Bearer ${key}` }, body: big });
    expect(res.status).toBe(413);
  });

  it('closes a connection whose headers trickle in slower than the request timeout', async () => {
    const started = Date.now();
    const closed = await new Promise<string>((resolve, reject) => {
      const sock = netConnect(Number(new URL(s.http.url).port), '127.0.0.1', () => {
        sock.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      });
      let data = '';
      sock.on('data', (d) => {
        data += d;
      });
      sock.on('close', () => resolve(data));
      sock.on('error', reject);
      sock.setTimeout(8000, () => sock.destroy(new Error('not closed by the server within 8 s')));
    });
    expect(Date.now() - started).toBeLessThan(8000);
    expect(closed === '' || /^HTTP\/1\.1 408/.test(closed)).toBe(true);
  });

  it('caps 2025 sessions per principal (429) while another principal still gets one', async () => {
    const open = (token: string) => fetch(s.http.url, { method: 'POST', headers: { ...JSON_HEADERS, authorization: `Bearer ${token}` }, body: INIT });
    const a = await open(key);
    const b = await open(key);
    expect([a.status, b.status]).toEqual([200, 200]);
    const c = await open(key);
    expect(c.status).toBe(429);
    expect(c.headers.get('retry-after')).toBeTruthy();
    const other = (await s.apiKey('acme', ['tasks:read'])).token;
    expect((await open(other)).status).toBe(200);
    // ending a session frees its slot
    const sid = a.headers.get('mcp-session-id') as string;
    const del = await fetch(s.http.url, { method: 'DELETE', headers: { authorization: `Bearer ${key}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' } });
    expect(del.status).toBe(200);
    expect((await open(key)).status).toBe(200);
  });

  it('caps concurrent requests and open streams per principal (429), and frees the slot when a stream ends', async () => {
    const token = (await s.apiKey('acme', ['tasks:read'])).token;
    const auth = { authorization: `Bearer ${token}` };
    // Two sessions, each with its standalone GET stream held open: this principal's 2 slots.
    const streams: AbortController[] = [];
    for (let i = 0; i < 2; i++) {
      const init = await fetch(s.http.url, { method: 'POST', headers: { ...JSON_HEADERS, ...auth }, body: INIT });
      const sid = init.headers.get('mcp-session-id') as string;
      const session = { ...auth, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
      await fetch(s.http.url, {
        method: 'POST',
        headers: { ...JSON_HEADERS, ...session },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      });
      const ctl = new AbortController();
      const get = await fetch(s.http.url, { method: 'GET', headers: { ...session, accept: 'text/event-stream' }, signal: ctl.signal });
      expect(get.status).toBe(200);
      streams.push(ctl);
    }
    // Outside any session (answered 400 when admitted): tells the cap (429) apart from admission.
    const probe = (headers: Record<string, string>) =>
      fetch(s.http.url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' }) }).then(
        (r) => r.status,
      );
    expect(await probe(auth)).toBe(429);
    const other = (await s.apiKey('acme', ['tasks:read'])).token; // another principal is not affected
    expect(await probe({ authorization: `Bearer ${other}` })).toBe(400);
    streams[0]?.abort();
    let status = 429;
    for (let i = 0; i < 100 && status === 429; i++) {
      status = await probe(auth);
      if (status === 429) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(400);
    streams[1]?.abort();
  });
});

describe('tool selection: --read-only, --tools, --exclude-tools', () => {
  it('derives read-only from readOnlyHint, last, overriding --tools', () => {
    const [tasks] = filterTools(TOOLSETS.slice(0, 1), { readOnly: true, tools: ['get_task', 'create_tasks'] });
    expect(tasks?.tools.map((t) => t.name)).toEqual(['get_task']);
  });

  it('keeps only --tools, drops --exclude-tools, and names unknown tools', () => {
    const [tasks] = filterTools(TOOLSETS.slice(0, 1), { tools: ['get_task', 'list_tasks', 'delete_task'], excludeTools: ['delete_task'] });
    expect(tasks?.tools.map((t) => t.name).sort()).toEqual(['get_task', 'list_tasks']);
    expect(() => filterTools(TOOLSETS.slice(0, 1), { excludeTools: ['drop_database'] })).toThrow(SelectionError);
    expect(() => filterTools(TOOLSETS.slice(0, 1), { excludeTools: ['drop_database'] })).toThrow(/drop_database/);
  });

  it('serves only read-only tools with --read-only, and refuses a writing tool as unknown', async () => {
    const h = await harness('modern', { 'read-only': 'true' });
    try {
      const names = (await h.client.listTools()).tools.map((t) => t.name);
      expect(names.sort()).toEqual(['export_tasks', 'get_task', 'get_task_stats', 'list_changes', 'list_tasks', 'next_task', 'search_tasks']);
      const r = (await h.client.callTool({ name: 'create_tasks', arguments: { tasks: [{ title: 'x' }] } }).catch((e) => ({ isError: true, e }))) as { isError?: boolean };
      expect(r.isError).toBe(true);
      expect((await h.app.store.read((x) => x.listTasks('local', { sort: 'id', order: 'asc', offset: 0, limit: 1 }))).total).toBe(0);
    } finally {
      await h.close();
    }
  });
});
