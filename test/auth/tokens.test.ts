import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthServed, bearerClient, METADATA_URL, PUBLIC_URL, serveWithAuth } from './served.js';

/**
 * The negative token matrix against a real authorization server (oidc-provider
 * on loopback) and Taskwire serving HTTP with `--auth api-key,oauth`: each bad
 * credential replaces the token of an already connected client (2026 era, and a 2025 session) for a
 * `create_tasks` call, and must get the right status and `WWW-Authenticate`
 * challenge, with nothing written.
 */
const WORKSPACES = ['acme', 'globex', 'initech'];
let s: AuthServed;
beforeAll(async () => {
  s = await serveWithAuth(WORKSPACES);
});
afterAll(async () => {
  await s?.close();
});

const now = () => Math.floor(Date.now() / 1000);
const claims = (over: Record<string, unknown> = {}) => ({
  iss: s.as.issuer,
  aud: PUBLIC_URL,
  sub: 'acme',
  client_id: 'acme',
  org_id: 'acme',
  scope: 'tasks:read tasks:write tasks:admin',
  iat: now(),
  exp: now() + 300,
  jti: Math.random().toString(36).slice(2),
  ...over,
});
const without = (key: string) => {
  const c: Record<string, unknown> = claims();
  delete c[key];
  return c;
};
const CREATE = { name: 'create_tasks', arguments: { tasks: [{ title: 'must never be written' }] } };

interface Case {
  name: string;
  token: () => Promise<string | undefined>;
  status: 401 | 403;
  scope?: string;
}

const cases: Case[] = [
  { name: 'no Authorization header', token: async () => undefined, status: 401 },
  { name: 'not a Bearer credential (Basic)', token: async () => 'Basic YWNtZTpzZWNyZXQ=', status: 401 },
  { name: 'garbage bearer value', token: async () => 'not.a.jwt', status: 401 },
  { name: 'wrong audience (real token minted for another service)', token: () => s.as.token('acme', 'tasks:write', 'https://elsewhere.example/mcp'), status: 401 },
  { name: 'expired (2 min past, beyond the 60 s skew)', token: () => s.as.sign(claims({ iat: now() - 600, exp: now() - 120 })), status: 401 },
  { name: 'future nbf (5 min ahead)', token: () => s.as.sign(claims({ nbf: now() + 300 })), status: 401 },
  { name: 'alg: none', token: () => s.as.sign(claims(), { alg: 'none' }), status: 401 },
  { name: 'foreign key with the same kid', token: () => s.as.sign(claims(), { foreign: true }), status: 401 },
  {
    name: 'foreign key advertised through jku (ignored)',
    token: async () => {
      const { generateKeyPair } = await import('jose');
      const k = await generateKeyPair('ES256');
      return new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'test-key-1', jku: 'http://127.0.0.1:1/jwks' }).sign(k.privateKey);
    },
    status: 401,
  },
  { name: 'typ JWT instead of at+jwt', token: () => s.as.sign(claims(), { typ: 'JWT' }), status: 401 },
  { name: 'missing exp', token: () => s.as.sign(without('exp')), status: 401 },
  {
    name: 'tampered payload (real token, workspace changed)',
    token: async () => {
      const [h, p, sig] = (await s.as.token('acme', 'tasks:write')).split('.') as [string, string, string];
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
      payload.org_id = 'globex';
      return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
    },
    status: 401,
  },
  { name: 'wrong issuer', token: () => s.as.sign(claims({ iss: 'https://evil.example' })), status: 401 },
  {
    name: 'symmetric algorithm (HS256, not on the allowlist)',
    token: () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new TextEncoder().encode('x'.repeat(32))),
    status: 401,
  },
  {
    name: 'revoked API key',
    token: async () => {
      const k = await s.apiKey('acme', ['tasks:write']);
      await s.app.store.apiKeys.revoke(k.id, new Date().toISOString());
      return k.token;
    },
    status: 401,
  },
  {
    name: 'expired API key',
    token: async () => {
      const k = await s.apiKey('acme', ['tasks:write'], 1000);
      await new Promise((r) => setTimeout(r, 1100));
      return k.token;
    },
    status: 401,
  },
  { name: 'unknown API key (well-formed)', token: async () => `tw_0123456789ab_${'A'.repeat(43)}`, status: 401 },
  {
    name: 'API key with a wrong secret',
    token: async () => {
      const k = await s.apiKey('acme', ['tasks:write']);
      return `${k.token.slice(0, -1)}${k.token.endsWith('A') ? 'B' : 'A'}`;
    },
    status: 401,
  },
  { name: 'real token with no scopes (unknown scope dropped by the AS)', token: () => s.as.token('acme', 'profile:unknown'), status: 403, scope: 'tasks:read' },
  { name: 'real read-only token calling a writing tool', token: () => s.as.token('acme', 'tasks:read'), status: 403, scope: 'tasks:write' },
  { name: 'read-only API key calling a writing tool', token: async () => (await s.apiKey('acme', ['tasks:read'])).token, status: 403, scope: 'tasks:write' },
];

