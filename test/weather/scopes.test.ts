import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthServed, bearerClient, serveWithAuth } from '../auth/served.js';
import { type FakeNws, startFakeNws } from './fake-nws.js';

/**
 * A toolset's own scope over authenticated HTTP: `weather:read`, declared by the weather toolset, is kept on
 * credentials, published in the protected resource metadata, and gates exactly the weather parts.
 */
describe('weather:read over HTTP with API keys', () => {
  let fake: FakeNws;
  let s: AuthServed;
  beforeAll(async () => {
    fake = await startFakeNws();
    s = await serveWithAuth(['acme'], { toolsets: 'tasks,weather', 'weather-api-url': fake.url, 'weather-user-agent': 'taskwire-test/1 (ops@example.com)' });
  });
  afterAll(async () => {
    await s.close();
    await fake.close();
  });

  it('publishes every declared scope in the protected resource metadata', async () => {
    const doc = (await (await fetch(new URL('/.well-known/oauth-protected-resource/mcp', s.http.url))).json()) as { scopes_supported: string[] };
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['tasks:read', 'tasks:write', 'tasks:admin', 'weather:read']));
  });

  it('a weather-only key sees and calls only the weather parts', async () => {
    const { token } = await s.apiKey('acme', ['weather:read']);
    const c = await bearerClient(s.http.url, token, 'modern');
    try {
      const { tools } = await c.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['get_alerts', 'get_forecast']);
      const alerts = await c.client.callTool({ name: 'get_alerts', arguments: { state: 'CA' } });
      expect(alerts.isError).toBeFalsy();
      const read = await c.client.readResource({ uri: 'alerts://CA/active' });
      expect(JSON.parse((read.contents[0] as { text: string }).text).total).toBe(3);
      await expect(c.client.readResource({ uri: 'tasks://board' })).rejects.toThrow();
      expect(c.last().status).toBe(403);
      expect(c.last().wwwAuthenticate).toMatch(/insufficient_scope/);
      expect(c.last().wwwAuthenticate).toMatch(/tasks:read/);
    } finally {
      await c.close();
    }
  });

  /** Open a 2026 `subscriptions/listen` stream for `uris`; the status, then the stream is dropped. */
  const listenStatus = async (token: string, uris: string[]) => {
    const controller = new AbortController();
    const res = await fetch(s.http.url, {
      method: 'POST',
      signal: controller.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'subscriptions/listen',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'subscriptions/listen',
        params: {
          notifications: { resourceSubscriptions: uris },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'listener', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    controller.abort();
    return { status: res.status, challenge: res.headers.get('www-authenticate') ?? '' };
  };

  it('a listen stream needs the scopes of what it subscribes to: weather:read for alerts://, not tasks:read', async () => {
    const weather = (await s.apiKey('acme', ['weather:read'])).token;
    expect((await listenStatus(weather, ['alerts://CA/active'])).status).toBe(200);
    const tasksOnly = (await s.apiKey('acme', ['tasks:read'])).token;
    expect(await listenStatus(tasksOnly, ['tasks://board'])).toMatchObject({ status: 200 });
    const refused = await listenStatus(tasksOnly, ['alerts://CA/active', 'tasks://board']);
    expect(refused.status).toBe(403);
    expect(refused.challenge).toContain('scope="weather:read"');
  });

  it('tells a credential granted no scope every scope the served toolsets declare', async () => {
    const res = await fetch(s.http.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${await s.as.token('acme', 'profile:unknown')}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error_description: string; scope: string };
    expect(body.error_description).toContain('tasks:read, tasks:write, tasks:admin, weather:read');
    // Tasks and weather resources share no scope, so the step-up names them all.
    expect(body.scope.split(' ').sort()).toEqual(['tasks:admin', 'tasks:read', 'tasks:write', 'weather:read']);
  });

  it('a tasks-only key sees no weather tools and is refused the weather resources, naming weather:read', async () => {
    const { token } = await s.apiKey('acme', ['tasks:read']);
    const c = await bearerClient(s.http.url, token, 'modern');
    try {
      const { tools } = await c.client.listTools();
      expect(tools.map((t) => t.name)).not.toContain('get_alerts');
      await expect(c.client.readResource({ uri: 'alerts://CA/active' })).rejects.toThrow();
      expect(c.last().status).toBe(403);
      expect(c.last().wwwAuthenticate).toMatch(/weather:read/);
    } finally {
      await c.close();
    }
  });
});