describe('negative token matrix (oidc-provider + API keys, HTTP)', () => {
  it('has at least 15 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases.flatMap((c) => (['modern', 'legacy'] as const).map((era) => [`${c.name} (${era} era)`, c, era] as const)))('%s', async (_name, c, era) => {
    const good = await s.as.token('acme', 'tasks:read tasks:write tasks:admin');
    const conn = await bearerClient(s.http.url, good, era);
    try {
      conn.setToken(await c.token());
      await expect(conn.client.callTool(CREATE)).rejects.toThrow();
      const ex = conn.last();
      expect(ex.status).toBe(c.status);
      const challenge = ex.wwwAuthenticate ?? '';
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain(`error="${c.status === 401 ? 'invalid_token' : 'insufficient_scope'}"`);
      expect(challenge).toContain(`resource_metadata="${METADATA_URL}"`);
      if (c.scope) expect(challenge).toContain(`scope="${c.scope}"`);
      for (const ws of WORKSPACES) {
        const { total } = await s.app.store.read((r) => r.listTasks(ws, { sort: 'id', order: 'asc', offset: 0, limit: 1 }));
        expect(total, `nothing written in ${ws}`).toBe(0);
      }
    } finally {
      await conn.close();
    }
  });

  it('accepts a valid token, and nbf within the 60 s skew', async () => {
    const conn = await bearerClient(s.http.url, await s.as.sign(claims({ sub: 'skewed', org_id: 'skewed', nbf: now() + 30 })));
    const r = await conn.client.callTool({ name: 'list_tasks', arguments: {} });
    expect(r.isError).toBeFalsy();
    await conn.client.close();
  });

  it('answers a write-scoped token calling delete_task with 403 tasks:admin and deletes nothing', async () => {
    const conn = await bearerClient(s.http.url, await s.as.token('globex', 'tasks:read tasks:write'));
    try {
      const created = await conn.client.callTool({ name: 'create_tasks', arguments: { tasks: [{ title: 'keep me' }] } });
      expect(created.isError).toBeFalsy();
      await expect(conn.client.callTool({ name: 'delete_task', arguments: { id: 1 } })).rejects.toThrow();
      expect(conn.last().status).toBe(403);
      expect(conn.last().wwwAuthenticate).toContain('scope="tasks:admin"');
      expect(await s.app.store.read((r) => r.getTask('globex', 1))).toBeDefined();
      // tools/list shows only what this principal may call
      const names = (await conn.client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('create_tasks');
      expect(names).not.toContain('delete_task');
    } finally {
      await s.app.store.write((w) => w.deleteTask('globex', 1));
      await conn.client.close();
    }
  });

  it('answers a 2026 subscriptions/listen without tasks:read with 403 naming tasks:read (change events are reads)', async () => {
    const key = await s.apiKey('acme', ['tasks:write']);
    const res = await fetch(s.http.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${key.token}`,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'subscriptions/listen',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'subscriptions/listen',
        params: {
          resourceSubscriptions: ['tasks://board'],
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'write-only-bot', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('scope="tasks:read"');
    await res.body?.cancel();
  });

  it('serves RFC 9728 protected resource metadata at both well-known paths', async () => {
    const base = s.http.url.replace(/\/mcp$/, '');
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        resource: PUBLIC_URL,
        authorization_servers: [s.as.issuer],
        scopes_supported: ['tasks:read', 'tasks:write', 'tasks:admin'],
        bearer_methods_supported: ['header'],
        resource_name: 'Taskwire',
      });
    }
  });

  it('never writes an issued token or API key secret to the log', () => {
    expect(s.logs.length).toBeGreaterThan(0);
    const all = s.logs.join('\n');
    // the whole value, or its signature / API key secret alone
    const parts = (t: string) => [t, ...t.split(/[._]/).filter((p) => p.length >= 16)];
    const leaked = s.as.issued.filter((t) => parts(t).some((p) => all.includes(p)));
    expect(leaked).toEqual([]);
  });
});
